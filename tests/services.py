"""Throw-away external services for tests: SeaweedFS (S3 API) and Meilisearch.

Each service runs as its own process group on free loopback ports, with its data, config and
log in a fresh temporary directory that is deleted on stop. Use them as context managers, or
call ``start()`` / ``stop()`` from a fixture::

    with SeaweedS3() as s3:
        s3.create_bucket("uploads")
        s3.client().put_object(Bucket="uploads", Key="a.txt", Body=b"hi")

    with Meilisearch() as meili:
        httpx.get(f"{meili.url}/indexes", headers=meili.headers)

The binaries come from ``scripts/install-services.sh``, which puts them in
``$STORE_CACHE_DIR/bin`` (default ``~/.cache/yue-store/bin``).

No pytest import here; boto3 and httpx (both project dependencies) are imported lazily.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from contextlib import ExitStack, suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import httpx
    from botocore.config import Config

__all__ = [
    "Meilisearch",
    "SeaweedS3",
    "ServiceNotInstalledError",
    "ServiceStartError",
    "cache_dir",
    "free_port",
    "free_ports",
]

LOOPBACK = "127.0.0.1"
INSTALL_SCRIPT = "scripts/install-services.sh"


class ServiceNotInstalledError(FileNotFoundError):
    """The service's binary is not in the cache; run scripts/install-services.sh."""


class ServiceStartError(RuntimeError):
    """The service exited or did not become healthy in time."""


class _ExitedWhileStarting(ServiceStartError):
    pass


def cache_dir() -> Path:
    """Where scripts/install-services.sh keeps binaries (same rule as the script)."""
    return Path(os.environ.get("STORE_CACHE_DIR") or Path.home() / ".cache" / "yue-store")


def find_binary(name: str, service: str) -> Path:
    path = cache_dir() / "bin" / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ServiceNotInstalledError(
            f"{service}: no executable {path}. Install it with `{INSTALL_SCRIPT} {service}` "
            "(binaries live in $STORE_CACHE_DIR/bin, default ~/.cache/yue-store/bin)."
        )
    return path


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports that are free on the loopback interface right now."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LOOPBACK, 0))
            ports.append(sock.getsockname()[1])
        return ports


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    return free_ports(1)[0]


