"""Availability benchmark: does ``/health`` stay fast while one user hammers the costly endpoints?

One run starts the store as a real uvicorn server (SQLite, local files), publishes an app of
深圳市, then measures ``/health`` latency from a thread of its own, first idle and then while
asyncio workers hammer the store with:

* **bad sign-ins** — unknown usernames with wrong passwords: each costs an argon2 verification;
* **foreign screenshots** — a 6300 x 6300 16-bit PNG posted to 深圳's app by a user of 广州:
  refused (403) before the image is read;
* **own screenshots** — a large valid PNG posted by 深圳's user to a draft of its own, then
  removed: each is decoded and thumbnailed for real (about a second of CPU).

Argon2 and image decoding run in the store's bounded CPU pool, so ``/health`` should only slow by
what the machine's cores can give it. The report shows p50/p95/max idle and under load, their
ratio, and what each worker got back; any 5xx is an error. A missed target prints FAIL but exits 0.
"""

from __future__ import annotations

import asyncio
import secrets
import struct
import threading
import time
import zlib
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx

from benchmarks.figures import Timings
from benchmarks.upload import APP_PAYLOAD, StoreServer, machine_load, say, scratch_dir, serving, verdict

OTHER_REGION = "440100"  # 广州市
P95_TARGET_MS = 250.0
SAMPLE_GAP_SECONDS = 0.01
WARM_UP_SECONDS = 1.0


# -- the images ------------------------------------------------------------------------------------
def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def big_png(side: int = 6300, colour: int = 2) -> bytes:
    """A ``side`` x ``side`` 16-bit PNG (RGB by default) that compresses to a few hundred KB:
    small on the wire, about 240 MB of pixels once decoded."""
    channels = 3 if colour == 2 else 1
    row = b"\x00" + b"\x12\x34\x56\x78\x9a\xbc"[: 2 * channels] * side
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 16, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def multipart(image: bytes) -> tuple[bytes, str]:
    """A ready-made multipart body, so the workers spend no CPU building it per request."""
    request = httpx.Request("POST", "http://x/", files={"image": ("screen.png", image, "image/png")})
    return request.read(), request.headers["content-type"]


# -- /health, sampled from its own thread -----------------------------------------------------------
@dataclass
class Latencies(Timings):
    """/health latencies and how many of those requests failed."""

    failures: int = 0


