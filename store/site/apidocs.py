"""The Swagger UI page at /schema, built to run under the store's Content-Security-Policy.

Litestar's SwaggerRenderPlugin writes the whole schema into an inline script, an inline style and
a favicon from a CDN. This page instead loads Swagger UI and its starter from static/ and lets it
fetch /schema/openapi.json: nothing inline to allow, nothing from outside.

The page around it follows the store's accessibility rules (tests/e2e/test_accessibility.py): the
language of the request, one main landmark holding everything, and a heading outline without
gaps (our h1 and h2, then Swagger UI's h3 for each group; its own title block is hidden by
api-docs.css, and api-docs.js turns off the deep links that nested a link inside each button).
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router

from store.lib.i18n import HTML_LANG, current_locale, gettext

FAVICON = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


class ApiDocsPlugin(SwaggerRenderPlugin):
    def __init__(self, *, path: str = "/") -> None:
        super().__init__(
            path=path,
            js_url="/static/vendor/swagger-ui-bundle.js",
            css_url="/static/vendor/swagger-ui.css",
            favicon=FAVICON,
            style='<link rel="stylesheet" href="/static/css/api-docs.css">',
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        csrf = request.app.csrf_config
        attributes = {
            "data-spec-url": self.get_openapi_json_route(request),
            "data-csrf-cookie": csrf.cookie_name if csrf else "",
            "data-csrf-header": csrf.header_name if csrf else "",
        }
        data = " ".join(f'{name}="{escape(value)}"' for name, value in attributes.items())
        title = escape(str(openapi_schema["info"]["title"]))
        spec_url = escape(self.get_openapi_json_route(request))
        lang = HTML_LANG.get(current_locale.get(), "zh-CN")
        home = escape(request.app.route_reverse("home"))
        header = (
            '<header class="api-docs-header">\n'
            f'<p><a href="{home}">← {escape(gettext("Guangdong Reuse"))}</a></p>\n'
            f"<h1>{title}</h1>\n"
            f'<p>OpenAPI: <a href="{spec_url}">{spec_url}</a></p>\n'
            f"<h2>{escape(gettext('Endpoints'))}</h2>\n</header>\n"
        )
        return (
            f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n'
            f'<meta charset="utf-8">\n<title>{title}</title>\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"{self.favicon}\n"
            f'<link rel="stylesheet" href="{escape(self.css_url)}">\n{self.style}\n'
            f'<script src="{escape(self.js_url)}" defer></script>\n'
            '<script src="/static/js/api-docs.js" defer></script>\n'
            f'</head>\n<body>\n<main class="api-docs">\n{header}<div id="swagger-ui" {data}></div>\n</main>\n'
            "</body>\n</html>\n"
        ).encode()

    def receive_router(self, router: Router) -> None:
        """No OAuth2 redirect page: the store has no OAuth, and that page is an inline script."""