def _clean_env(*prefixes: str, **extra: str) -> dict[str, str]:
    """The current environment without variables the service would read as configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(extra)
    return env


class _Service:
    """A process started in its own session, logging into a private temporary directory."""

    name = "service"
    binary_name = ""
    #: seconds between SIGTERM and SIGKILL when stopping
    stop_grace = 5.0
    poll_interval = 0.2
    #: tries when the process dies while starting (a port taken between picking and binding)
    start_attempts = 3

    def __init__(self, *, startup_timeout: float = 60.0) -> None:
        self.startup_timeout = startup_timeout
        self.tmp_dir: Path | None = None
        self.log_path: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        #: seconds from spawn to the first successful health probe
        self.startup_seconds: float | None = None

    # -- to implement -----------------------------------------------------------------------
    def _command(self, binary: Path, tmp_dir: Path) -> tuple[list[str], dict[str, str]]:
        """Prepare files in ``tmp_dir``; return argv and environment."""
        raise NotImplementedError

    def _is_ready(self) -> bool:
        """One health probe; True once the service answers as expected."""
        raise NotImplementedError

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Self:
        """Start the service and wait until it is healthy; stop and raise if it is not."""
        if self.process is not None:
            raise RuntimeError(f"{self.name} is already started")
        binary = find_binary(self.binary_name, self.name)
        for attempt in range(1, self.start_attempts + 1):
            try:
                self._spawn(binary)
                self._wait_until_ready()
                return self
            except _ExitedWhileStarting:
                # most likely one of the "free" ports was taken in the meantime: new ports
                self.stop()
                if attempt == self.start_attempts:
                    raise
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def _spawn(self, binary: Path) -> None:
        self.tmp_dir = Path(tempfile.mkdtemp(prefix=f"yue-{self.name}-"))
        self.log_path = self.tmp_dir / f"{self.name}.log"
        argv, env = self._command(binary, self.tmp_dir)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=self.tmp_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        started = time.monotonic()
        deadline = started + self.startup_timeout
        last_error: BaseException | None = None
        while True:
            code = self.process.poll()
            if code is not None:
                raise _ExitedWhileStarting(
                    f"{self.name} exited with code {code} while starting; end of its log:\n{self.log_tail()}"
                )
            try:
                if self._is_ready():
                    self.startup_seconds = time.monotonic() - started
                    return
            except Exception as exc:  # not up yet: connection refused, 5xx, ...
                last_error = exc
            if time.monotonic() > deadline:
                raise ServiceStartError(
                    f"{self.name} not healthy after {self.startup_timeout:.0f}s "
                    f"(last probe error: {last_error!r}); end of its log:\n{self.log_tail()}"
                )
            time.sleep(self.poll_interval)

    def stop(self) -> None:
        """Kill the whole process group and delete the temporary directory. Idempotent."""
        process, self.process = self.process, None
        if process is not None:
            self._signal_group(process, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=self.stop_grace)
            # also reaps anything the service left behind in its group
            self._signal_group(process, signal.SIGKILL)
            process.wait()
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir = None

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)  # start_new_session: pgid == pid

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class SeaweedS3(_Service):
    """``weed server`` (master + volume + filer + S3 gateway) on free loopback ports.

    Attributes once started: ``endpoint``, ``access_key``, ``secret_key``, ``region``.
    """

    name = "seaweedfs"
    binary_name = "weed"
    # weed takes ~15 s to exit on SIGTERM (it drains gRPC streams); the data is thrown away
    stop_grace = 1.0
    region = "us-east-1"
    #: how many volumes the volume server may hold. S3 puts each bucket in its own collection,
    #: and each collection (plus one for the filer's own logs) takes one volume on first write.
    max_volumes = 200

    def __init__(
        self,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        super().__init__(startup_timeout=startup_timeout)
        self.access_key = access_key or "YUE" + secrets.token_hex(8).upper()
        self.secret_key = secret_key or secrets.token_urlsafe(30)
        self.endpoint = ""
        self.ports: dict[str, int] = {}
        self._probe_client: Any = None

    def _command(self, binary: Path, tmp_dir: Path) -> tuple[list[str], dict[str, str]]:
        data_dir = tmp_dir / "data"
        data_dir.mkdir()
        config_path = tmp_dir / "s3.json"
        config_path.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "store-tests",
                            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                },
                indent=2,
            )
        )
        # weed reads master.toml from its working directory first. By default every new
        # collection grows 7 volumes at once, which with a few buckets exhausts -volume.max.
        (tmp_dir / "master.toml").write_text("[master.volume_growth]\ncopy_1 = 1\n")

        names = ["master", "volume", "filer", "s3"]
        # every gRPC port is set explicitly: the default (HTTP port + 10000) could clash
        ports = free_ports(2 * len(names))
        self.ports = dict(zip(names, ports[: len(names)], strict=True))
        self.ports |= {f"{n}.grpc": p for n, p in zip(names, ports[len(names) :], strict=True)}
        self.endpoint = f"http://{LOOPBACK}:{self.ports['s3']}"

        argv = [
            str(binary),
            "-logtostderr",  # glog: log to our log file only, not /tmp/weed.*
            "server",
            f"-dir={data_dir}",
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            f"-master.port={self.ports['master']}",
            f"-master.port.grpc={self.ports['master.grpc']}",
            "-master.telemetry=false",
            f"-volume.port={self.ports['volume']}",
            f"-volume.port.grpc={self.ports['volume.grpc']}",
            f"-volume.max={self.max_volumes}",
            "-volume.preStopSeconds=0",
            f"-filer.port={self.ports['filer']}",
            f"-filer.port.grpc={self.ports['filer.grpc']}",
            f"-filer.localSocket={tmp_dir / 'filer.sock'}",  # default /tmp/seaweedfs-filer-<port>.sock
            "-s3",
            f"-s3.port={self.ports['s3']}",
            f"-s3.port.grpc={self.ports['s3.grpc']}",
            f"-s3.config={config_path}",
            f"-s3.localSocket={tmp_dir / 's3.sock'}",
            # extra listeners on fixed default ports (8181, 9101) that would clash across instances
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]
        # WEED_* variables override weed's config files; HOME and TMPDIR point into the temp
        # dir so ~/.seaweedfs/*.toml is not read and weed's scratch files stay in the temp dir.
        env = _clean_env("WEED_", HOME=str(tmp_dir), TMPDIR=str(tmp_dir))
        return argv, env

    # -- clients ----------------------------------------------------------------------------
    @staticmethod
    def client_config(**overrides: Any) -> Config:
        from botocore.config import Config

        options: dict[str, Any] = {
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
            "s3": {"addressing_style": "path"},
            "signature_version": "s3v4",
        }
        options.update(overrides)
        return Config(**options)

    def client_kwargs(self, **config_overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``boto3.client("s3", **kwargs)`` (or aioboto3 / the app)."""
        return {
            "endpoint_url": self.endpoint,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
            "region_name": self.region,
            "config": self.client_config(**config_overrides),
        }

    def client(self, **config_overrides: Any) -> Any:
        """A boto3 S3 client for this server."""
        import boto3

        return boto3.client("s3", **self.client_kwargs(**config_overrides))

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def _is_ready(self) -> bool:
        import httpx

        # The S3 gateway answers before the volume server has registered with the master
        # (that can take seconds more); until then the first write to a bucket stalls or fails.
        master = f"http://{LOOPBACK}:{self.ports['master']}"
        topology = httpx.get(f"{master}/dir/status", timeout=2.0, trust_env=False).json()["Topology"]
        if not topology.get("Free"):
            return False
        if self._probe_client is None:
            self._probe_client = self.client(
                connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 1}
            )
        self._probe_client.list_buckets()
        return True

    def stop(self) -> None:
        self._probe_client = None
        super().stop()
        # weed puts its gRPC unix sockets at the fixed path /tmp/seaweedfs-<name>-grpc-<port>.sock
        # (not under TMPDIR), and a killed weed leaves them behind.
        for key, port in self.ports.items():
            if key.endswith(".grpc"):
                sock = Path(f"/tmp/seaweedfs-{key.removesuffix('.grpc')}-grpc-{port}.sock")
                with suppress(OSError):
                    if stat.S_ISSOCK(sock.lstat().st_mode):
                        sock.unlink()
        self.ports = {}


