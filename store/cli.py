"""The ``store`` console script for operators. Each command owns its transaction."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from store.settings import load_settings

T = TypeVar("T")


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one database transaction: commit on success, roll back on error."""
    from store.app import EVENT_SUBSCRIBERS
    from store.db.engine import create_engine, session_maker
    from store.lib import events
    from store.rules import install as install_rules

    settings = load_settings()
    install_rules()  # the services this work calls check permissions

    async def _main() -> T:
        engine = create_engine(settings.db)
        try:
            # The same subscribers as the web app: a demo seed is followed like any other change.
            async with session_maker(engine, info=events.session_info(EVENT_SUBSCRIBERS))() as session:
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
    """粤复用 store: serve, migrate and manage users."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default STORE_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default STORE_PORT or 8000).")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def run(host: str | None, port: int | None, workers: int, reload: bool) -> None:
    """Serve the store."""
    import uvicorn

    settings = load_settings()
    settings.check()
    settings.app.var_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(
        "store.app:create_app",
        factory=True,
        host=host or settings.app.host,
        port=port or settings.app.port,
        workers=workers if not reload else 1,
        reload=reload,
        proxy_headers=True,
        log_level="info",
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


if __name__ == "__main__":
    main()
