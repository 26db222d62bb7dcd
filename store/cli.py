"""The ``store`` console script for operators. Each command owns its transaction."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.settings import SearchSettings, load_settings

if TYPE_CHECKING:
    from search.index_db import Drift
    from search.meili import MeiliEngine
    from search.reindex import CheckReport
    from store.settings import Settings

T = TypeVar("T")


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one database transaction: commit on success, roll back on error."""
    from store.app import event_subscribers
    from store.db.engine import create_engine, session_maker
    from store.lib import events
    from store.rules import install as install_rules

    settings = load_settings()
    install_rules()  # the services this work calls check permissions

    async def _main() -> T:
        engine = create_engine(settings.db)
        try:
            # The same subscribers as the web app: a demo seed is followed like any other change.
            subscribers = events.session_info(event_subscribers(settings))
            async with session_maker(engine, info=subscribers)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(_main())


def _fail(exc: Exception) -> None:
    from store.lib.errors import AppError

    if isinstance(exc, AppError):
        detail = "; ".join(
            f"{d.get('field')}: {d.get('message')}" for d in exc.details or [] if isinstance(d, dict)
        )
        raise click.ClickException(exc.translated() + (f" ({detail})" if detail else ""))
    raise exc


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def main() -> None:
    """粤复用 store: serve, migrate, manage users and the search indexes."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default STORE_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default STORE_PORT or 8000).")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes (default STORE_WORKERS, else 1; in production one per CPU, at most 8).",
)
@click.option(
    "--server",
    "server_name",
    default=None,
    type=click.Choice(["uvicorn", "granian"]),
    help="HTTP server (default STORE_SERVER or granian).",
)
@click.option("--reload", is_flag=True, help="Restart on code changes (development; always uvicorn).")
def run(
    host: str | None, port: int | None, workers: int | None, server_name: str | None, reload: bool
) -> None:
    """Serve the store (each process also sweeps stale adoptions shortly after start-up, then daily).

    SIGTERM stops it gracefully: requests and uploads in flight get STORE_SHUTDOWN_GRACE_SECONDS
    to finish. Settings and defaults: README, "Running in production".
    """
    from store import serving

    settings = load_settings()
    settings.check()
    settings.app.var_dir.mkdir(parents=True, exist_ok=True)
    workers = serving.workers_for(settings, workers)
    if warning := serving.connection_budget_warning(settings, workers):
        click.echo(warning, err=True)
    # Before any worker imports prometheus_client: every worker's metrics in one folder.
    from store.lib import logs, metricsdir

    metricsdir.prepare(settings.monitoring.metrics_dir)
    serving.serve(
        settings,
        host=host or settings.app.host,
        port=port or settings.app.port,
        workers=workers,
        server=server_name or settings.server.server,
        reload=reload,
        # Text or JSON lines (STORE_LOG_FORMAT); the store logs each request itself.
        log_config=logs.logging_config(settings.monitoring.log_format),
    )


@main.command()
def migrate() -> None:
    """Apply database migrations up to the newest."""
    from store.db.migrate import upgrade

    settings = load_settings()
    if settings.db.is_sqlite:
        settings.app.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db.url)
    click.echo("database is up to date")
    indexed = run_in_session(_index_if_empty)
    if indexed:
        click.echo(f"search index filled with {indexed} apps")


async def _index_if_empty(session: AsyncSession) -> int:
    """A database that had apps before the search index existed (migration 0005) gets its index
    here, so search finds them without a separate ``store reindex``; later changes keep it."""
    from sqlalchemy import exists, func, select

    from search.documents import INDEXED_STATUSES
    from search.index_db import rebuild
    from store.db import models as m

    if await session.scalar(select(func.count()).select_from(m.SearchDocument)):
        return 0
    if not await session.scalar(select(exists().where(m.App.status.in_(INDEXED_STATUSES)))):
        return 0
    return await rebuild(session)


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--username", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["province_admin", "province_reviewer", "city_staff"])
)
@click.option("--region", default=None, help="Region code (required for city_staff), e.g. 440300.")
@click.option("--display-name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(
    username: str, role: str, region: str | None, display_name: str, password_stdin: bool
) -> None:
    """Create a user."""
    from store.accounts.services import UserService

    password = _read_password(password_stdin)

    async def work(session: AsyncSession) -> Any:
        return await UserService(session).create(
            username=username, role=role, password=password, region_code=region, display_name=display_name
        )

    try:
        user = run_in_session(work)
    except Exception as exc:
        _fail(exc)
        return
    click.echo(f"created {user.username} ({user.role}, region {user.region_code})")


@users.command("set-password")
@click.option("--username", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_set_password(username: str, password_stdin: bool) -> None:
    """Set a user's password (also unlocks the account, ends its sessions and revokes its API tokens)."""
    from store.accounts.services import UserService
    from store.lib.errors import NotFound

    password = _read_password(password_stdin)

    async def work(session: AsyncSession) -> None:
        service = UserService(session)
        user = await service.find_by_username(username)
        if user is None:
            raise NotFound("No user with this username.")
        await service.set_password(user, password)

    try:
        run_in_session(work)
    except Exception as exc:
        _fail(exc)
        return
    click.echo(f"password set for {username}")


