"""Upload benchmark: is streaming an artifact through the store nearly as fast as S3 itself?

One run starts a throw-away SeaweedFS, writes a test file of N MiB, and uploads it twice (with
``--rounds R``, 2 x R times, alternating, the best of each kind counting):

* **direct** — boto3's ``upload_file`` straight to SeaweedFS: the ceiling for this machine;
* **app** — ``POST /api/v1/apps/{slug}/versions/1.0.0/artifacts`` to the store, run as a real
  uvicorn server in a subprocess with the S3 backend, body streamed from disk.

It reports both throughputs, their ratio (target >= 0.80) and how much the server's resident
memory grew during the upload (target < 64 MiB: a 2 GiB upload must never be held in memory),
plus the CPU seconds SeaweedFS, the store and the client spent, which say where the time went.
Targets missed print FAIL but still exit 0; only errors exit non-zero.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from tests.services import SeaweedS3, free_port

MIB = 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parent.parent
BUCKET = "yue-bench"
#: the store's region for the benchmark user (深圳市)
REGION = "440300"
RATIO_TARGET = 0.80
RSS_TARGET_MIB = 64.0
#: how often the server's RSS is sampled during the upload
POLL_SECONDS = 0.05
SERVER_START_TIMEOUT = 60.0

#: a valid app for POST /api/v1/apps (the fields of tests.factories.app_payload, without pytest)
APP_PAYLOAD: dict[str, Any] = {
    "kind": "application",
    "name": "上传基准测试",
    "name_en": "Upload benchmark",
    "summary": "用于测量制品上传吞吐量的临时应用。",
    "description": "## 基准\n\n- 上传吞吐量\n- 内存占用",
    "category": "services",
    "tags": ["基准"],
    "department": "深圳市政务服务数据管理局",
    "contact_name": "李工",
    "contact_phone": "0755-12345678",
    "contact_email": "bench@example.gov.cn",
    "maturity": "mature",
    "license_type": "open_source",
    "license_spdx": "MulanPSL-2.0",
    "offering": "standard_free",
    "deployment_fee_yuan": "0",
    "deployment_modes": ["gov_cloud"],
    "tech_stack": ["Python 3.11"],
    "requirements": "无",
    "xinchuang": {"cpus": ["鲲鹏"], "os": ["统信UOS"], "databases": ["达梦"]},
    "integrations": [],
}


def say(message: str) -> None:
    """Progress on stderr, so stdout carries only the result table."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- the test file ---------------------------------------------------------------------------------
def generate_file(path: Path, size_mib: int) -> str:
    """Write ``size_mib`` MiB of incompressible, non-repeating bytes; return their SHA-256.

    Each MiB is a counter plus a slice of a random pool at a shifting offset, so no two MiB are
    alike (no dedup or compression can flatter the store) and nothing large stays in memory.
    """
    pool = os.urandom(4 * MIB)
    hasher = hashlib.sha256()
    with path.open("wb") as file:
        for i in range(size_mib):
            offset = (i * 4099) % (3 * MIB)
            block = i.to_bytes(8, "little") + pool[offset : offset + MIB - 8]
            hasher.update(block)
            file.write(block)
    return hasher.hexdigest()


def read_chunks(path: Path, chunk_size: int = MIB) -> Iterator[bytes]:
    """The file in ``chunk_size`` pieces: the request body, streamed from disk."""
    with path.open("rb") as file:
        while chunk := file.read(chunk_size):
            yield chunk


