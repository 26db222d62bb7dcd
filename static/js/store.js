// Progressive enhancements only: every page works without this file.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// The header search box's suggestions (templates/base.html): arrow keys move between the box and
// the suggested links, Escape closes the list, a click elsewhere too. Enter submits the form.
(() => {
  const links = () => Array.from(document.querySelectorAll("#site-search-suggestions a"));
  const close = () => {
    const list = document.getElementById("site-search-suggestions");
    if (list) list.replaceChildren();
  };
  document.addEventListener("keydown", (event) => {
    const input = document.getElementById("site-search");
    const form = document.getElementById("site-search-form");
    if (!input || !form || !form.contains(event.target)) return;
    const items = links();
    const at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      items[Math.min(at + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      (at === 0 ? input : items[at - 1]).focus();
    } else if (event.key === "Escape" && items.length) {
      close();
      input.focus();
    }
  });
  document.addEventListener("click", (event) => {
    const form = document.getElementById("site-search-form");
    if (form && !form.contains(event.target)) close();
  });
})();

// Folding panels: the header menu (templates/base.html) and the catalog's filters
// (templates/catalog/_results.html) are <details> the page sends open, so they work without this
// file. On a screen that matches their data-fold media query they start closed; they open again
// when the window grows past it. Content htmx swaps in (new search results) is folded the same way.
(() => {
  const watched = new Set();
  const fit = (details) => { details.open = !window.matchMedia(details.dataset.fold).matches; };
  const watch = (query) => {
    if (watched.has(query)) return;
    watched.add(query);
    window.matchMedia(query).addEventListener("change", () => {
      document.querySelectorAll("details[data-fold]").forEach((d) => { if (d.dataset.fold === query) fit(d); });
    });
  };
  const setUp = (root) => {
    root.querySelectorAll("details[data-fold]").forEach((d) => { fit(d); watch(d.dataset.fold); });
  };
  setUp(document);
  document.addEventListener("htmx:load", (event) => setUp(event.target));
  // Escape closes an open folded panel from inside it and puts the focus back on its summary.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const details = event.target.closest && event.target.closest("details[data-fold][open]");
    if (details && window.matchMedia(details.dataset.fold).matches) {
      details.open = false;
      details.querySelector("summary").focus();
    }
  });
})();

// The header's dropdowns (the account menu, the language): Escape closes an open one from inside
// it and puts the focus back on its summary; a click elsewhere closes it already (Pico's overlay).
// Heard first (capture) and no further, so the folded menu around it on a phone stays open.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const dropdown = event.target.closest && event.target.closest("details.dropdown[open]");
  if (dropdown) {
    event.stopPropagation();
    dropdown.open = false;
    dropdown.querySelector("summary").focus();
  }
}, true);

// Forms (templates/_macros.html form_alert, templates/catalog/form.html).
// The summary of a refused form takes the focus, so a screen reader starts with what to fix
// (autofocus does it too, where the browser honours it). A link in the summary moves the focus
// into its field, opening a folded <details> around it.
// A part shown only for one choice (data-show-when="<select name>", data-show-value="<value>")
// is hidden, and its fields disabled so they are not sent, while another value is chosen.
// Without this file all of it stays visible; the server decides what is required either way.
(() => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) summary.focus();
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    for (let up = field.closest("details"); up; up = up.parentElement.closest("details")) up.open = true;
    const label = field.id && document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
  const sync = (part) => {
    const form = part.closest("form");
    const choice = form && form.elements.namedItem(part.dataset.showWhen);
    if (!choice) return;
    const shown = choice.value === part.dataset.showValue;
    part.hidden = !shown;
    part.querySelectorAll("input, select, textarea").forEach((field) => { field.disabled = !shown; });
  };
  const parts = () => document.querySelectorAll("[data-show-when]");
  parts().forEach(sync);
  document.addEventListener("change", (event) => {
    parts().forEach((part) => { if (event.target.name === part.dataset.showWhen) sync(part); });
  });
})();

// Copy buttons (templates/_copy.html): hidden in the page, shown here, since they need a script.
// The clipboard API needs a secure context (HTTPS or this machine); on plain HTTP, as on some
// intranets, the older selection-and-copy command does it. The status beside the button says
// what happened, where screen readers hear it too.
(() => {
  const fallback = (text) => {
    const back = document.activeElement;  // selecting moves the focus; it comes back after
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "copy-buffer";
    document.body.appendChild(area);
    area.select();
    try {
      return document.execCommand("copy");
    } finally {
      area.remove();
      if (back && back.focus) back.focus();
    }
  };
  const copy = (text) => (navigator.clipboard && window.isSecureContext
    ? navigator.clipboard.writeText(text).then(() => true, () => fallback(text))
    : Promise.resolve(fallback(text)));
  const showAll = (root) => root.querySelectorAll("button[data-copy]").forEach((b) => { b.hidden = false; });
  showAll(document);
  document.addEventListener("htmx:load", (event) => showAll(event.target));
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    const status = button.nextElementSibling;
    copy(button.dataset.copy).then((done) => {
      if (!status) return;
      status.textContent = done ? button.dataset.copied : button.dataset.copyFailed;
      clearTimeout(status.clearing);
      status.clearing = setTimeout(() => { status.textContent = ""; }, 4000);
    });
  });
})();