@main.command("seed-demo")
def seed_demo() -> None:
    """Create demo users (one per role) if missing; new passwords are printed once."""
    from store.demo import seed

    created = run_in_session(seed)
    if not created:
        click.echo(
            "demo users already exist (their passwords were shown on the first run); demo catalog is in place"
        )
        return
    click.echo("demo users created — write these passwords down, they are shown only once:")
    for username, role, region, password in created:
        click.echo(f"  {username:<12} {role:<18} {region}  password: {password}")


@main.group()
def adoptions() -> None:
    """Adoptions: the yearly re-confirmation."""


@adoptions.command("sweep")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Sweep as if today were this day (YYYY-MM-DD; default: today).",
)
def adoptions_sweep(today: datetime | None) -> None:
    """Mark stale every live adoption not re-confirmed within 30 days of its yearly date.

    `store run` does this in the background shortly after start-up and then daily; run this to
    sweep now (from cron, say). Prints the numbers of the adoptions marked.
    """
    from store.adoptions.services import AdoptionService

    day = today.date() if today else None

    async def work(session: AsyncSession) -> list[int]:
        return await AdoptionService(session, today=(lambda: day) if day else None).sweep()

    try:
        marked = run_in_session(work)
    except Exception as exc:
        _fail(exc)
        return
    for adoption_id in marked:
        click.echo(f"adoption {adoption_id} marked stale")
    click.echo(f"{len(marked)} adoption{'' if len(marked) == 1 else 's'} marked stale")


def _meili_engine(settings: SearchSettings) -> MeiliEngine:
    from search.meili import MeiliEngine

    return MeiliEngine(settings.meilisearch_url, settings.meilisearch_key, settings.index_prefix)


def _with_search(
    work: Callable[[async_sessionmaker[AsyncSession], MeiliEngine | None], Awaitable[T]],
    *,
    meili_factory: Callable[[SearchSettings], MeiliEngine] | None = None,
) -> T:
    """Run ``work`` with a session maker (sessions that emit no events: search work changes no
    app) and the Meilisearch engine when it is configured; both are closed afterwards."""
    from store.db.engine import create_engine, session_maker

    settings = load_settings()
    settings.check()

    async def _main() -> T:
        engine = create_engine(settings.db)
        meili = None
        if settings.search.backend == "meilisearch":
            meili = (meili_factory or _meili_engine)(settings.search)
        try:
            return await work(session_maker(engine), meili)
        finally:
            if meili is not None:
                await meili.close()
            await engine.dispose()

    return asyncio.run(_main())


