"""A request body that stops arriving is answered 408, so a stalled client holds nothing for long.

Neither uvicorn nor granian times a request body: a client that sends its headers, then a byte a
minute, keeps its request (and whatever the handler holds while it reads: an upload's half-sent
multipart upload, an idempotency claim) alive for ever. This wraps the ASGI ``receive`` of every
request: while the body is incomplete, each wait for the next piece may last ``seconds``; then
the read fails with ``RequestTimeout``, which the error handler answers with 408. It is an idle
timer, not a total one, so a 1 GiB upload on a slow link takes as long as it needs while bytes
keep coming. Once the body is complete ``receive`` is passed through untouched: after that it
only waits for the client to hang up (a long download listens for that), which is no stall.
"""

from __future__ import annotations

import asyncio

from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from .errors import RequestTimeout


class BodyDeadline:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False

        async def receive_within_deadline() -> ReceiveMessage:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout(self.seconds):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeout() from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await self.app(scope, receive_within_deadline, send)
