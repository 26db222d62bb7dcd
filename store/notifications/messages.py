"""What a notification says and where it leads, rendered when it is read.

A row keeps its kind and the names it mentions (``params``), not text: the inbox shows it in the
reader's language, and the e-mail in Chinese with the English below. The names are the ones the
writer put in (see the contract below); a missing one renders as empty rather than failing, so an
old row never breaks the inbox. The text is plain: templates escape it like any other value.

Params written by each kind (the writers are the adoption services and ``adoptions.alerts``):

- adoption kinds: ``app``, ``app_slug``, ``region`` (the adopter), ``publisher`` (the publishing
  region), ``comment`` (the step's comment, or "");
- ``version_yanked``: ``app``, ``app_slug``, ``region``, ``version`` (the version run), ``reason``;
- ``security_release``: ``app``, ``app_slug``, ``region``, ``version`` (run), ``fixed_in`` (new);
- ``reconfirm_due`` and ``adoption_stale``: ``app``, ``app_slug``, ``region``, ``due_on`` (ISO date);
- review decisions (``app_approved``, ``app_returned``, ``version_approved``, ``version_returned``,
  written by the catalog and review services): ``app``, ``app_slug``, ``comment``, and ``version``
  for a version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import quote

from litestar.exceptions import NoRouteMatchFoundException

from store.db import models as m
from store.lib.i18n import _, current_locale, gettext

K = m.NotificationKind

# The sentence in the inbox and in the e-mail's body.
TEXTS: dict[str, str] = {
    K.ADOPTION_REQUESTED: _("%(region)s asks to reuse %(app)s."),
    K.ADOPTION_WITHDRAWN: _("%(region)s withdrew its request to reuse %(app)s."),
    K.ADOPTION_APPROVED: _("%(publisher)s approved the request of %(region)s to reuse %(app)s."),
    K.ADOPTION_DECLINED: _("%(publisher)s declined the request of %(region)s to reuse %(app)s."),
    K.ADOPTION_LIVE: _("%(region)s has gone live with %(app)s. Please confirm or dispute it."),
    K.ADOPTION_RETIRED: _("%(region)s has retired %(app)s."),
    K.ADOPTION_CONFIRMED: _("%(publisher)s confirmed that %(region)s runs %(app)s."),
    K.ADOPTION_DISPUTED: _("%(publisher)s disputed that %(region)s runs %(app)s."),
    K.RECONFIRM_DUE: _("Please confirm that %(region)s still runs %(app)s (due on %(due_on)s)."),
    K.ADOPTION_STALE: _(
        "The adoption of %(app)s by %(region)s is marked stale: it was not re-confirmed after %(due_on)s."
    ),
    K.VERSION_YANKED: _("Version %(version)s of %(app)s, which %(region)s runs, was withdrawn: %(reason)s"),
    K.SECURITY_RELEASE: _(
        "%(app)s %(fixed_in)s fixes a security problem; %(region)s runs %(version)s. Please upgrade."
    ),
    K.APP_APPROVED: _("The provincial reviewer approved %(app)s: it is published in the catalog."),
    K.APP_RETURNED: _(
        "The provincial reviewer returned %(app)s. Make the changes asked for, then submit it again."
    ),
    K.VERSION_APPROVED: _("The provincial reviewer approved version %(version)s of %(app)s: it is public."),
    K.VERSION_RETURNED: _(
        "The provincial reviewer returned version %(version)s of %(app)s. "
        "Upload a corrected file or withdraw the version."
    ),
}
OTHER_TEXT = _("A notification about %(app)s.")

# The e-mail's subject.
TITLES: dict[str, str] = {
    K.ADOPTION_REQUESTED: _("New request to reuse %(app)s"),
    K.ADOPTION_WITHDRAWN: _("Request withdrawn: %(app)s"),
    K.ADOPTION_APPROVED: _("Request approved: %(app)s"),
    K.ADOPTION_DECLINED: _("Request declined: %(app)s"),
    K.ADOPTION_LIVE: _("Gone live, please confirm: %(app)s"),
    K.ADOPTION_RETIRED: _("Adoption retired: %(app)s"),
    K.ADOPTION_CONFIRMED: _("Adoption confirmed: %(app)s"),
    K.ADOPTION_DISPUTED: _("Adoption disputed: %(app)s"),
    K.RECONFIRM_DUE: _("Re-confirmation due: %(app)s"),
    K.ADOPTION_STALE: _("Adoption marked stale: %(app)s"),
    K.VERSION_YANKED: _("Version withdrawn: %(app)s %(version)s"),
    K.SECURITY_RELEASE: _("Security release: %(app)s %(fixed_in)s"),
    K.APP_APPROVED: _("Approved and published: %(app)s"),
    K.APP_RETURNED: _("Returned with comments: %(app)s"),
    K.VERSION_APPROVED: _("Version approved: %(app)s %(version)s"),
    K.VERSION_RETURNED: _("Version returned with comments: %(app)s %(version)s"),
}
OTHER_TITLE = _("Notification: %(app)s")

COMMENT = _("Comment: %(comment)s")
NAMES = ("app", "app_slug", "region", "publisher", "comment", "version", "reason", "fixed_in", "due_on")

Reverse = Callable[..., str]  # ``app.route_reverse``: (route name, **path params) -> path


class Notice(Protocol):
    """What rendering needs of a row (a ``Notification``, or the mail worker's claimed row)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def params(self) -> dict[str, Any]: ...
    @property
    def adoption_id(self) -> int | None: ...


def _names(params: dict[str, Any] | None) -> dict[str, str]:
    """Every name a message may mention, as text; missing ones empty."""
    given = params if isinstance(params, dict) else {}
    return {name: "" if given.get(name) is None else str(given[name]) for name in NAMES}


def text_of(kind: str, params: dict[str, Any] | None) -> str:
    """The sentence for ``kind`` in the current language, with its comment when there is one."""
    names = _names(params)
    text = gettext(TEXTS.get(kind, OTHER_TEXT), **names)
    if names["comment"].strip():
        text = f"{text} {gettext(COMMENT, comment=names['comment'].strip())}"
    return text


def title_of(kind: str, params: dict[str, Any] | None) -> str:
    """A short title for ``kind`` in the current language (the e-mail's subject)."""
    return gettext(TITLES.get(kind, OTHER_TITLE), **_names(params))


def link_of(notice: Notice, reverse: Reverse | None = None) -> str:
    """Where the notification leads: its adoption's page, else its app's page, else the inbox.

    Paths come from the route table when ``reverse`` is given (a page's path is written once, on
    its handler); the fixed paths are the same routes' paths, for a worker without the app or a
    route not registered.
    """
    if notice.adoption_id is not None:
        return _path(
            reverse, "adoption_page", f"/adoptions/{int(notice.adoption_id)}", adoption_id=notice.adoption_id
        )
    slug = _names(notice.params)["app_slug"]
    if slug:
        return _path(reverse, "app_detail", f"/apps/{quote(slug, safe='')}", slug=slug)
    return _path(reverse, "inbox", "/inbox")


def _path(reverse: Reverse | None, route: str, fallback: str, **params: Any) -> str:
    if reverse is None:
        return fallback
    try:
        return reverse(route, **params)
    except NoRouteMatchFoundException:
        return fallback


@contextmanager
def language(locale: str) -> Iterator[None]:
    """Render in ``locale`` for a while (the e-mail is written in two languages)."""
    token = current_locale.set(locale)
    try:
        yield
    finally:
        current_locale.reset(token)
