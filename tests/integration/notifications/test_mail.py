"""The notification mail worker against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL:
a pending row is sent once to its recipient with the subject and the absolute link, even when the
worker runs twice (one after the other, or at the same time); a server that is down leaves the row
pending with the attempt counted and retried after the lease, failed after the fifth; week-old
rows are given up unsent; the app starts the worker only when SMTP is configured."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.app import create_app
from store.db import models as m
from store.db.engine import session_maker
from store.notifications import fanout
from store.notifications.mail import LEASE, MAX_ATTEMPTS, MailWorker, SmtpMailer, send_once
from store.settings import Settings
from tests.factories import make_user
from tests.services import free_port

from .conftest import Mailbox, mail_settings

PARAMS = {
    "app": "网格事件上报",
    "app_slug": "grid-events",
    "region": "梅州",
    "publisher": "深圳",
    "comment": "欢迎复用",
}


async def notify_meizhou(db: AsyncSession) -> list[int]:
    """An approval for Meizhou's staff (one with an address, one without); the new rows' ids."""
    await db.execute(fanout.for_region("441400", m.NotificationKind.ADOPTION_APPROVED, params=PARAMS))
    await db.commit()
    return list(await db.scalars(select(m.Notification.id).order_by(m.Notification.id)))


async def rows(db: AsyncSession) -> dict[str, tuple[str, int, bool, bool]]:
    """username -> (email_state, attempts, claimed, emailed), read afresh."""
    found = await db.execute(
        select(
            m.User.username,
            m.Notification.email_state,
            m.Notification.email_attempts,
            m.Notification.email_claimed_at,
            m.Notification.emailed_at,
        ).join(m.User, m.User.id == m.Notification.user_id)
    )
    result = {r[0]: (r[1], r[2], r[3] is not None, r[4] is not None) for r in found}
    await db.rollback()
    return result


@pytest.fixture
async def recipients(db: AsyncSession) -> dict[str, m.User]:
    return {
        "with_address": await make_user(
            db, "city_staff", "441400", username="mz_li", email="li@example.gov.cn"
        ),
        "without": await make_user(db, "city_staff", "441400", username="mz_wang"),
    }


async def test_a_pending_row_is_sent_once_with_recipient_subject_and_link(
    app: Litestar, engine: AsyncEngine, db: AsyncSession, settings: Settings, smtp_server: Mailbox, recipients
) -> None:
    await notify_meizhou(db)
    assert await rows(db) == {"mz_li": ("pending", 0, False, False), "mz_wang": ("none", 0, False, False)}
    mail = mail_settings(settings, smtp_server.port).mail
    maker = session_maker(engine)

    handled = await send_once(maker, SmtpMailer(mail), mail, reverse=app.route_reverse)
    assert handled == 1
    assert [to for to, _message in smtp_server.received] == [["li@example.gov.cn"]]
    _to, message = smtp_server.received[0]
    assert message["To"] == "li@example.gov.cn"
    assert message["From"] == "noreply@reuse.example.gov.cn"
    subject = str(message["Subject"])
    assert "网格事件上报" in subject and "\n" not in subject
    body = message.get_payload(decode=True).decode("utf-8")
    assert "https://reuse.example.gov.cn/apps/grid-events" in body
    assert "梅州" in body and "欢迎复用" in body
    assert "https://reuse.example.gov.cn/inbox" in body
    assert await rows(db) == {"mz_li": ("sent", 0, False, True), "mz_wang": ("none", 0, False, False)}

    # Running again sends nothing: the row is sent, and the one without an address never was pending.
    assert await send_once(maker, SmtpMailer(mail), mail, reverse=app.route_reverse) == 0
    assert len(smtp_server.received) == 1


async def test_two_workers_at_once_send_each_message_once(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, smtp_server: Mailbox, recipients
) -> None:
    for _ in range(3):
        await notify_meizhou(db)
    mail = mail_settings(settings, smtp_server.port).mail
    maker = session_maker(engine)
    handled = await asyncio.gather(*(send_once(maker, SmtpMailer(mail), mail) for _ in range(2)))
    handled += await asyncio.gather(*(send_once(maker, SmtpMailer(mail), mail) for _ in range(2)))
    assert sum(handled) == 3
    assert len(smtp_server.received) == 3
    states = await db.scalars(
        select(m.Notification.email_state).where(m.Notification.email_state != m.EmailState.NONE.value)
    )
    assert sorted(states) == ["sent"] * 3


async def test_a_server_that_is_down_leaves_the_row_pending_and_counts_the_attempt(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, recipients
) -> None:
    await notify_meizhou(db)
    down = mail_settings(settings, free_port()).mail  # nothing listens there
    maker = session_maker(engine)
    now = m.utcnow()

    assert await send_once(maker, SmtpMailer(down, timeout=5), down, now=now) == 1
    assert (await rows(db))["mz_li"] == ("pending", 1, True, False)
    # Within the lease nobody tries again; after it, the next attempt is counted.
    assert await send_once(maker, SmtpMailer(down, timeout=5), down, now=now + timedelta(minutes=1)) == 0
    assert (await rows(db))["mz_li"] == ("pending", 1, True, False)
    for attempt in range(2, MAX_ATTEMPTS + 1):
        later = now + attempt * (LEASE + timedelta(seconds=1))
        assert await send_once(maker, SmtpMailer(down, timeout=5), down, now=later) == 1
    assert (await rows(db))["mz_li"] == ("failed", MAX_ATTEMPTS, True, False)


async def test_a_server_back_up_gets_the_retry(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, smtp_server: Mailbox, recipients
) -> None:
    await notify_meizhou(db)
    maker = session_maker(engine)
    down = mail_settings(settings, free_port()).mail
    now = m.utcnow()
    await send_once(maker, SmtpMailer(down, timeout=5), down, now=now)
    up = mail_settings(settings, smtp_server.port).mail
    assert await send_once(maker, SmtpMailer(up), up, now=now + LEASE + timedelta(seconds=1)) == 1
    assert (await rows(db))["mz_li"] == ("sent", 1, False, True)
    assert len(smtp_server.received) == 1


async def test_week_old_rows_are_given_up_unsent(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, smtp_server: Mailbox, recipients
) -> None:
    await notify_meizhou(db)
    await db.execute(update(m.Notification).values(created_at=m.utcnow() - timedelta(days=8)))
    await db.commit()
    mail = mail_settings(settings, smtp_server.port).mail
    assert await send_once(session_maker(engine), SmtpMailer(mail), mail) == 0
    assert smtp_server.received == []
    assert (await rows(db))["mz_li"] == ("failed", 0, False, False)


async def test_an_address_removed_since_is_not_mailed(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, smtp_server: Mailbox, recipients
) -> None:
    await notify_meizhou(db)
    await db.execute(update(m.User).where(m.User.username == "mz_li").values(email=""))
    await db.commit()
    mail = mail_settings(settings, smtp_server.port).mail
    assert await send_once(session_maker(engine), SmtpMailer(mail), mail) == 1
    assert smtp_server.received == []
    assert (await rows(db))["mz_li"] == ("none", 0, False, False)


async def test_the_app_runs_the_worker_only_with_smtp(
    settings: Settings, engine: AsyncEngine, db: AsyncSession, smtp_server: Mailbox, recipients
) -> None:
    def mail_hooks(application: Litestar) -> list[Any]:
        return [h for h in application.on_startup if isinstance(getattr(h, "__self__", None), MailWorker)]

    without = create_app(settings)
    assert mail_hooks(without) == []
    await without.state["engine"].dispose()

    configured = mail_settings(settings, smtp_server.port)
    application = create_app(configured)
    try:
        (start,) = mail_hooks(application)
        worker = start.__self__
        await notify_meizhou(db)
        await worker.start(application)
        for _ in range(100):
            if smtp_server.received:
                break
            await asyncio.sleep(0.05)
        await worker.stop()
    finally:
        await application.state["engine"].dispose()
    assert len(smtp_server.received) == 1
    assert "https://reuse.example.gov.cn/apps/grid-events" in smtp_server.received[0][1].get_payload(
        decode=True
    ).decode("utf-8")
    assert (await rows(db))["mz_li"][0] == "sent"


def test_the_password_never_shows_in_the_settings_repr(settings: Settings) -> None:
    secret = replace(settings.mail, smtp_username="mailer", smtp_password="s3cret-pass")
    assert "s3cret-pass" not in repr(secret) and "s3cret-pass" not in repr(replace(settings, mail=secret))
