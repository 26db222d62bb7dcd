"""The one-request HTTP/1.1 transport for searches, against a tiny local server that answers with
bytes written by hand: how answers are framed, what is sent, and which failures are outages."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
from meilisearch_python_sdk.errors import MeilisearchApiError

from search.errors import SearchUnavailable
from search.meili._client import MeiliClient, is_not_found, unavailable_on_outage
from search.meili._http import OneShotHttp

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class TinyServer:
    """Answers every connection with ``reply``; keeps the raw requests it read."""

    reply: Reply
    ssl: ssl.SSLContext | None = None
    requests: list[bytes] = field(default_factory=list)
    url: str = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lengths = [line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
            length = int(lengths[0].split(b":")[1]) if lengths else 0
            self.requests.append(head + await reader.readexactly(length))
            await self.reply(reader, writer)
        finally:
            writer.close()


Serve = Callable[..., Awaitable[TinyServer]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[asyncio.Server] = []

    async def start(reply: Reply, *, tls: ssl.SSLContext | None = None, prefix: str = "") -> TinyServer:
        tiny = TinyServer(reply, tls)
        server = await asyncio.start_server(tiny._handle, "127.0.0.1", 0, ssl=tls)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        tiny.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}{prefix}"
        return tiny

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def answer(raw: bytes) -> Reply:
    async def reply(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(raw)
        await writer.drain()

    return reply


def json_answer(status: int, body: object, reason: str = "X") -> Reply:
    content = json.dumps(body).encode()
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(content)}\r\n\r\n"
    return answer(head.encode() + content)


async def test_a_post_sends_the_body_and_reads_a_sized_answer(serve: Serve) -> None:
    server = await serve(json_answer(200, {"hits": [{"name": "社保卡"}]}), prefix="/meili")
    http = OneShotHttp(server.url, {"Authorization": "Bearer k"})

    response = await http.request("POST", "indexes/a/search", b'{"q":"x"}', timeout=2)

    assert (response.status, json.loads(response.content)) == (200, {"hits": [{"name": "社保卡"}]})
    assert response.headers["content-type"] == "application/json"
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /meili/indexes/a/search HTTP/1.1"
    host = server.url.split("//")[1].split("/")[0]
    sent = {f"Host: {host}", "Authorization: Bearer k", "Connection: close", "Content-Length: 9"}
    assert sent <= set(lines)
    assert body == b'{"q":"x"}'


async def test_a_get_sends_no_body(serve: Serve) -> None:
    server = await serve(json_answer(200, {"status": "available"}))
    response = await OneShotHttp(server.url, {}).request("GET", "/health", timeout=2)
    assert json.loads(response.content) == {"status": "available"}
    assert server.requests[0].startswith(b"GET /health HTTP/1.1\r\n")
    assert b"content-length" not in server.requests[0].lower()


@pytest.mark.parametrize(
    ("raw", "content"),
    [
        # chunked, with a chunk extension and a trailer
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b'4;ext=1\r\n{"a"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n',
            b'{"a":1}',
        ),
        # neither length nor chunks: the body ends with the connection
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[1,2]", b"[1,2]"),
        # an interim 100 Continue first
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", b"{}"),
        (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
    ],
)
async def test_answers_are_read_however_they_are_framed(serve: Serve, raw: bytes, content: bytes) -> None:
    server = await serve(answer(raw))
    response = await OneShotHttp(server.url, {}).request("GET", "x", timeout=2)
    assert response.content == content


async def never_answers(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
    await reader.read()  # until the client gives up and closes


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (never_answers, httpx2.ReadTimeout),
        (answer(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"cut'), httpx2.RemoteProtocolError),
        (answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), httpx2.RemoteProtocolError),
        (answer(b"SSH-2.0-OpenSSH\r\n\r\n"), httpx2.RemoteProtocolError),
        (answer(b""), httpx2.RemoteProtocolError),
    ],
)
async def test_no_answer_or_a_broken_one_is_an_outage(
    serve: Serve, reply: Reply, error: type[Exception]
) -> None:
    server = await serve(reply)
    with pytest.raises(error) as raised:
        await OneShotHttp(server.url, {}).request("POST", "multi-search", b"{}", timeout=0.3)
    with pytest.raises(SearchUnavailable), unavailable_on_outage("search"):
        raise raised.value


async def test_a_refused_connection_is_an_outage() -> None:
    nobody = OneShotHttp("http://127.0.0.1:1", {})  # port 1: nothing listens there
    with pytest.raises(httpx2.ConnectError) as raised:
        await nobody.request("GET", "health", timeout=2)
    with pytest.raises(SearchUnavailable, match="ConnectError"), unavailable_on_outage("health"):
        raise raised.value


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match="not an http"):
        OneShotHttp("unix:///run/meili.sock", {})


# --- TLS ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


async def test_https_talks_tls_to_a_trusted_server(serve: Serve, certificate: tuple[Path, Path]) -> None:
    server = await serve(json_answer(200, {"ok": True}), tls=server_context(certificate))
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    response = await OneShotHttp(server.url, {}, ssl_context=trusting).request("GET", "health", timeout=2)
    assert json.loads(response.content) == {"ok": True}
    assert server.requests[0].startswith(b"GET /health HTTP/1.1\r\n")


async def test_an_untrusted_certificate_is_refused_as_an_outage(
    serve: Serve, certificate: tuple[Path, Path]
) -> None:
    server = await serve(json_answer(200, {"ok": True}), tls=server_context(certificate))
    with pytest.raises(SearchUnavailable, match="CERTIFICATE_VERIFY_FAILED"), unavailable_on_outage("health"):
        await OneShotHttp(server.url, {}).request("GET", "health", timeout=2)
    assert server.requests == []


# --- error answers, as MeiliClient reads them -------------------------------------------------------


async def test_error_answers_are_raised_as_the_sdk_raises_them(serve: Serve) -> None:
    missing = await serve(json_answer(400, {"message": "no index", "code": "index_not_found", "type": "t"}))
    invalid = await serve(json_answer(400, {"message": "bad", "code": "invalid_search_filter", "type": "t"}))
    overloaded = await serve(json_answer(503, {"message": "busy", "code": "x", "type": "system"}))
    gateway = await serve(answer(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<html>"))

    async def post(server: TinyServer) -> object:
        client = MeiliClient(server.url, "key")
        try:
            return await client.post_json("multi-search", {"queries": []}, timeout=2)
        finally:
            await client.aclose()

    with pytest.raises(MeilisearchApiError) as raised:
        await post(missing)
    assert is_not_found(raised.value)
    with pytest.raises(MeilisearchApiError) as raised, unavailable_on_outage("search"):
        await post(invalid)  # our bug: stays what it is
    assert (raised.value.status_code, raised.value.code) == (400, "invalid_search_filter")
    for server in (overloaded, gateway):
        with pytest.raises(SearchUnavailable), unavailable_on_outage("search"):
            await post(server)
    # the client sends the key and compact JSON
    assert b"Authorization: Bearer key\r\n" in gateway.requests[0]
    assert gateway.requests[0].endswith(b'{"queries":[]}')