def sample_health(base_url: str, duration: float) -> Latencies:
    """GET /health one after another for ``duration`` seconds, on one keep-alive connection."""
    result = Latencies()
    deadline = time.monotonic() + duration
    with httpx.Client(base_url=base_url, timeout=30.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                ok = http.get("/health").status_code == 200
            except httpx.HTTPError:
                ok = False
            result.seconds.append(time.perf_counter() - started)
            result.failures += not ok
            time.sleep(SAMPLE_GAP_SECONDS)
    return result


# -- the load --------------------------------------------------------------------------------------
@dataclass
class Load:
    base_url: str
    foreign_token: str
    own_token: str
    published_slug: str
    draft_slug: str
    big_body: tuple[bytes, str]
    own_body: tuple[bytes, str]
    answers: dict[str, Counter[int]] = field(default_factory=dict)

    def count(self, worker: str, status: int) -> None:
        self.answers.setdefault(worker, Counter())[status] += 1

    async def bad_sign_ins(self, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            body = {"username": f"ghost_{secrets.token_hex(6)}", "password": "not-the-password"}
            self.count("bad sign-ins", (await http.post("/api/v1/auth/login", json=body)).status_code)

    async def foreign_screenshots(self, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        content, content_type = self.big_body
        headers = {"Authorization": f"Bearer {self.foreign_token}", "content-type": content_type}
        url = f"/api/v1/apps/{self.published_slug}/screenshots"
        while not stop.is_set():
            self.count(
                "foreign screenshots", (await http.post(url, content=content, headers=headers)).status_code
            )

    async def own_screenshots(self, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        content, content_type = self.own_body
        auth = {"Authorization": f"Bearer {self.own_token}"}
        url = f"/api/v1/apps/{self.draft_slug}/screenshots"
        while not stop.is_set():
            added = await http.post(url, content=content, headers={**auth, "content-type": content_type})
            self.count("own screenshots", added.status_code)
            if added.status_code == 201:
                await http.delete(f"/api/v1/screenshots/{added.json()['id']}", headers=auth)


async def hammer(load: Load, workers: dict[str, int], stop: asyncio.Event) -> None:
    timeout = httpx.Timeout(120.0)
    limits = httpx.Limits(max_connections=sum(workers.values()) + 2)
    async with httpx.AsyncClient(
        base_url=load.base_url, timeout=timeout, limits=limits, trust_env=False
    ) as http:
        jobs = [
            getattr(load, name)(http, stop) for name, how_many in workers.items() for _ in range(how_many)
        ]
        await asyncio.gather(*jobs)


def run_load(load: Load, workers: dict[str, int], duration: float) -> Latencies:
    """Hammer in a thread of its own while this one samples /health; stop both together."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def drive() -> None:
        try:
            loop.run_until_complete(hammer(load, workers, stop))
        except BaseException as exc:  # reported after the sampling
            failure.append(exc)

    thread = threading.Thread(target=drive, name="hammer", daemon=True)
    thread.start()
    time.sleep(WARM_UP_SECONDS)
    try:
        latencies = sample_health(load.base_url, duration)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join()
        loop.close()
    if failure:
        raise failure[0]
    return latencies


# -- setting up ------------------------------------------------------------------------------------
def token_for(http: httpx.Client, username: str, password: str) -> str:
    http.cookies.clear()
    http.post("/api/v1/auth/login", json={"username": username, "password": password}).raise_for_status()
    created = http.post("/api/v1/tokens", json={"name": "availability benchmark"})
    created.raise_for_status()
    http.cookies.clear()
    secret: str = created.json()["secret"]
    return secret


def expect(response: httpx.Response, status: int) -> httpx.Response:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} answered {response.status_code}: "
            f"{response.text[:500]}"
        )
    return response


def publish_app(http: httpx.Client, publisher: str, reviewer: str) -> str:
    """Create, upload a file, submit and approve: an app 广州 can see but not change."""
    pub = {"Authorization": f"Bearer {publisher}"}
    app = expect(
        http.post("/api/v1/apps", json={**APP_PAYLOAD, "slug": "availability-bench"}, headers=pub), 201
    )
    slug: str = app.json()["slug"]
    expect(
        http.post(
            f"/api/v1/apps/{slug}/versions/1.0.0/artifacts",
            params={"filename": "bench.zip", "kind": "package"},
            content=b"benchmark package",
            headers={**pub, "content-type": "application/octet-stream"},
        ),
        201,
    )
    expect(http.post(f"/api/v1/apps/{slug}/submit", headers=pub), 200)
    review = {"Authorization": f"Bearer {reviewer}"}
    expect(http.post(f"/api/v1/apps/{slug}/review", json={"decision": "approve"}, headers=review), 200)
    return slug


# -- report ----------------------------------------------------------------------------------------
def report(idle: Latencies, loaded: Latencies, load: Load, machine: tuple[int, float]) -> tuple[str, bool]:
    cpus, load_1m = machine
    p95_ratio = loaded.p95 / idle.p95 if idle.p95 else float("inf")
    p50_ratio = loaded.p50 / idle.p50 if idle.p50 else float("inf")
    server_errors = sum(
        n for answers in load.answers.values() for status, n in answers.items() if status >= 500
    )
    health_ok = idle.failures == 0 and loaded.failures == 0
    passed = loaded.p95 <= P95_TARGET_MS and server_errors == 0 and health_ok
    busy = "  (busy: figures are noisy)" if load_1m > cpus / 2 else ""
    rows = [
        ("machine", f"{cpus} CPUs", f"load {load_1m:.1f} at start{busy}", ""),
        ("/health idle", f"p50 {idle.p50:.1f} ms", f"p95 {idle.p95:.1f} ms, max {idle.worst:.1f} ms", ""),
        (
            "/health under load",
            f"p50 {loaded.p50:.1f} ms",
            f"p95 {loaded.p95:.1f} ms, max {loaded.worst:.1f} ms, {len(loaded.seconds)} samples",
            "",
        ),
        ("ratio under load / idle", f"p50 x{p50_ratio:.1f}", f"p95 x{p95_ratio:.1f}", ""),
        (
            "/health p95 under load",
            f"{loaded.p95:.1f} ms",
            f"target <= {P95_TARGET_MS:.0f} ms",
            verdict(loaded.p95 <= P95_TARGET_MS),
        ),
        ("/health failures", str(idle.failures + loaded.failures), "target 0", verdict(health_ok)),
    ]
    for worker, answers in sorted(load.answers.items()):
        described = ", ".join(f"{status}: {n}" for status, n in sorted(answers.items()))
        rows.append((worker, str(sum(answers.values())), described, ""))
    rows.append(("5xx answers to the load", str(server_errors), "target 0", verdict(server_errors == 0)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    rule = "-" * (sum(widths) + 6)
    lines = ["", "availability benchmark", rule]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines += [rule, f"overall: {verdict(passed)}"]
    return "\n".join(lines), passed


def run(seconds: float = 10.0, keep: bool = False) -> int:
    """Run the whole benchmark; the server and its files are removed, even on Ctrl-C."""
    machine = machine_load()
    with ExitStack() as stack:
        work_dir = scratch_dir(stack, "yue-bench-availability-", keep=keep)
        server = StoreServer(work_dir, None, max_upload_bytes=64 * 1024 * 1024)
        stack.callback(server.stop)
        passwords = {name: secrets.token_urlsafe(18) for name in ("shenzhen", "guangzhou", "reviewer")}
        say("migrating the database and creating the users")
        server.prepare("shenzhen", passwords["shenzhen"])
        server.add_user("guangzhou", passwords["guangzhou"], region=OTHER_REGION)
        server.add_user("reviewer", passwords["reviewer"], role="province_reviewer")
        say("making the images (a 6300 x 6300 16-bit RGB PNG and a grey one)")
        big_body = multipart(big_png())
        own_body = multipart(big_png(colour=0))
        say(f"foreign screenshot: {len(big_body[0]) // 1024} KiB; own: {len(own_body[0]) // 1024} KiB")
        say(f"starting the store on {server.base_url}")
        with serving(server, "the store"):
            with httpx.Client(base_url=server.base_url, timeout=60.0, trust_env=False) as http:
                tokens = {name: token_for(http, name, password) for name, password in passwords.items()}
                published = publish_app(http, tokens["shenzhen"], tokens["reviewer"])
                draft = expect(
                    http.post(
                        "/api/v1/apps",
                        json={**APP_PAYLOAD, "slug": "availability-draft"},
                        headers={"Authorization": f"Bearer {tokens['shenzhen']}"},
                    ),
                    201,
                ).json()["slug"]
            load = Load(
                base_url=server.base_url,
                foreign_token=tokens["guangzhou"],
                own_token=tokens["shenzhen"],
                published_slug=published,
                draft_slug=draft,
                big_body=big_body,
                own_body=own_body,
            )
            say(f"sampling /health idle for {seconds:.0f} s")
            idle = sample_health(server.base_url, seconds)
            workers = {"bad_sign_ins": 8, "foreign_screenshots": 8, "own_screenshots": 2}
            say(f"sampling /health for {seconds:.0f} s under load ({workers})")
            loaded = run_load(load, workers, seconds)
        text, _passed = report(idle, loaded, load, machine)
        print(text, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
