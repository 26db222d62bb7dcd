"""Notification fixtures: a publishing district with its city, an adopting city with a district,
bystanders; helpers to read the inbox rows back; and a real SMTP server (aiosmtpd) for the mail
worker, started on a free port when a test asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import models as m
from store.settings import MailSettings, Settings
from tests.factories import auth_headers, make_user, published_app, upload
from tests.services import free_port


@pytest.fixture
async def world(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, Any]:
    """南山区 (a district of Shenzhen) publishes an app with 1.0.0 and 1.1.0; Meizhou, with its
    district 梅江区, adopts. ``headers[who]`` is an API token of ``who``."""
    db.add(m.Region(code="440305", name="南山区", level="district", parent_code="440300", zone="core"))
    db.add(m.Region(code="440304", name="福田区", level="district", parent_code="440300", zone="core"))
    db.add(
        m.Region(
            code="441402", name="梅江区", level="district", parent_code="441400", is_east_west_north=True
        )
    )
    await db.commit()
    users = {
        "publisher": await make_user(db, "city_staff", "440305", username="ns_pub"),
        "city": await make_user(db, "city_staff", "440300", username="sz_city"),
        "retired_city": await make_user(db, "city_staff", "440300", username="sz_gone"),
        "sibling": await make_user(db, "city_staff", "440304", username="ft_staff"),
        "requester": await make_user(
            db, "city_staff", "441400", username="mz_staff", email="li@example.gov.cn"
        ),
        "adopter": await make_user(db, "city_staff", "441400", username="mz_colleague"),
        "adopter_district": await make_user(db, "city_staff", "441402", username="mj_staff"),
        "other": await make_user(db, "city_staff", "440100", username="gz_staff"),
        "reviewer": await make_user(db, "province_reviewer", None, username="prov_rev"),
        "admin": await make_user(db, "province_admin", None, username="prov_admin"),
    }
    headers = {who: await auth_headers(db, user) for who, user in users.items()}
    await db.execute(update(m.User).where(m.User.username == "sz_gone").values(is_active=False))
    await db.commit()
    app = await published_app(
        client, headers["publisher"], headers["reviewer"], name="网格事件上报", name_en="Grid Events"
    )
    assert (await upload(client, headers["publisher"], app["slug"], version="1.1.0")).status_code == 201
    await db.execute(
        update(m.Version).where(m.Version.version == "1.1.0").values(review_status=m.ReviewStatus.APPROVED)
    )
    # The world starts with empty inboxes: the approval above told the publishers (app_approved).
    await db.execute(delete(m.Notification))
    await db.commit()
    app_id = await db.scalar(select(m.App.id).where(m.App.slug == app["slug"]))
    return {"slug": app["slug"], "users": users, "headers": headers, "app_id": app_id}


async def inbox_rows(db: AsyncSession, kind: str | None = None) -> list[tuple[str, m.Notification]]:
    """Every notification (of ``kind``) with its recipient's username, in id order, read afresh."""
    query = select(m.User.username, m.Notification).join(m.User, m.User.id == m.Notification.user_id)
    if kind:
        query = query.where(m.Notification.kind == kind)
    rows = await db.execute(query.order_by(m.Notification.id).execution_options(populate_existing=True))
    found = [(username, row) for username, row in rows.tuples()]
    db.expunge_all()  # keep what was read readable after the read transaction ends
    await db.rollback()
    return found


async def recipients(db: AsyncSession, kind: str) -> list[str]:
    return sorted(username for username, _row in await inbox_rows(db, kind))


async def count_notifications(db: AsyncSession) -> int:
    found = await db.scalar(select(func.count()).select_from(m.Notification)) or 0
    await db.rollback()
    return found


# ---------------------------------------------------------------------------- a real SMTP server


@dataclass
class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message) per message."""

    host: str
    port: int
    received: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """An aiosmtpd server on a free loopback port, in its own thread, for one test."""
    mailbox = Mailbox(host="127.0.0.1", port=free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def mail_settings(settings: Settings, port: int) -> Settings:
    """``settings`` with plain SMTP (the test server speaks no TLS) on ``port``."""
    return replace(
        settings,
        mail=MailSettings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="noreply@reuse.example.gov.cn",
            smtp_security="none",
            base_url="https://reuse.example.gov.cn",
        ),
    )