# -- the store as a real server --------------------------------------------------------------------
class StoreServer:
    """The store under uvicorn in its own process group, on SQLite and the benchmark's SeaweedFS
    (or, without ``s3``, the local file backend)."""

    def __init__(self, work_dir: Path, s3: SeaweedS3 | None, max_upload_bytes: int) -> None:
        self.work_dir = work_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = work_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        var_dir = work_dir / "var"
        var_dir.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORE_")}
        env.update(
            STORE_ENV="development",
            STORE_SECRET_KEY=secrets.token_urlsafe(32),
            STORE_VAR_DIR=str(var_dir),
            STORE_DATABASE_URL=f"sqlite+aiosqlite:///{var_dir / 'bench.db'}",
            STORE_MAX_UPLOAD_BYTES=str(max_upload_bytes),
            STORE_SEARCH_BACKEND="database",
        )
        if s3 is not None:
            env.update(
                STORE_STORAGE_BACKEND="s3",
                STORE_S3_ENDPOINT=s3.endpoint,
                STORE_S3_BUCKET=BUCKET,
                STORE_S3_ACCESS_KEY=s3.access_key,
                STORE_S3_SECRET_KEY=s3.secret_key,
                STORE_S3_REGION=s3.region,
            )
        else:
            env.update(STORE_STORAGE_BACKEND="local", STORE_STORAGE_DIR=str(var_dir / "artifacts"))
        self.env = env

    def _cli(self, *args: str, stdin: str | None = None) -> None:
        """Run the ``store`` console script with the server's environment."""
        result = subprocess.run(
            [sys.executable, "-m", "store.cli", *args],
            cwd=REPO_ROOT,
            env=self.env,
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).decode(errors="replace")
            raise RuntimeError(f"`store {' '.join(args)}` failed ({result.returncode}):\n{output}")

    def prepare(self, username: str, password: str) -> None:
        """Create the database and a city_staff user before the server starts."""
        self._cli("migrate")
        self.add_user(username, password)

    def add_user(self, username: str, password: str, role: str = "city_staff", region: str = REGION) -> None:
        region_args = ["--region", region] if role == "city_staff" else []
        self._cli(
            "users",
            "create",
            "--username",
            username,
            "--role",
            role,
            *region_args,
            "--password-stdin",
            stdin=password + "\n",
        )

    def command(self) -> list[str]:
        """uvicorn in one process, so its pid is the one whose memory we measure."""
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "store.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]

    def start(self) -> None:
        """Spawn the server (``command()``) and wait until ``/health`` answers 200."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches only us; we stop it in order
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        last: str = "no answer yet"
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"store exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                response = httpx.get(f"{self.base_url}/health", timeout=2.0, trust_env=False)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:300]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"store not healthy after {SERVER_START_TIMEOUT:.0f}s ({last}):\n{self.log_tail()}"
                )
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left. Idempotent."""
        process, self.process = self.process, None
        if process is None:
            return
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def serving(server: StoreServer, what: str) -> Iterator[str]:
    """``server`` started, its base URL; the end of its log shown when anything fails; stopped."""
    try:
        server.start()
        yield server.base_url
    except Exception:  # not on Ctrl-C: then the log is no news
        say(f"{what}'s log ends with:\n{server.log_tail()}")
        raise
    finally:
        server.stop()


def api_token(base_url: str, username: str, password: str) -> str:
    """Sign in with JSON and create an API token, as a deployment pipeline would."""
    with httpx.Client(base_url=base_url, timeout=30.0, trust_env=False) as http:
        login = http.post("/api/v1/auth/login", json={"username": username, "password": password})
        login.raise_for_status()
        created = http.post("/api/v1/tokens", json={"name": "upload benchmark"})
        created.raise_for_status()
        secret: str = created.json()["secret"]
        return secret


