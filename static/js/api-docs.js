// Starts Swagger UI on /schema. A file rather than the inline script Litestar's page carries, so
// the page runs under a Content-Security-Policy without 'unsafe-inline' scripts.
(function () {
  const container = document.getElementById("swagger-ui");
  if (!container || typeof SwaggerUIBundle === "undefined") return;
  const csrfCookie = container.dataset.csrfCookie;
  const csrfHeader = container.dataset.csrfHeader;
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-ui",
    // No deep links: each one is a link inside the operation's toggle button, which keyboards and
    // screen readers cannot use (axe: nested-interactive), and a target too small to tap.
    deepLinking: false,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
    // "Try it out" with the session cookie: send the CSRF token the pages use.
    requestInterceptor: (request) => {
      const row = document.cookie.split("; ").find((c) => c.startsWith(csrfCookie + "="));
      if (row) request.headers[csrfHeader] = row.split("=")[1];
      return request;
    },
  });
})();
