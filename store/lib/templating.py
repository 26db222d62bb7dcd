"""Jinja2 set up once: autoescaping, the i18n extension bound to the request's language, and the
helpers every page uses (who is signed in, what they may do, the language switch).

Lib knows no feature: ``create_app`` passes the features' label groups in (``label(group, code)``
in templates), so a new feature names its codes without editing this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from litestar import Request
from litestar.contrib.jinja import JinjaTemplateEngine
from markupsafe import Markup

from store.db import models as m

from . import checksums, flash, i18n, markdown, money, policy
from .forms import error_summary, field_anchor
from .labels import LabelBook, LabelGroups

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


def _request(context: Any) -> Request[Any, Any, Any]:
    return context["request"]


@pass_context
def current_user(context: Any) -> m.User | None:
    return policy.current_user(_request(context))


@pass_context
def can(context: Any, action: str, region_code: str | None = None) -> bool:
    return policy.can(policy.current_user(_request(context)), action, region_code)


# Where the signed-in user's unread-notification count waits for the header: the request's
# authentication puts it in the request state (one COUNT, for pages only).
UNREAD_COUNT = "unread_notifications"


@pass_context
def unread_count(context: Any) -> int:
    """The header's badge: the signed-in user's unread notifications (0 when not counted)."""
    value = _request(context).scope.get("state", {}).get(UNREAD_COUNT, 0)
    return value if isinstance(value, int) else 0


# What else waits for the signed-in user, counted the same way for the header's badges: the
# application state holds the counter under HEADER_COUNTER (``create_app`` puts the review
# feature's there: ``(session, user) -> {name: count}``), and the request's authentication puts
# its answer in the request state under HEADER_COUNTS.
HEADER_COUNTER = "header_counter"
HEADER_COUNTS = "header_counts"


@pass_context
def waiting_count(context: Any, name: str) -> int:
    """A header badge's number: ``"review_queue"`` for reviewers, ``"returned_apps"`` for city
    staff (0 when not counted)."""
    counts = _request(context).scope.get("state", {}).get(HEADER_COUNTS) or {}
    value = counts.get(name, 0) if isinstance(counts, dict) else 0
    return value if isinstance(value, int) else 0


@pass_context
def site_done(context: Any) -> flash.Done | None:
    """A confirmation any page shows (signed in, signed out; store/lib/flash.py), once."""
    return flash.site_waiting(_request(context))


@pass_context
def url_with(context: Any, **changes: Any) -> str:
    """The current URL with some query parameters replaced (for pagination and filters)."""
    request = _request(context)
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v not in (None, "")})
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


CHINA_TIME = ZoneInfo("Asia/Shanghai")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and shown in China Standard Time, the users' clock."""
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(CHINA_TIME).strftime(fmt)


def human_size(size: int) -> str:
    """A byte count as people read it (``1.5 MiB``), in the binary units the limits use."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def build_environment(labels: Iterable[LabelGroups] = (), *, auto_reload: bool = True) -> Environment:
    """``auto_reload=False`` (production): each template is compiled once and then never checked
    against its file again; otherwise every render stats the file of each template it uses."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        auto_reload=auto_reload,
        autoescape=select_autoescape(["html", "xml"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message, **kw: i18n.gettext(message, **kw),
        lambda singular, plural, n, **kw: i18n.ngettext(singular, plural, n, **kw),
        newstyle=True,
    )
    env.filters["markdown"] = lambda text: Markup(markdown.render(text))  # noqa: S704 - sanitized by nh3
    env.filters["human_size"] = human_size
    env.filters["local_time"] = local_time
    env.filters["yuan"] = money.yuan  # amounts in 元; one format on every page (money.py)
    env.filters["wan"] = money.wan  # amounts stored in 万元 (savings)
    env.globals.update(
        label=LabelBook(*labels),
        current_user=current_user,
        can=can,
        url_with=url_with,
        unread_count=unread_count,
        verify_commands=checksums.verify_commands,
        waiting_count=waiting_count,
        site_done=site_done,
        error_summary=error_summary,
        field_anchor=field_anchor,
        LOCALES=i18n.LOCALES,
        HTML_LANG=i18n.HTML_LANG,
        current_locale=i18n.current_locale.get,
        Role=m.Role,
    )
    return env


def template_engine(labels: Iterable[LabelGroups] = (), *, auto_reload: bool = True) -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(build_environment(labels, auto_reload=auto_reload))


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"
