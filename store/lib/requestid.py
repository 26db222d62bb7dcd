"""The request id: one short string that ties an answer, its log line and an error page together.

A proxy or a client may send its own in ``X-Request-ID`` (so one id follows a request through
the load balancer and the store); it is kept only when it is short and plain, because it goes
into log lines and pages. Anything else — too long, a newline, spaces, non-ASCII — is replaced by
a fresh id rather than cleaned, so a hostile value never reaches a log. The id of the request
being served is also in a context variable, for log lines written deep inside a handler.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

HEADER = "X-Request-ID"
HEADER_RAW = b"x-request-id"  # as ASGI spells header names
MAX_CHARS = 64
#: Where ``create_app``'s middleware keeps the id in the ASGI scope's state.
STATE_KEY = "request_id"

_SANE = re.compile(rb"[A-Za-z0-9._-]{1,%d}" % MAX_CHARS)

current: ContextVar[str | None] = ContextVar("request_id", default=None)


def new() -> str:
    return uuid.uuid4().hex


def from_headers(headers: list[tuple[bytes, bytes]] | Any) -> str:
    """The client's ``X-Request-ID`` when it is sane, else a new id."""
    for name, value in headers:
        if name == HEADER_RAW:
            if _SANE.fullmatch(value):
                return value.decode("ascii")
            break
    return new()


def of_scope(scope: Any) -> str | None:
    """The id of the request ``scope`` belongs to (set by the middleware), if any."""
    state = scope.get("state") if hasattr(scope, "get") else None
    return state.get(STATE_KEY) if isinstance(state, dict) else None