def create_app(base_url: str, token: str) -> str:
    """A draft app to upload into; returns its slug."""
    with httpx.Client(base_url=base_url, timeout=30.0, trust_env=False) as http:
        response = http.post("/api/v1/apps", json=APP_PAYLOAD, headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/v1/apps answered {response.status_code}: {response.text}")
        slug: str = response.json()["slug"]
        return slug


# -- memory ----------------------------------------------------------------------------------------
def proc_status_kib(pid: int, field: str) -> int | None:
    """A ``kB`` field of /proc/<pid>/status (VmRSS, VmHWM), or None if unavailable."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs); True if it worked."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class RssSampler:
    """Polls a process's VmRSS every POLL_SECONDS in a thread; keeps baseline and peak (KiB)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.baseline_kib = proc_status_kib(pid, "VmRSS") or 0
        self.peak_kib = self.baseline_kib
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="rss-sampler", daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            rss = proc_status_kib(self.pid, "VmRSS")
            if rss is not None:
                self.peak_kib = max(self.peak_kib, rss)
                self.samples += 1
            self._stop.wait(POLL_SECONDS)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        rss = proc_status_kib(self.pid, "VmRSS")  # one last look after the response
        if rss is not None:
            self.peak_kib = max(self.peak_kib, rss)

    @property
    def growth_mib(self) -> float:
        return (self.peak_kib - self.baseline_kib) / 1024


# -- CPU -------------------------------------------------------------------------------------------
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (all its threads), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class CpuMeter:
    """CPU seconds each named process spent inside a ``with`` block; "client" is this process.

    On a small machine SeaweedFS, the store and the client share the same cores, so where the
    CPU goes explains the throughput better than wall time alone.
    """

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.used: dict[str, float] = {}
        self._start: dict[str, float | None] = {}

    def _now(self) -> dict[str, float | None]:
        now: dict[str, float | None] = {name: process_cpu_seconds(pid) for name, pid in self.pids.items()}
        now["client"] = own_cpu_seconds()
        return now

    def __enter__(self) -> CpuMeter:
        self._start = self._now()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for name, end in self._now().items():
            start = self._start.get(name)
            if start is not None and end is not None:
                self.used[name] = end - start

    def describe(self) -> str:
        return "CPU s: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in self.used.items())


# -- the two uploads -------------------------------------------------------------------------------
@dataclass
class Upload:
    seconds: float
    cpu: str  # CpuMeter.describe()


@dataclass
class AppUpload(Upload):
    sha256: str
    size: int
    rss_growth_mib: float
    rss_samples: int
    hwm_growth_mib: float | None  # from VmHWM after a reset: exact peak, not sampled

    @property
    def growth_mib(self) -> float:
        """The figure held against the target: the exact VmHWM one when the kernel gives it."""
        return max(self.rss_growth_mib, self.hwm_growth_mib or 0.0)


def upload_direct(s3: SeaweedS3, path: Path, key: str) -> Upload:
    """boto3's ``upload_file`` (default TransferConfig) of ``path`` straight to SeaweedFS."""
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        region_name=s3.region,
        config=Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
        ),
    )
    weed = s3.process.pid if s3.process is not None else -1
    with CpuMeter({"weed": weed}) as cpu:
        started = time.perf_counter()
        client.upload_file(str(path), BUCKET, key, Config=TransferConfig())
        elapsed = time.perf_counter() - started
    stored = client.head_object(Bucket=BUCKET, Key=key)["ContentLength"]
    if stored != path.stat().st_size:
        raise RuntimeError(f"direct upload stored {stored} bytes, expected {path.stat().st_size}")
    return Upload(seconds=elapsed, cpu=cpu.describe())


def upload_through_app(
    server: StoreServer, s3: SeaweedS3, token: str, slug: str, path: Path, filename: str
) -> AppUpload:
    """Stream ``path`` to the artifact endpoint; time it and watch the server's memory."""
    size = path.stat().st_size
    url = f"{server.base_url}/api/v1/apps/{slug}/versions/1.0.0/artifacts"
    headers = {
        "Authorization": f"Bearer {token}",
        "content-type": "application/octet-stream",
        "content-length": str(size),  # with it httpx sends the generator as-is, not chunked
    }
    timeout = httpx.Timeout(30.0, read=600.0, write=600.0)
    weed = s3.process.pid if s3.process is not None else -1
    with httpx.Client(timeout=timeout, trust_env=False) as http:
        hwm_reset = reset_peak_rss(server.pid)
        with RssSampler(server.pid) as sampler, CpuMeter({"weed": weed, "server": server.pid}) as cpu:
            started = time.perf_counter()
            response = http.post(
                url,
                params={"filename": filename, "kind": "package"},
                headers=headers,
                content=read_chunks(path),
            )
            elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"upload answered {response.status_code}: {response.text[:1000]}")
    body = response.json()
    hwm = proc_status_kib(server.pid, "VmHWM") if hwm_reset else None
    return AppUpload(
        seconds=elapsed,
        cpu=cpu.describe(),
        sha256=body["sha256"],
        size=body["size"],
        rss_growth_mib=sampler.growth_mib,
        rss_samples=sampler.samples,
        hwm_growth_mib=(hwm - sampler.baseline_kib) / 1024 if hwm is not None else None,
    )


# -- report ----------------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def scratch_dir(stack: ExitStack, prefix: str, *, keep: bool) -> Path:
    """A fresh folder for one benchmark run, removed when ``stack`` closes unless ``keep``."""
    work_dir = Path(tempfile.mkdtemp(prefix=prefix))
    if keep:
        stack.callback(say, f"kept {work_dir}")
    else:
        stack.callback(shutil.rmtree, work_dir, ignore_errors=True)
    return work_dir


def machine_load() -> tuple[int, float]:
    """CPUs and 1-minute load average: other work on the machine skews every figure."""
    return os.cpu_count() or 1, os.getloadavg()[0]


