"""Site pages: the home page, the language switch, the favicon and the guide."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.response import File, Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from store.lib.i18n import LANG_COOKIE, normalize_locale
from store.lib.security import local_path
from store.lib.templating import CHINA_TIME
from store.settings import BASE_DIR
from store.stats.pages import public_summary
from store.stats.services import StatsService

FAVICON = BASE_DIR / "static" / "favicon.ico"


@get("/", name="home", include_in_schema=False)
async def home(request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
    figures = await StatsService(db_session).get_catalog_figures()
    # How far reuse has gone, for everyone (the statistics' public summary, at most a minute old).
    reuse, as_of = await public_summary(request, db_session)
    return Template(
        "home.html", context={"figures": figures, "reuse": reuse, "reuse_as_of": as_of.astimezone(CHINA_TIME)}
    )


@get("/lang/{code:str}", name="set_language", include_in_schema=False)
async def set_language(request: Request[Any, Any, Any], code: str, next: str = "/") -> Redirect:
    locale = normalize_locale(code) or "zh_CN"
    response = Redirect(path=local_path(next))
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


@get("/guide", name="guide", include_in_schema=False)
async def guide() -> Template:
    """How to publish an app and how to reuse one, step by step, with the screenshots the browser
    tests take of the demo store (tests/e2e/test_guide_screenshots.py writes static/guide/)."""
    return Template("site/guide.html")


SITE_PAGES = [home, set_language, favicon, guide]
