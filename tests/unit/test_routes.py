"""Routes have names, and pages and redirects reach each other through them, never by a path
written out: a page's path is written once, on its handler.

The route table is read from an application built with create_app() (nothing is served, no
database is opened); templates and Python sources are read as text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template

from store.app import create_app
from store.lib.errors import ValidationFailed, field_error
from store.lib.forms import redirect_to, rerender
from store.settings import AppSettings, DatabaseSettings, Settings, StorageSettings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STORE = ROOT / "store"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    var_dir = tmp_path_factory.mktemp("var")
    return create_app(
        Settings(
            app=AppSettings(env="test", secret_key="test-secret-key-0123456789abcdef", var_dir=var_dir),
            db=DatabaseSettings(url=f"sqlite+aiosqlite:///{var_dir / 'never-opened.db'}"),
            storage=StorageSettings(local_dir=var_dir / "artifacts"),
        )
    )


def _handlers(app: Litestar) -> list[tuple[str, HTTPRouteHandler]]:
    """The store's own HTTP handlers: without Litestar's OPTIONS answers and its schema routes."""
    schema = app.openapi_config.path if app.openapi_config else "/schema"
    found = []
    for route in app.routes:
        if route.path == schema or route.path.startswith(f"{schema}/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler) and handler.http_methods != {"OPTIONS"}:
                found.append((route.path, handler))
    return found


def _route_names(app: Litestar) -> set[str]:
    return {handler.name for _path, handler in _handlers(app) if handler.name}


def test_every_page_and_api_handler_has_a_name(app: Litestar) -> None:
    handlers = _handlers(app)
    assert len(handlers) > 60  # a guard against a blind test: the store has that many
    unnamed = sorted(f"{sorted(h.http_methods)} {path}" for path, h in handlers if not h.name)
    assert not unnamed, "route handlers without name=:\n" + "\n".join(unnamed)


# An attribute holding a path that starts with "/": href="/…", action="/…", hx-get="/…", data-…-url="/…".
WRITTEN_OUT_PATH = re.compile(r'\b(?:href|action|src|hx-[a-z]+|data-[a-z-]*url)="/')


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_link_through_url_for(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    bad = [
        f"{template.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if WRITTEN_OUT_PATH.search(line)
    ]
    assert not bad, "paths written out instead of url_for(...):\n" + "\n".join(bad)


def _names_used() -> list[tuple[str, str]]:
    """(where, route name) for every url_for("…") in templates and every redirect_to(…, "…") or
    route_reverse("…") in store/ — each must name a route, or the page fails only when shown."""
    used = []
    patterns = [
        (TEMPLATES, "*.html", re.compile(r'url_for\(\s*"([^"]+)"')),
        (STORE, "*.py", re.compile(r'(?:redirect_to\(\s*request,\s*|route_reverse\(\s*)"([^"]+)"')),
    ]
    for folder, glob, pattern in patterns:
        for path in sorted(folder.rglob(glob)):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                used += [(f"{path.relative_to(ROOT)}:{number}", name) for name in pattern.findall(line)]
    return used


def test_every_route_name_used_exists(app: Litestar) -> None:
    used = _names_used()
    assert len(used) > 50  # a guard against a blind test
    known = _route_names(app) | {"static"}
    unknown = [f"{where}: {name}" for where, name in used if name not in known]
    assert not unknown, "route names that no handler has:\n" + "\n".join(unknown)


@get("/apps/{slug:str}/versions/{version:str}", name="version_detail")
async def _version_detail(slug: str, version: str) -> None: ...


def test_redirect_to_builds_the_path_from_the_route_name() -> None:
    class FakeRequest:
        app = Litestar(route_handlers=[_version_detail])

    request: Any = FakeRequest()
    plain = redirect_to(request, "version_detail", slug="gz-dispatch", version="1.2.0")
    assert plain.url == "/apps/gz-dispatch/versions/1.2.0"
    assert plain.status_code == 302
    anchored = redirect_to(request, "version_detail", anchor="review", slug="gz-dispatch", version="1.2.0")
    assert anchored.url == "/apps/gz-dispatch/versions/1.2.0#review"


async def test_rerender_rolls_back_before_the_page_loads_what_it_shows() -> None:
    """The page runs after the rollback (which expires every loaded row), with the errors under
    their fields and the error's status."""
    calls: list[Any] = []

    class FakeSession:
        async def rollback(self) -> None:
            calls.append("rollback")

    async def page(slug: str, *, errors: dict[str, str], status_code: int) -> Template:
        calls.append(("page", slug, errors, status_code))
        return Template("catalog/detail.html", status_code=status_code)

    refused = ValidationFailed(details=[field_error("reason", "Give a reason.")])
    session: Any = FakeSession()
    response = await rerender(session, refused, page, "gz-dispatch")
    assert calls == ["rollback", ("page", "gz-dispatch", {"reason": "Give a reason."}, 422)]
    assert response.status_code == 422
