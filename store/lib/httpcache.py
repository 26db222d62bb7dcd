"""Whole answers to anonymous GETs, kept a few seconds in each worker, with ETags and 304s.

Why: the public catalog's pages and API answers are the same for every visitor who is not signed
in and asks in the same language, and they are most of the traffic. Building one costs a search,
a few queries and a template — milliseconds of CPU; replaying a kept copy costs microseconds.

What is kept: a 200 answer to a GET, on a route that opts in (``middleware=[anonymous_cache]``),
when nobody is signed in (no session, no API token) and the request carries no cookie but the
CSRF and language ones (a confirmation cookie, say, changes the page). The key is the scheme,
host, path with its query, the language, and whether htmx asked (a fragment). Not kept: an answer
that sets a cookie of its own, or whose body holds the request's CSRF token (pages for visitors
who are not signed in have none: they have nothing to post, see base.html) — a shared copy must
never carry one person's token. The CSRF cookie a first answer sets is not part of the copy.

How long: ``STORE_PAGE_CACHE_SECONDS`` (default 30, 0 turns it off). Every domain event
(``store/lib/events.py``: each change of an app, its versions, files and screenshots) empties
the caches of the worker that committed it, right after the commit. With Meilisearch, every
worker empties its caches again when its search worker sees the index change (a moment after
the commit, when the outbox has delivered it: search/worker.py), so a change to the public
catalog, searches included, is seen on every worker within about a second of being searchable;
the committing worker's own empty cache could otherwise keep, for the whole time, a search made
before Meilisearch had the change. With the database search, the other workers hold their copies
until they expire, so a visitor who is not signed in sees a change at most that many seconds
late. Changes that emit no event (adoptions) show within the same bound. Signed-in users are
never served a kept copy.

HTTP: every answer that may be kept carries ``ETag: W/"…"``, a hash of its body — the same on
every worker for the same answer — and ``If-None-Match`` gets 304. API answers (JSON: no cookie,
nothing personal) say ``Cache-Control: public, max-age=10``: a browser or proxy may reuse them
briefly, then asks again with the ETag. Pages say ``private, no-cache``: a browser keeps them and
revalidates; a shared proxy must not keep them (a first answer sets the CSRF cookie). Both vary on
``Accept-Language``, ``Cookie`` and ``Authorization``: the language, and whether someone signed in.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from .events import Event
from .i18n import LANG_COOKIE

ANSWER_CACHE = "answer_cache"
"""Key, in the application state, of the :class:`AnswerCache`."""

CSRF_COOKIE = "csrftoken"  # as store/lib/middleware.py names it
ALLOWED_COOKIES = frozenset({CSRF_COOKIE, LANG_COOKIE})
MAX_BYTES = 64 * 1024 * 1024  # kept per worker, bodies counted (the least recently used go first)
MAX_BODY_BYTES = 1024 * 1024  # a larger answer is not kept
API_MAX_AGE = 10  # seconds a browser or proxy may reuse an API answer without asking
VARY = b"Accept-Language, Cookie, Authorization, HX-Request"
# Headers of a kept answer that are per response, not per content.
_NOT_KEPT = frozenset(
    {b"set-cookie", b"content-length", b"date", b"server", b"etag", b"cache-control", b"vary"}
)


@dataclass(frozen=True)
class Answer:
    expires: float  # time.monotonic()
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: bytes
    cache_control: bytes


class AnswerCache:
    """The kept answers of one worker; see the module docstring."""

    def __init__(self, ttl_seconds: float, max_bytes: int = MAX_BYTES) -> None:
        self.ttl = ttl_seconds
        self.max_bytes = max_bytes
        self._answers: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def get(self, key: tuple[Any, ...]) -> Answer | None:
        answer = self._answers.get(key)
        if answer is None or answer.expires <= time.monotonic():
            if answer is not None:
                self._drop(key)
            self.misses += 1
            return None
        self._answers.move_to_end(key)
        self.hits += 1
        return answer

    def put(self, key: tuple[Any, ...], answer: Answer) -> None:
        if key in self._answers:
            self._drop(key)
        self._answers[key] = answer
        self._bytes += len(answer.body)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._answers)))

    def _drop(self, key: tuple[Any, ...]) -> None:
        self._bytes -= len(self._answers.pop(key).body)

    def clear(self) -> None:
        self._answers.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._answers)


# -- emptied by the domain events' seam ------------------------------------------------------------
_TO_CLEAR = "store.httpcache.clear"


class ClearOnCommit:
    """A domain-event subscriber (``store/lib/events.py``) that empties ``caches`` once the
    transaction that emitted the event has committed: emptied before, a request in between could
    keep the old answer again. Anything with a ``clear()`` method will do."""

    def __init__(self, caches: Iterable[Any]) -> None:
        self.caches = tuple(caches)

    def __call__(self, session: Session, event: Event) -> None:
        session.info.setdefault(_TO_CLEAR, set()).update(self.caches)

    def clear_now(self) -> None:
        """Empty the caches at once (the search index changed: search/worker.py)."""
        for cache in self.caches:
            cache.clear()


@sa_event.listens_for(Session, "after_commit")
def _clear_after_commit(session: Session) -> None:
    for cache in session.info.pop(_TO_CLEAR, ()):
        cache.clear()


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the change did not happen: nothing to empty
        session.info.pop(_TO_CLEAR, None)


# -- ETags -----------------------------------------------------------------------------------------
def etag_of(body: bytes) -> bytes:
    """A weak validator from the body itself: equal answers get equal tags on every worker."""
    return b'W/"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode("ascii") + b'"'


def matches(if_none_match: bytes | None, etag: bytes) -> bool:
    """``If-None-Match`` compared the weak way (RFC 9110 §13.1.2): ``W/`` does not count."""
    if not if_none_match:
        return False
    if if_none_match.strip() == b"*":
        return True
    wanted = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == wanted for tag in if_none_match.split(b","))


# -- the middleware --------------------------------------------------------------------------------
def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


def _cookie_names(cookie_header: bytes | None) -> set[str]:
    if not cookie_header:
        return set()
    names = set()
    for part in cookie_header.decode("latin-1").split(";"):
        name = part.split("=", 1)[0].strip()
        if name:
            names.add(name)
    return names


def anonymous(scope: Scope) -> bool:
    """Whether the request may be answered from, and its answer kept in, the shared cache."""
    if scope.get("method") != "GET" or scope.get("user") is not None or scope.get("auth") is not None:
        return False
    if _header(scope, b"authorization") is not None:
        return False
    return _cookie_names(_header(scope, b"cookie")) <= ALLOWED_COOKIES


def cache_key(scope: Scope) -> tuple[Any, ...]:
    state = scope.get("state", {})
    return (
        scope.get("scheme", "http"),
        _header(scope, b"host") or b"",
        scope.get("root_path", "") + scope["path"],
        scope.get("query_string", b""),
        state.get("locale", ""),
        _header(scope, b"hx-request") == b"true",
    )


def _cache_control(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    html = any(k.lower() == b"content-type" and v.lower().startswith(b"text/html") for k, v in headers)
    return b"private, no-cache" if html else b"public, max-age=%d" % API_MAX_AGE


def _start(
    status: int, headers: Iterable[tuple[bytes, bytes]], answer: Answer, length: int | None
) -> Message:
    sized = [] if length is None else [(b"content-length", str(length).encode("ascii"))]
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [
            *headers,
            *sized,
            (b"etag", answer.etag),
            (b"cache-control", answer.cache_control),
            (b"vary", VARY),
        ],
    }


async def _send_answer(send: Send, answer: Answer, if_none_match: bytes | None, extra: list[Any]) -> None:
    """The kept answer, or 304 when the client has it; ``extra``: headers of this response only
    (a cookie the CSRF middleware sets for a new visitor)."""
    if matches(if_none_match, answer.etag):
        await send(_start(304, extra, answer, None))
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    await send(_start(200, [*answer.headers, *extra], answer, len(answer.body)))
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


class AnonymousCache(ASGIMiddleware):
    """Route middleware: answers from the worker's :class:`AnswerCache` (in the application state
    under :data:`ANSWER_CACHE`) when it may, and keeps what it may; see the module docstring."""

    scopes = ("http",)  # type: ignore[assignment]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if not anonymous(scope):
            await next_app(scope, receive, send)
            return
        cache: AnswerCache | None = scope["litestar_app"].state.get(ANSWER_CACHE)
        if cache is not None and not cache.enabled:
            cache = None  # turned off: ETags and 304s still
        key = cache_key(scope)
        if_none_match = _header(scope, b"if-none-match")
        if cache is not None and (kept := cache.get(key)) is not None:
            await _send_answer(send, kept, if_none_match, [])
            return
        # Built now: the whole answer is held until it is complete, to send it with its ETag.
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        await next_app(scope, receive, hold)
        answer, extra = self._keepable(scope, messages, cache.ttl if cache is not None else 0)
        if answer is None:
            for message in messages:
                await send(message)
            return
        if cache is not None:
            cache.put(key, answer)
        await _send_answer(send, answer, if_none_match, extra)

    @staticmethod
    def _keepable(scope: Scope, messages: list[Message], ttl: float) -> tuple[Answer | None, list[Any]]:
        """The answer as it may be kept and shared, with the headers of this response only; None
        when it may not (then it goes out as it is, without an ETag)."""
        if not messages or messages[0]["type"] != "http.response.start" or messages[0]["status"] != 200:
            return None, []
        body = b"".join(m.get("body", b"") for m in messages[1:] if m["type"] == "http.response.body")
        if len(body) > MAX_BODY_BYTES or (messages[-1].get("more_body", False)):
            return None, []
        kept: list[tuple[bytes, bytes]] = []
        extra: list[tuple[bytes, bytes]] = []
        for name, value in messages[0].get("headers", ()):
            lower = bytes(name).lower()
            if lower == b"set-cookie":
                if not bytes(value).startswith(CSRF_COOKIE.encode() + b"="):
                    return None, []  # a cookie of the handler's own: this answer is someone's
                extra.append((name, value))
            elif lower == b"cache-control" and any(
                word in bytes(value).lower() for word in (b"no-store", b"private")
            ):
                return None, []  # the handler said it is not for sharing
            elif lower not in _NOT_KEPT:
                kept.append((name, value))
        token = ScopeState.from_scope(scope).csrf_token
        if isinstance(token, str) and token and token.encode() in body:
            return None, []  # the page holds this visitor's CSRF token
        answer = Answer(
            expires=time.monotonic() + ttl,
            headers=tuple(kept),
            body=body,
            etag=etag_of(body),
            cache_control=_cache_control(kept),
        )
        return answer, extra


anonymous_cache = AnonymousCache()
"""The instance routes list in ``middleware=[...]`` to opt in."""
