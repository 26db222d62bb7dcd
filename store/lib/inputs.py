"""Limits every request input passes before a handler sees it, in one place.

- JSON bodies may nest at most :data:`MAX_JSON_DEPTH` levels (deeper nesting made the decoder
  recurse until it failed with a 500), checked on the raw bytes before decoding.
- No text anywhere — JSON strings and keys, form fields, query parameters, path segments — may
  contain NUL: PostgreSQL cannot store it, file systems cut names at it, and no person types it.
  The answer is a 422 that names the field.
- Integer path parameters are database ids: one outside 1 … 2**31-1 names no row, so it is a 404
  (it used to overflow the database driver and answer 500).

:class:`StoreRequest` checks bodies when they are parsed; :func:`check_parameters` is an app-wide
guard, so it runs before the handler parses anything.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import FormMultiDict
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Empty

from .errors import BadRequest, NotFound, ValidationFailed, field_error
from .i18n import _

MAX_JSON_DEPTH = 32
MAX_BODY_BYTES = 2 * 1024 * 1024  # app-wide; the app form with every text field full is < 1 MiB
MAX_ID = 2**31 - 1  # ids are INTEGER columns; a larger number would overflow PostgreSQL's int4

NUL = "\x00"
NUL_MESSAGE = _("The text contains a NUL character (\\0), which is not allowed.")

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON in ``body`` nests deeper than ``limit`` arrays/objects.

    Linear and in C for the usual body: strings are cut out (they may hold brackets), then every
    byte but brackets; each pass removes the innermost ``[]``/``{}`` pairs, so after ``limit``
    passes only a deeper document has brackets left. A malformed body is left to the decoder.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    too_long_run = b"[" * (limit + 1)
    for _pass in range(limit):
        if not brackets:
            return False
        if too_long_run in brackets.replace(b"{", b"["):
            return True
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return bool(brackets)


def find_nul(value: Any, path: str = "") -> str | None:
    """The path (``tags[3]``, ``xinchuang.os[0]``) of the first text holding NUL, or None."""
    if isinstance(value, str):
        return path or "body" if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            child = f"{path}.{name}" if path else name
            if NUL in name:
                return child.replace(NUL, "\\0")
            if found := find_nul(item, child):
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if found := find_nul(item, f"{path}[{index}]"):
                return found
    return None


def refuse_nul(field: str) -> ValidationFailed:
    return ValidationFailed(details=[field_error(field.replace(NUL, "\\0"), NUL_MESSAGE)])


def check_json_body(body: bytes) -> None:
    """Refuse a JSON body nested too deep (400) or holding NUL in any string (422)."""
    if json_too_deep(body):
        raise BadRequest(_("JSON may be nested at most %(max)s levels deep."), max=MAX_JSON_DEPTH)
    if not _ESCAPED_NUL.search(body):
        return
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return  # malformed: the decoder reports it in the usual way
    if (field := find_nul(decoded)) is not None:
        raise refuse_nul(field)


def check_form(form: FormMultiDict) -> None:
    for key, value in form.multi_items():
        if NUL in key or (isinstance(value, str) and NUL in value):
            raise refuse_nul(key)


class StoreRequest(Request[Any, Any, Any]):
    """Litestar's request, with the body checks above applied wherever a body is parsed."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:  # not parsed yet
            check_json_body(await self.body())
        return await super().json()

    async def form(self) -> FormMultiDict:
        form = await super().form()
        check_form(form)
        return form


def check_parameters(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """App-wide guard: ids in range, and no NUL in a path or query parameter."""
    for name, value in connection.path_params.items():
        if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= MAX_ID:
            raise NotFound()
        if isinstance(value, str) and NUL in value:
            raise refuse_nul(name)
    for name, value in connection.query_params.multi_items():
        if NUL in name or NUL in value:
            raise refuse_nul(name)
