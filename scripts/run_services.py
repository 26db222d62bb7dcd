"""`make run-services`: the store on real Meilisearch and SeaweedFS, without Docker.

Starts the pinned binaries that scripts/install-services.sh installed (the same way the test
suite does, through tests/services.py: free loopback ports, a private data directory each), points
the store at them (STORE_SEARCH_BACKEND=meilisearch, STORE_STORAGE_BACKEND=s3, …), then runs
`store migrate`, `store seed-demo`, `store reindex` and `store run`. Ctrl+C stops the store, then
both services.

Everything lives in one temporary folder removed at the end — database, search index and stored
files: each run starts again from the demo catalog. (For a lasting installation on these services,
see docker-compose.yml.) The binaries are built for Linux x86_64: on Windows, run it inside WSL.

    .venv/bin/python scripts/run_services.py [--host H] [--port P] [--dry-run]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.services, when run as a script

from tests.services import Meilisearch, SeaweedS3, ServiceNotInstalledError, ServiceStartError  # noqa: E402

BUCKET = "yue-store"
STORE = [sys.executable, "-m", "store.cli"]


def store_environment(var_dir: Path, meili: Meilisearch, s3: SeaweedS3) -> dict[str, str]:
    """The STORE_* settings that point the store at the two services."""
    return {
        "STORE_VAR_DIR": str(var_dir),
        "STORE_DATABASE_URL": f"sqlite+aiosqlite:///{var_dir / 'store.db'}",
        "STORE_SEARCH_BACKEND": "meilisearch",
        "STORE_MEILISEARCH_URL": meili.url,
        "STORE_MEILISEARCH_KEY": meili.master_key,
        "STORE_STORAGE_BACKEND": "s3",
        "STORE_S3_ENDPOINT": s3.endpoint,
        "STORE_S3_BUCKET": BUCKET,
        "STORE_S3_ACCESS_KEY": s3.access_key,
        "STORE_S3_SECRET_KEY": s3.secret_key,
        "STORE_S3_REGION": s3.region,
    }


def steps(host: str, port: int) -> list[list[str]]:
    return [
        [*STORE, "migrate"],
        [*STORE, "seed-demo"],
        [*STORE, "reindex"],
        [*STORE, "run", "--host", host, "--port", str(port)],
    ]


def say(message: str) -> None:
    print(f"run-services: {message}", file=sys.stderr, flush=True)


def serve(commands: list[list[str]], env: dict[str, str]) -> int:
    """Run the preparing commands, then the server until it exits or Ctrl+C; its exit status."""
    *prepare, run = commands
    for command in prepare:
        done = subprocess.run(command, env=env, cwd=ROOT, check=False)
        if done.returncode != 0:
            say(f"`{' '.join(command[2:])}` failed with status {done.returncode}")
            return done.returncode
    server = subprocess.Popen(run, env=env, cwd=ROOT)
    try:
        return server.wait()
    except KeyboardInterrupt:
        # The terminal sent SIGINT to the server too (same process group); let it shut down.
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="run_services.py", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface the store listens on")
    parser.add_argument("--port", type=int, default=8000, help="port the store listens on")
    parser.add_argument("--dry-run", action="store_true", help="print what would run, start nothing")
    args = parser.parse_args(argv)

    if platform.system() != "Linux":
        say("the pinned Meilisearch and SeaweedFS binaries are built for Linux x86_64: use Linux or WSL")
        return 2
    commands = steps(args.host, args.port)
    if args.dry_run:
        say("would start Meilisearch and SeaweedFS (scripts/install-services.sh installs them), then run:")
        for command in commands:
            print("  store " + " ".join(command[3:]))
        print("with STORE_SEARCH_BACKEND=meilisearch, STORE_STORAGE_BACKEND=s3 and the services' addresses")
        return 0

    var_dir = Path(tempfile.mkdtemp(prefix="yue-store-services-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, var_dir, ignore_errors=True)
        try:
            say("starting Meilisearch and SeaweedFS …")
            meili = stack.enter_context(Meilisearch())
            s3 = stack.enter_context(SeaweedS3())
        except (ServiceNotInstalledError, ServiceStartError) as exc:
            say(str(exc))
            return 1
        say(f"Meilisearch {meili.url}, SeaweedFS S3 {s3.endpoint}, data in {var_dir} (removed on exit)")
        env = {**os.environ, **store_environment(var_dir, meili, s3)}
        try:
            status = serve(commands, env)
        except KeyboardInterrupt:  # while preparing
            status = 130
        say("stopping Meilisearch and SeaweedFS …")
    return status


if __name__ == "__main__":
    sys.exit(main())
