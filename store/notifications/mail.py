"""Notification e-mail: a worker that sends the ``pending`` rows, at most once each.

A notification row is its own e-mail outbox (``email_state``). The fan-out marks a row
``pending`` when its user has an address; this worker, which runs only when SMTP is configured
(``STORE_SMTP_HOST``), then:

1. gives up on rows pending for more than a week (``failed``, nothing sent), so that turning SMTP
   on later does not mail out a backlog of old news;
2. claims a small batch: one ``UPDATE … SET email_claimed_at = :now`` of pending rows that nobody
   claimed in the last five minutes. The claim is the worker's lease; ``:now`` is its token, so
   only the worker that claimed a row records what became of it;
3. sends them over one SMTP connection, in a thread (``smtplib`` blocks);
4. marks each sent one ``sent`` (with ``emailed_at``), and for each refused one counts the
   attempt: ``failed`` after the fifth, otherwise it stays pending and its claim, left in place,
   makes the next try wait five minutes.

A row marked sent is never claimed again, so running the worker twice (two server processes, or
a restart) sends nothing twice; a crash between sending and marking may, after the lease, send
one message again, which is the usual at-least-once price of not holding a lock while mailing.

The message is in Chinese with the English below, and links to the page the notification leads
to, as an absolute URL under ``STORE_BASE_URL``. The SMTP password is never logged.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol
from urllib.parse import urlsplit

from litestar import Litestar
from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from store.db import models as m
from store.lib.background import BackgroundTask, pause
from store.lib.i18n import _, gettext
from store.settings import MailSettings

from .messages import Reverse, language, link_of, text_of, title_of

logger = logging.getLogger("store.notifications.mail")

BATCH = 20
LEASE = timedelta(minutes=5)  # a claim older than this is taken again (a worker that died)
MAX_ATTEMPTS = 5
EXPIRE_AFTER = timedelta(days=7)
POLL_SECONDS = 15.0
PAUSE_AFTER_ERROR_SECONDS = 60.0
SMTP_TIMEOUT_SECONDS = 30.0

BRAND = _("Guangdong Reuse")
FOOTER = _("You receive this because you are staff of a region on Guangdong Reuse. All your notifications:")

N = m.Notification
S = m.EmailState


@dataclass(frozen=True)
class Claimed:
    """A claimed row with what its message needs (kept after the claiming session closes)."""

    id: int
    kind: str
    params: dict[str, Any]
    adoption_id: int | None
    email: str
    active: bool


class Mailer(Protocol):
    """Sends messages; each result is None (sent) or the error that refused it. Blocking: the
    worker calls it in a thread."""

    def send_all(self, messages: Sequence[EmailMessage]) -> list[BaseException | None]: ...


class SmtpMailer:
    """``smtplib`` over one connection per batch: STARTTLS, implicit TLS or plain, and a login
    when a user name is set."""

    def __init__(self, settings: MailSettings, *, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
            if s.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            smtp.login(s.smtp_username, s.smtp_password)
        return smtp

    def send_all(self, messages: Sequence[EmailMessage]) -> list[BaseException | None]:
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            return [exc] * len(messages)
        results: list[BaseException | None] = []
        with smtp:
            for message in messages:
                try:
                    smtp.send_message(message)
                except smtplib.SMTPServerDisconnected as exc:
                    results.extend([exc] * (len(messages) - len(results)))
                    break
                except (OSError, smtplib.SMTPException) as exc:
                    results.append(exc)
                else:
                    results.append(None)
        return results


def _one_line(text: str, limit: int = 200) -> str:
    """A header value: one line (no CR/LF from an app's name can reach the headers), bounded."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def compose(row: Claimed, settings: MailSettings, reverse: Reverse | None = None) -> EmailMessage:
    """The message for ``row``: Chinese first, English below, each with the absolute link."""
    link = settings.base_url.rstrip("/") + link_of(row, reverse)
    inbox = settings.base_url.rstrip("/") + (reverse("inbox") if reverse else "/inbox")
    parts: dict[str, tuple[str, str, str, str]] = {}
    for locale in ("zh_CN", "en"):
        with language(locale):
            parts[locale] = (
                gettext(BRAND),
                title_of(row.kind, row.params),
                text_of(row.kind, row.params),
                gettext(FOOTER),
            )
    (brand, zh_title, zh_text, zh_footer), (_brand, en_title, en_text, en_footer) = (
        parts["zh_CN"],
        parts["en"],
    )
    subject = f"[{brand}] {zh_title}" + (f" / {en_title}" if en_title != zh_title else "")
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = settings.smtp_from
    message["To"] = row.email
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(idstring=f"notification-{row.id}", domain=urlsplit(link).hostname)
    body = [zh_text, link, "", zh_footer, inbox]
    if en_text != zh_text:
        body += ["", "——", "", en_text, link, "", en_footer, inbox]
    message.set_content("\n".join(body) + "\n")
    return message


# ---------------------------------------------------------------------------- the outbox


async def expire_old(session: AsyncSession, now: datetime) -> int:
    """Give up, without sending, on rows pending for longer than ``EXPIRE_AFTER``; commits."""
    result = await session.execute(
        update(N)
        .where(N.email_state == S.PENDING.value, N.created_at < now - EXPIRE_AFTER)
        .values(email_state=S.FAILED.value, email_claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _claimable(row: Any, now: datetime) -> list[Any]:
    return [
        row.email_state == S.PENDING.value,
        (row.email_claimed_at.is_(None)) | (row.email_claimed_at < now - LEASE),
    ]


async def claim(session: AsyncSession, now: datetime, limit: int = BATCH) -> list[Claimed]:
    """Lease up to ``limit`` pending rows (oldest first) with ``now`` as the claim; commits."""
    if await session.scalar(select(N.id).where(*_claimable(N, now)).limit(1)) is None:
        await session.rollback()
        return []
    if session.get_bind().dialect.name == "postgresql":
        oldest = select(N.id).where(*_claimable(N, now)).order_by(N.id).limit(limit)
        ids = list(await session.scalars(oldest.with_for_update(skip_locked=True)))
        statement = update(N).where(N.id.in_(ids))
    else:
        # One statement under SQLite's write lock; the outer WHERE repeats the check.
        pick = aliased(N)
        oldest = select(pick.id).where(*_claimable(pick, now)).order_by(pick.id).limit(limit)
        statement = update(N).where(N.id.in_(oldest.scalar_subquery()), *_claimable(N, now))
    claimed = list(
        await session.scalars(
            statement.values(email_claimed_at=now).returning(N.id),
            execution_options={"synchronize_session": False},
        )
    )
    rows: list[Claimed] = []
    if claimed:
        found = await session.execute(
            select(N.id, N.kind, N.params, N.adoption_id, m.User.email, m.User.is_active)
            .join(m.User, m.User.id == N.user_id)
            .where(N.id.in_(claimed))
            .order_by(N.id)
        )
        rows = [
            Claimed(r.id, r.kind, dict(r.params or {}), r.adoption_id, r.email, r.is_active) for r in found
        ]
    await session.commit()
    return rows


async def record(
    session: AsyncSession,
    claimed_at: datetime,
    *,
    sent: Sequence[int] = (),
    refused: Sequence[int] = (),
    dropped: Sequence[int] = (),
) -> None:
    """What became of the rows this worker claimed (at ``claimed_at``); commits. A row whose
    lease ran out and was claimed again belongs to that other claim and is left alone."""
    mine = N.email_claimed_at == claimed_at
    now = m.utcnow()
    if sent:
        await session.execute(
            update(N)
            .where(N.id.in_(sent), mine)
            .values(email_state=S.SENT.value, emailed_at=now, email_claimed_at=None)
            .execution_options(synchronize_session=False)
        )
    if refused:
        attempts = N.email_attempts + 1
        await session.execute(
            update(N)
            .where(N.id.in_(refused), mine)
            .values(
                email_attempts=attempts,
                email_state=case((attempts >= MAX_ATTEMPTS, S.FAILED.value), else_=S.PENDING.value),
            )
            .execution_options(synchronize_session=False)
        )
    if dropped:  # the user has no address any more, or was deactivated
        await session.execute(
            update(N)
            .where(N.id.in_(dropped), mine)
            .values(email_state=S.NONE.value, email_claimed_at=None)
            .execution_options(synchronize_session=False)
        )
    await session.commit()


async def send_once(
    session_maker: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    settings: MailSettings,
    *,
    reverse: Reverse | None = None,
    now: datetime | None = None,
    batch: int = BATCH,
) -> int:
    """One round: expire old rows, claim a batch, send it, record the outcome. Returns the number
    of rows claimed (0: nothing was waiting)."""
    now = now or m.utcnow()
    async with session_maker() as session:
        expired = await expire_old(session, now)
    if expired:
        logger.info("notification mail: %d messages older than %s given up unsent", expired, EXPIRE_AFTER)
    async with session_maker() as session:
        rows = await claim(session, now, batch)
    if not rows:
        return 0
    dropped = [row.id for row in rows if not row.email or not row.active]
    to_send = [row for row in rows if row.email and row.active]
    messages = [compose(row, settings, reverse) for row in to_send]
    results = await asyncio.to_thread(mailer.send_all, messages) if messages else []
    sent = [row.id for row, error in zip(to_send, results, strict=True) if error is None]
    refused = [row.id for row, error in zip(to_send, results, strict=True) if error is not None]
    errors = {type(error).__name__ + ": " + str(error)[:200] for error in results if error is not None}
    if refused:
        logger.warning(
            "notification mail: %d of %d not sent, will retry: %s", len(refused), len(rows), errors
        )
    async with session_maker() as session:
        await record(session, now, sent=sent, refused=refused, dropped=dropped)
    return len(rows)


async def run_mail_worker(
    session_maker: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    settings: MailSettings,
    stop: asyncio.Event,
    *,
    reverse: Reverse | None = None,
    poll: float = POLL_SECONDS,
) -> None:
    """Send until ``stop`` is set; a failed round (database down, a bug) is logged and retried."""
    logger.info("notification mail worker started (SMTP %s:%s)", settings.smtp_host, settings.smtp_port)
    while not stop.is_set():
        try:
            handled = await send_once(session_maker, mailer, settings, reverse=reverse)
        except Exception:
            logger.exception("notification mail: round failed")
            await pause(stop, PAUSE_AFTER_ERROR_SECONDS)
            continue
        if handled < BATCH:
            await pause(stop, poll)
    logger.info("notification mail worker stopped")


class MailWorker(BackgroundTask):
    """``run_mail_worker`` as a background task of a server process: ``start`` and ``stop`` are
    the app's start-up and shut-down hooks (only when SMTP is configured). A batch in flight is
    let finish on shut-down (SMTP calls have timeouts)."""

    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        settings: MailSettings,
        mailer_factory: Callable[[MailSettings], Mailer] = SmtpMailer,
    ) -> None:
        super().__init__("notification mail worker", logger)
        self._session_maker = session_maker
        self._settings = settings
        self._mailer = mailer_factory(settings)

    async def start(self, app: Litestar) -> None:
        self.launch(
            run_mail_worker(
                self._session_maker, self._mailer, self._settings, self._stop, reverse=app.route_reverse
            )
        )
