"""Home page, health check, the language switch and the favicon."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.response import File, Redirect, Template
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.lib.i18n import LANG_COOKIE, normalize_locale
from store.settings import BASE_DIR
from store.stats.services import StatsService

FAVICON = BASE_DIR / "static" / "favicon.ico"


@get("/", name="home", include_in_schema=False)
async def home(db_session: AsyncSession) -> Template:
    figures = await StatsService(db_session).catalog_figures()
    return Template("home.html", context={"figures": figures})


@get("/health", name="health", tags=["site"], summary="State of the store and each dependency")
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    engine: AsyncEngine = request.app.state["engine"]
    checks: dict[str, dict[str, str]] = {}
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = {"status": "ok", "backend": engine.dialect.name}
    except Exception as exc:  # health must report, never raise
        checks["database"] = {"status": "error", "error": type(exc).__name__}
    storage = request.app.state["storage"]
    try:
        await storage.check()
        checks["storage"] = {"status": "ok", "backend": storage.backend}
    except Exception as exc:
        checks["storage"] = {"status": "error", "backend": storage.backend, "error": type(exc).__name__}
    healthy = all(c["status"] == "ok" for c in checks.values())
    return Response(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status_code=200 if healthy else 503,
    )


@get("/lang/{code:str}", name="set_language", include_in_schema=False)
async def set_language(request: Request[Any, Any, Any], code: str, next: str = "/") -> Redirect:
    locale = normalize_locale(code) or "zh_CN"
    # Only local paths: the switch must not become an open redirect.
    target = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/"
    response = Redirect(path=target)
    response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, httponly=True, samesite="lax")
    return response


@get(
    "/favicon.ico",
    name="favicon",
    include_in_schema=False,
    cache_control=CacheControlHeader(public=True, max_age=7 * 86400),
)
async def favicon() -> File:
    """Browsers and crawlers ask for /favicon.ico whatever the page links; pages link the SVG."""
    return File(FAVICON, media_type="image/vnd.microsoft.icon", content_disposition_type="inline")


SITE_ROUTES = [home, health, set_language, favicon]
