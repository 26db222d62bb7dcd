"""One HTTP/1.1 request on a connection of its own, for the requests a person waits for.

Searches and the small reads beside them (a document, health, stats) go through this instead of
the SDK's httpx2 client. Both open a fresh connection per request (``_client.MeiliClient`` says why
keep-alive is off), but httpx2's client, pool and ``anyio`` streams cost ~2 ms a request on
top of that (measured on loopback: federated search p50 9.6 ms through httpx2, 7.5 ms here).
Index maintenance stays on the SDK: there a few milliseconds do not matter.

Failures are raised as httpx2's transport errors (``ConnectError``, ``ReadTimeout``,
``RemoteProtocolError``…), so ``unavailable_on_outage`` treats them as it treats the SDK's.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2

# A status line and headers longer than this are not Meilisearch talking.
MAX_HEAD_BYTES = 64 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: dict[str, str]  # names in lower case
    content: bytes

    def as_httpx(self, request: httpx2.Request) -> httpx2.Response:
        """The same answer as an httpx2 response (to raise errors the way the SDK does)."""
        return httpx2.Response(self.status, headers=self.headers, content=self.content, request=request)


class OneShotHttp:
    """``request`` sends one request with ``Connection: close`` and reads the whole answer.

    ``base_url`` is ``http://`` or ``https://`` host, port and an optional path prefix (a
    Meilisearch behind a reverse proxy); TLS trusts what httpx2 trusts unless given
    ``ssl_context``.
    """

    def __init__(
        self, base_url: str, headers: dict[str, str], *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.ssl: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self.ssl = ssl_context or httpx2.create_ssl_context(trust_env=False)
        host = parts.netloc.rpartition("@")[2]  # never send credentials of the URL as Host
        lines = [f"Host: {host}", "Accept: application/json", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._headers = "".join(f"{line}\r\n" for line in lines)

    def request_for(self, method: str, path: str) -> httpx2.Request:
        """An httpx2 request describing ours, for error messages and errors."""
        return httpx2.Request(method, f"{self.base_url}/{path.lstrip('/')}")

    async def request(
        self, method: str, path: str, body: bytes | None = None, *, timeout: float
    ) -> RawResponse:
        """Send ``method`` ``path`` (relative to the base URL) with a JSON ``body``; the answer
        must be complete within ``timeout`` seconds, connection included."""
        connected = False
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self.ssl, limit=MAX_HEAD_BYTES
                )
                connected = True
                writer.write(self._head(method, path, body) + (body or b""))
                await writer.drain()
                return await _read_response(reader)
        except TimeoutError as exc:
            error: type[httpx2.TransportError] = httpx2.ReadTimeout if connected else httpx2.ConnectTimeout
            raise error(f"no answer within {timeout} s", request=self.request_for(method, path)) from exc
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            raise httpx2.RemoteProtocolError(
                f"malformed or incomplete answer: {exc!r}", request=self.request_for(method, path)
            ) from exc
        except OSError as exc:  # refused, reset, unreachable, TLS failures (ssl.SSLError)
            error = httpx2.ReadError if connected else httpx2.ConnectError
            raise error(repr(exc), request=self.request_for(method, path)) from exc
        finally:
            if writer is not None:
                writer.close()  # the server closes too (Connection: close); nothing to wait for

    def _head(self, method: str, path: str, body: bytes | None) -> bytes:
        target = f"{self.prefix}/{path.lstrip('/')}"
        head = f"{method} {target} HTTP/1.1\r\n{self._headers}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return (head + "\r\n").encode()


async def _read_response(reader: asyncio.StreamReader) -> RawResponse:
    status, headers = await _read_head(reader)
    while 100 <= status < 200:  # an interim answer (100 Continue) precedes the real one
        status, headers = await _read_head(reader)
    if status in _NO_BODY_STATUSES:
        return RawResponse(status, headers, b"")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        content = await _read_chunked(reader)
    elif (length := headers.get("content-length")) is not None:
        content = await reader.readexactly(int(length))
    else:
        content = await reader.read()  # delimited by the end of the connection
    return RawResponse(status, headers, content)


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """The status code and the headers (names lower-cased) of an answer."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    status_line, *lines = head[:-4].split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not an HTTP/1 status line: {status_line[:80]!r}")
    status = int(rest[:3])
    headers = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"not a header line: {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return status, headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)  # chunk extensions are ignored
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the empty line
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