class Meilisearch(_Service):
    """``meilisearch`` on a free loopback port. Attributes once started: ``url``, ``master_key``."""

    name = "meilisearch"
    binary_name = "meilisearch"

    def __init__(self, *, master_key: str | None = None, startup_timeout: float = 30.0) -> None:
        super().__init__(startup_timeout=startup_timeout)
        # hex: a key starting with "-" would be read as an option (>= 16 bytes required)
        self.master_key = master_key or secrets.token_hex(24)
        self.url = ""
        self.port = 0

    def _command(self, binary: Path, tmp_dir: Path) -> tuple[list[str], dict[str, str]]:
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        argv = [
            str(binary),
            "--db-path", str(tmp_dir / "data.ms"),
            "--dump-dir", str(tmp_dir / "dumps"),
            "--snapshot-dir", str(tmp_dir / "snapshots"),
            "--http-addr", f"{LOOPBACK}:{self.port}",
            "--master-key", self.master_key,
            "--env", "development",
            "--no-analytics",
        ]  # fmt: skip
        # MEILI_* variables (and a config.toml in the cwd, here the empty temp dir) are config
        return argv, _clean_env("MEILI_")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.master_key}"}

    def client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` with base_url and the master key set; close it (or use ``with``)."""
        import httpx

        kwargs.setdefault("timeout", 10.0)
        kwargs.setdefault("trust_env", False)  # never send loopback traffic through a proxy
        return httpx.Client(base_url=self.url, headers=self.headers, **kwargs)

    def wait_for_task(self, task_uid: int, timeout: float = 30.0) -> dict[str, Any]:
        """Poll ``GET /tasks/{uid}`` until it is succeeded, failed or canceled; return it."""
        deadline = time.monotonic() + timeout
        with self.client() as http:
            while True:
                response = http.get(f"/tasks/{task_uid}")
                response.raise_for_status()
                task: dict[str, Any] = response.json()
                if task["status"] in {"succeeded", "failed", "canceled"}:
                    return task
                if time.monotonic() > deadline:
                    raise TimeoutError(f"meilisearch task {task_uid} still {task['status']}")
                time.sleep(0.05)

    def _is_ready(self) -> bool:
        import httpx

        response = httpx.get(f"{self.url}/health", timeout=2.0, trust_env=False)
        return response.status_code == 200 and response.json().get("status") == "available"