@main.command()
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 1000), help="Rows per round.")
@click.option(
    "--heartbeat",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="A file touched every round, for a liveness check (docker-compose.yml uses it).",
)
def worker(batch: int, heartbeat: str | None) -> None:
    """Drain the search outbox to Meilisearch until stopped (SIGTERM or Ctrl+C).

    `store run` already runs one in each server process; run this to drain from a process of its
    own. Any number may run at once.
    """
    import logging
    import logging.config
    import signal

    from search.worker import run_worker, worker_engine

    settings = load_settings()
    if settings.search.backend != "meilisearch":
        raise click.ClickException(
            "STORE_SEARCH_BACKEND is not meilisearch: the database index is kept current by every "
            "change itself, there is no outbox to drain"
        )
    from store.lib.logs import logging_config

    logging.config.dictConfig(logging_config(settings.monitoring.log_format))  # as `store run` logs

    async def work(sessions: async_sessionmaker[AsyncSession], meili: MeiliEngine | None) -> None:
        assert meili is not None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(sessions, meili, stop, batch=batch, heartbeat=touch if heartbeat else None)

    def touch() -> None:
        assert heartbeat is not None
        try:
            Path(heartbeat).touch()
        except OSError as exc:  # a liveness file must not stop the draining
            logging.getLogger("search.worker").warning("heartbeat file %s: %s", heartbeat, exc)

    _with_search(work, meili_factory=worker_engine)


def _drift_lines(name: str, drift: Drift) -> list[str]:
    def ids(values: list[int]) -> str:
        shown = ", ".join(str(v) for v in values[:20])
        return shown + (f" … ({len(values)} in all)" if len(values) > 20 else "")

    if drift.clean:
        return [f"{name}: in step"]
    lines = [f"{name}: DRIFT"]
    for label, values in (
        ("missing (public apps not indexed)", drift.missing),
        ("stale (indexed before the app's last change)", drift.stale),
        ("extra (indexed but not public)", drift.extra),
    ):
        if values:
            lines.append(f"  {label}: {ids(values)}")
    return lines


def _echo_search_drift(report: CheckReport) -> None:
    """Each search index against what it is built from (reindex --check, restore, check)."""
    for line in _drift_lines("database index (against the apps table)", report.database):
        click.echo(line)
    if report.meilisearch is not None:
        for line in _drift_lines("Meilisearch (against the database index)", report.meilisearch):
            click.echo(line)


@main.command()
@click.option(
    "--check", "check_only", is_flag=True, help="Compare the indexes with the database; change nothing."
)
def reindex(check_only: bool) -> None:
    """Rebuild the search indexes from the database (or, with --check, report drift).

    The database index is rewritten in one transaction. With Meilisearch, a new index is filled
    and swapped in at once: searches never see an empty or half-built index. `--check` exits with
    1 when an index has drifted from the database, 0 when all are in step.
    """
    import time

    from search import reindex as search_reindex
    from search.errors import SearchUnavailable

    if check_only:

        async def compare(
            sessions: async_sessionmaker[AsyncSession], meili: MeiliEngine | None
        ) -> search_reindex.CheckReport:
            return await search_reindex.check(sessions, meili)

        try:
            report = _with_search(compare)
        except SearchUnavailable as exc:
            raise click.ClickException(f"Meilisearch cannot be reached: {exc}") from exc
        _echo_search_drift(report)
        if report.meilisearch is not None and report.in_flight:
            click.echo(f"  {len(report.in_flight)} apps have changes waiting in the outbox (not drift)")
        sys.exit(0 if report.clean else 1)

    async def rebuild(sessions: async_sessionmaker[AsyncSession], meili: MeiliEngine | None) -> Any:
        with click.progressbar(length=0, label="database index", file=sys.stderr) as bar:

            def database_progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            documents = await search_reindex.rebuild_database(sessions, database_progress)
        sent = None
        if meili is not None:
            with click.progressbar(length=documents, label="Meilisearch", file=sys.stderr) as bar:
                sent = await search_reindex.rebuild_meilisearch(sessions, meili, bar.update)
        return documents, sent

    started = time.perf_counter()
    try:
        documents, sent = _with_search(rebuild)
    except SearchUnavailable as exc:
        raise click.ClickException(
            f"Meilisearch cannot be reached: {exc} (the database index was rebuilt; the live "
            "Meilisearch index is unchanged)"
        ) from exc
    seconds = time.perf_counter() - started
    click.echo(f"database index: {documents} apps")
    if sent is not None:
        click.echo(f"Meilisearch: {sent} documents indexed into a new index, swapped in")
    click.echo(f"done in {seconds:.1f} s")


