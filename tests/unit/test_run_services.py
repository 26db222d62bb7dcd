"""`make run-services` (scripts/run_services.py) without starting anything: what it would run and
the settings it gives the store. (It was run by hand against the real services.)"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from store.settings import ENV_VARS
from tests.services import Meilisearch, SeaweedS3

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "run_services.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_services", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dry_run_lists_the_store_commands_in_order() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--dry-run", "--port", "8123"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    commands = [line.strip() for line in done.stdout.splitlines() if line.startswith("  store ")]
    assert commands == [
        "store migrate",
        "store seed-demo",
        "store reindex",
        "store run --host 127.0.0.1 --port 8123",
    ]


def test_the_store_is_pointed_at_both_services_with_known_settings(tmp_path: Path) -> None:
    meili, s3 = Meilisearch(master_key="m" * 32), SeaweedS3(access_key="AK", secret_key="SK")
    meili.url, s3.endpoint = "http://127.0.0.1:7777", "http://127.0.0.1:8333"
    env = _script().store_environment(tmp_path, meili, s3)
    assert set(env) <= set(ENV_VARS)
    assert env["STORE_SEARCH_BACKEND"] == "meilisearch"
    assert (env["STORE_MEILISEARCH_URL"], env["STORE_MEILISEARCH_KEY"]) == (meili.url, "m" * 32)
    assert env["STORE_STORAGE_BACKEND"] == "s3"
    assert (env["STORE_S3_ENDPOINT"], env["STORE_S3_ACCESS_KEY"], env["STORE_S3_SECRET_KEY"]) == (
        s3.endpoint,
        "AK",
        "SK",
    )
    # Its own database in the throw-away folder, never the one `make run` uses.
    assert env["STORE_DATABASE_URL"] == f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"


def test_make_run_services_installs_the_binaries_then_runs_the_script() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\nrun-services:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/install-services.sh seaweedfs meilisearch" in target
    assert "scripts/run_services.py" in target