def report(size_mib: int, direct: list[Upload], app: list[AppUpload], load: tuple[int, float]) -> str:
    """The result table (plain text, fixed width); with several rounds the best of each counts."""
    best_direct = min(direct, key=lambda u: u.seconds)
    best_app = min(app, key=lambda u: u.seconds)
    worst_rss = max(app, key=lambda u: u.growth_mib)
    direct_rate = size_mib / best_direct.seconds
    app_rate = size_mib / best_app.seconds
    ratio = app_rate / direct_rate
    growth = worst_rss.growth_mib
    hwm = f"{worst_rss.hwm_growth_mib:.1f} MiB" if worst_rss.hwm_growth_mib is not None else "n/a"
    cpus, load_1m = load
    busy = "  (busy: figures are noisy)" if load_1m > cpus / 2 else ""
    rounds = f", best of {len(app)} rounds" if len(app) > 1 else ""
    rows = [
        ("file size", f"{size_mib} MiB", "", ""),
        ("machine", f"{cpus} CPUs", f"load {load_1m:.1f} at start{busy}", ""),
        (
            "direct (boto3 upload_file)",
            f"{direct_rate:.1f} MiB/s",
            f"{best_direct.seconds:.2f} s{rounds}; {best_direct.cpu}",
            "",
        ),
        (
            "app (POST …/artifacts)",
            f"{app_rate:.1f} MiB/s",
            f"{best_app.seconds:.2f} s{rounds}; {best_app.cpu}",
            "",
        ),
        ("ratio app/direct", f"{ratio:.2f}", f"target >= {RATIO_TARGET:.2f}", verdict(ratio >= RATIO_TARGET)),
        (
            "server RSS growth (sampled)",
            f"{worst_rss.rss_growth_mib:.1f} MiB",
            f"{worst_rss.rss_samples} samples, every {POLL_SECONDS * 1000:.0f} ms",
            "",
        ),
        ("server RSS growth (VmHWM)", hwm, "peak since reset just before the upload", ""),
        (
            "server RSS growth",
            f"{growth:.1f} MiB",
            f"target < {RSS_TARGET_MIB:.0f} MiB",
            verdict(growth < RSS_TARGET_MIB),
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    rule = "-" * (sum(widths) + 6)
    lines = ["", "upload benchmark", rule]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.append(rule)
    passed = ratio >= RATIO_TARGET and growth < RSS_TARGET_MIB
    lines.append(f"overall: {verdict(passed)}")
    return "\n".join(lines)


def run(size_mib: int = 1024, keep: bool = False, rounds: int = 1) -> int:
    """Run the whole benchmark; everything started is stopped and deleted, even on Ctrl-C.

    With several rounds, direct and app uploads alternate so that load from other work on the
    machine hits both alike.
    """
    load = machine_load()
    with ExitStack() as stack:
        work_dir = scratch_dir(stack, "yue-bench-", keep=keep)

        say("starting SeaweedFS")
        s3 = stack.enter_context(SeaweedS3())
        s3.create_bucket(BUCKET)

        path = work_dir / "bench.bin"
        say(f"writing {size_mib} MiB test file to {path}")
        expected_sha = generate_file(path, size_mib)
        size = path.stat().st_size

        server = StoreServer(work_dir, s3, max_upload_bytes=max(size * 2, 2 * 1024**3))
        stack.callback(server.stop)
        username, password = "bench", secrets.token_urlsafe(18)
        say("migrating the database and creating the benchmark user")
        server.prepare(username, password)
        say(f"starting the store on {server.base_url}")
        direct: list[Upload] = []
        app: list[AppUpload] = []
        with serving(server, "the store"):
            token = api_token(server.base_url, username, password)
            slug = create_app(server.base_url, token)
            for n in range(1, rounds + 1):
                say(f"round {n}/{rounds}: direct upload with boto3 upload_file")
                direct.append(upload_direct(s3, path, f"direct/bench-{n}.bin"))
                say(f"  {size_mib / direct[-1].seconds:.1f} MiB/s; {direct[-1].cpu}")
                say(f"round {n}/{rounds}: upload through the store (app {slug}, server pid {server.pid})")
                filename = "bench.bin" if n == 1 else f"bench-{n}.bin"
                app.append(upload_through_app(server, s3, token, slug, path, filename))
                say(f"  {size_mib / app[-1].seconds:.1f} MiB/s; {app[-1].cpu}")
                if app[-1].sha256 != expected_sha or app[-1].size != size:
                    raise RuntimeError(
                        f"the store recorded sha256 {app[-1].sha256} ({app[-1].size} bytes), "
                        f"the file is {expected_sha} ({size} bytes)"
                    )
        say("the store's sha256 matches the file's")
        print(report(size_mib, direct, app, load), flush=True)
    return 0
