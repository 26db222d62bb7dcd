"""What every HTTP request leaves behind: its id on the answer, one log line, its metrics.

Pure ASGI around the whole application (``create_app`` wraps the app's handler with it), not a
Litestar middleware: those run only for requests a route matched, and a 404, a 405 or a static
file must be counted, logged and carry its ``X-Request-ID`` too. The error pages read the id from
the scope's state (store/lib/errors.py), where it is put before anything else runs.

It runs for every request, so it does little: one scan of the headers, a clock read at each end,
a header appended to the answer, two metric updates and one log call.
"""

from __future__ import annotations

import time
from typing import Any, cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from . import logs, metrics, requestid


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = requestid.from_headers(scope["headers"])
        scope.setdefault("state", {})[requestid.STATE_KEY] = request_id
        token = requestid.current.set(request_id)
        # Routing rewrites the path of mounted apps (static files): keep what the client asked for.
        path, method = scope["path"], cast("HTTPScope", scope)["method"]
        header = (requestid.HEADER_RAW, request_id.encode("ascii"))
        status = 500  # if the app fails before it answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        metrics.IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.IN_PROGRESS.dec()
            duration = time.perf_counter() - started
            route = scope.get("path_template") or metrics.UNMATCHED
            metrics.request_done(route, method, status, duration)
            logs.access(
                request_id=request_id,
                method=method,
                route=route,
                path=path,
                status=status,
                duration=duration,
                user_id=_user_id(scope),
                client_ip=client[0] if (client := scope.get("client")) else None,
            )
            requestid.current.reset(token)


def _user_id(scope: Scope) -> int | None:
    """The signed-in user's id, put in the scope by the request-context middleware (its id only:
    nothing else of the user reaches a log)."""
    user: Any = scope.get("user")
    user_id = getattr(user, "id", None)
    return user_id if isinstance(user_id, int) else None