# --- backups and integrity (store/ops) ------------------------------------------------------


def _run_ops(job: Callable[[Settings, MeiliEngine | None], Awaitable[T]], *, with_meili: bool = False) -> T:
    """Run an operator job with the settings (and Meilisearch when configured and wanted); its
    refusals and an unusable object store become one clean error line."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.lib.storage import StorageError
    from store.ops.errors import OpsError

    settings = load_settings()
    settings.check()

    async def _main() -> T:
        meili = None
        if with_meili and settings.search.backend == "meilisearch":
            meili = _meili_engine(settings.search)
        try:
            return await job(settings, meili)
        finally:
            if meili is not None:
                await meili.close()

    try:
        return asyncio.run(_main())
    except OpsError as exc:
        raise click.ClickException(str(exc)) from exc
    except StorageError as exc:
        raise click.ClickException(f"the object store cannot be used: {exc}") from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database cannot be used: {exc}") from exc
    except OSError as exc:  # the backup folder: no room, no permission
        raise click.ClickException(str(exc)) from exc


_JOBS = click.option(
    "--jobs", default=4, show_default=True, type=click.IntRange(1, 32), help="Objects read at the same time."
)


@main.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-files", is_flag=True, help="Also copy every object into DIRECTORY/objects/.")
@click.option("--force", is_flag=True, help="Write into DIRECTORY even though it is not empty.")
@_JOBS
def backup_store(directory: Path, with_files: bool, force: bool, jobs: int) -> None:
    """Back up the database and a manifest of every stored object (key, size, SHA-256).

    The manifest lists exactly the objects the dumped database points to, while the store keeps
    serving. Exits with 1 when an object could not be backed up (each is listed; the rest of the
    backup is written).
    """
    import time

    from store.ops.backup import backup

    started = time.perf_counter()
    header = _run_ops(
        lambda settings, _meili: backup(
            settings, directory, with_files=with_files, force=force, jobs=jobs, say=click.echo
        )
    )
    objects = header.objects
    click.echo(
        f"database: {header.database_kind} at revision {header.alembic_revision}, "
        f"{sum(header.rows.values())} rows, {header.database.file} ({header.database.size} bytes)"
    )
    click.echo(
        f"objects: {objects['count']} ({objects['artifact']} artifacts, {objects['screenshot']} screenshots, "
        f"{objects['thumbnail']} thumbnails), {objects['bytes']} bytes"
        + (", copied into objects/" if header.with_files else ", listed in the manifest")
    )
    click.echo(f"backup written to {directory} in {time.perf_counter() - started:.1f} s")
    if header.problems:
        click.echo(f"{header.problems} objects could not be backed up (listed above)")
        sys.exit(1)


@main.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_JOBS
def restore_store(directory: Path, jobs: int) -> None:
    """Restore a backup into the configured database and storage, which must be empty.

    Refuses, changing nothing, when the database has any table or (for a backup with its files)
    the storage holds any object. Every object is verified against the manifest's size and
    SHA-256, whether copied from the backup or found in the storage already; Meilisearch, when
    configured, is rebuilt. Exits with 1 if any check fails (each failure is listed).
    """
    from store.ops.restore import restore

    report = _run_ops(
        lambda settings, meili: restore(settings, directory, jobs=jobs, meili=meili, say=click.echo),
        with_meili=True,
    )
    header = report.header
    click.echo(f"database: {sum(header.rows.values())} rows at revision {header.alembic_revision}")
    click.echo(
        f"objects: {report.objects} of {header.objects.get('count', 0)} verified "
        f"({report.copied} copied from the backup)"
    )
    if report.mismatches:
        click.echo(f"{report.mismatches} objects failed verification (listed above)")
    if report.meili_documents is not None:
        click.echo(f"Meilisearch: {report.meili_documents} documents indexed into a new index")
    if report.search is not None:
        _echo_search_drift(report.search)
    if report.search_error:
        click.echo(report.search_error)
    if header.problems:
        click.echo(f"note: {header.problems} objects could not be backed up when this backup was made")
    click.echo("restored" if report.ok else "restored, with the failures listed above")
    sys.exit(0 if report.ok else 1)


@main.command("check")
@click.option(
    "--fix",
    is_flag=True,
    help="Delete orphans: objects no row points to, older than --min-age. Record the size and SHA-256 "
    "of screenshots uploaded before the store recorded them.",
)
@click.option(
    "--min-age",
    default=3600,
    show_default=True,
    type=click.IntRange(0),
    help="Seconds. A younger object without a row may be an upload in progress: it is skipped.",
)
@click.option("--sizes-only", is_flag=True, help="Compare sizes only; do not read files for their SHA-256.")
@_JOBS
def check_store(fix: bool, min_age: int, sizes_only: bool, jobs: int) -> None:
    """Check the store: every file and screenshot row has its object, with the recorded size and
    SHA-256; no object lacks a row; the search indexes match the database.

    Streams rows, listings and files, so it runs on a store of any size. Exits with 0 when all is
    well, 1 otherwise (each problem is listed as it is found).
    """
    import time
    from datetime import timedelta

    from store.ops.check import check

    started = time.perf_counter()
    summary = _run_ops(
        lambda settings, meili: check(
            settings,
            meili=meili,
            fix=fix,
            min_age=timedelta(seconds=min_age),
            hashes=not sizes_only,
            jobs=jobs,
            say=click.echo,
        ),
        with_meili=True,
    )
    checked = summary.checked
    how = "sizes compared" if sizes_only else f"{summary.hashed_bytes} bytes hashed"
    click.echo(
        f"artifacts: {checked['artifact']}, screenshots: {checked['screenshot']}, "
        f"thumbnails: {checked['thumbnail']} checked ({how})"
    )
    if summary.unrecorded:
        click.echo(
            f"{summary.unrecorded} screenshots and thumbnails have no checksum recorded (uploaded before "
            "the store recorded them): checked present and not empty only"
            + (
                f"; {summary.recorded} measured and recorded now"
                if fix and not sizes_only
                else "; `store check --fix` measures and records them"
            )
        )
    click.echo(
        f"missing: {summary.missing}, wrong size: {summary.wrong_size}, wrong SHA-256: {summary.wrong_sha256}"
    )
    click.echo(
        f"storage: {summary.listed} objects listed, {summary.orphans} orphans"
        + (f" ({summary.removed} removed)" if fix else "")
        + f", {summary.recent} without a row but younger than {min_age} s (skipped)"
    )
    if summary.foreign_count:
        shown = ", ".join(summary.foreign) + (" …" if summary.foreign_count > len(summary.foreign) else "")
        click.echo(
            f"{summary.foreign_count} objects outside artifacts/ and screenshots/ are not the store's "
            f"and were left alone: {shown}"
        )
    if summary.search is not None:
        _echo_search_drift(summary.search)
    if summary.search_error:
        click.echo(summary.search_error)
    click.echo(f"{'all is well' if summary.ok else 'PROBLEMS FOUND'} ({time.perf_counter() - started:.1f} s)")
    sys.exit(0 if summary.ok else 1)


if __name__ == "__main__":
    main()
