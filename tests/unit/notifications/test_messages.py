"""Rendering notifications without a database: every kind has a sentence and a title, missing
names never break a row, links go to the adoption, the app or the inbox, the e-mail is one-line
in its headers and carries the absolute link; the mail settings refuse what cannot work; the
users' e-mail addresses are checked plainly and bounded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.exceptions import NoRouteMatchFoundException

from store.accounts.services import checked_email
from store.db import models as m
from store.lib.errors import ValidationFailed
from store.lib.i18n import current_locale
from store.notifications.mail import Claimed, compose
from store.notifications.messages import TEXTS, TITLES, language, link_of, text_of, title_of
from store.settings import AppSettings, MailSettings, Settings, SettingsError

ADOPTION = {"app": "网格事件上报", "app_slug": "grid", "region": "梅州", "publisher": "深圳", "comment": ""}


@dataclass
class Row:
    id: int = 1
    kind: str = "adoption_approved"
    params: dict[str, Any] = field(default_factory=dict)
    adoption_id: int | None = None


def test_every_kind_has_a_sentence_and_a_title() -> None:
    assert set(TEXTS) == set(TITLES) == set(m.NotificationKind)


@pytest.mark.parametrize("kind", list(m.NotificationKind))
def test_every_kind_renders_with_its_names_and_without_them(kind: str) -> None:
    params = {**ADOPTION, "version": "1.0.0", "fixed_in": "1.0.1", "reason": "漏洞", "due_on": "2026-01-10"}
    with language("en"):
        text = text_of(kind, params)
        assert "%(" not in text and "网格事件上报" in text
        assert "网格事件上报" in title_of(kind, params)
        assert text_of(kind, {}) and text_of(kind, None)  # an old or odd row still renders


def test_the_comment_follows_the_sentence() -> None:
    with language("en"):
        assert text_of("adoption_declined", {**ADOPTION, "comment": " 暂不开放 "}) == (
            "深圳 declined the request of 梅州 to reuse 网格事件上报. Comment: 暂不开放"
        )
        assert text_of("adoption_approved", ADOPTION).endswith("网格事件上报.")
        assert text_of("something_new", ADOPTION) == "A notification about 网格事件上报."


def test_the_language_is_restored_after_rendering() -> None:
    token = current_locale.set("zh_CN")
    try:
        with language("en"):
            assert current_locale.get() == "en"
        assert current_locale.get() == "zh_CN"
    finally:
        current_locale.reset(token)


def test_links_go_to_the_adoption_else_the_app_else_the_inbox() -> None:
    assert link_of(Row(adoption_id=12, params=ADOPTION)) == "/adoptions/12"
    assert link_of(Row(params=ADOPTION)) == "/apps/grid"
    assert link_of(Row(params={"app_slug": "a/../b"})) == "/apps/a%2F..%2Fb"
    assert link_of(Row()) == "/inbox"

    def reverse(name: str, **params: Any) -> str:
        if name == "adoption_page":
            raise NoRouteMatchFoundException(name)
        return {"app_detail": f"/catalog/{params.get('slug')}", "inbox": "/me/inbox"}[name]

    assert link_of(Row(adoption_id=5), reverse) == "/adoptions/5"  # not registered: the fixed path
    assert link_of(Row(params=ADOPTION), reverse) == "/catalog/grid"
    assert link_of(Row(), reverse) == "/me/inbox"


def test_the_email_has_one_line_headers_and_the_absolute_link() -> None:
    settings = MailSettings(
        smtp_host="smtp", smtp_from="noreply@reuse.gd.gov.cn", base_url="https://reuse.gd.gov.cn"
    )
    row = Claimed(
        id=7,
        kind="adoption_requested",
        params={**ADOPTION, "app": "网格\r\nBcc: x@evil.example"},
        adoption_id=12,
        email="li@example.gov.cn",
        active=True,
    )
    message = compose(row, settings)
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    assert message["Bcc"] is None
    assert (message["To"], message["From"]) == ("li@example.gov.cn", "noreply@reuse.gd.gov.cn")
    assert str(message["Message-ID"]).endswith("@reuse.gd.gov.cn>")
    body = message.get_content()
    assert "https://reuse.gd.gov.cn/adoptions/12" in body and "https://reuse.gd.gov.cn/inbox" in body


@pytest.mark.parametrize(
    ("mail", "message"),
    [
        (MailSettings(smtp_security="tls"), "STORE_SMTP_SECURITY"),
        (MailSettings(base_url="reuse.gd.gov.cn"), "STORE_BASE_URL"),
        (MailSettings(smtp_host="smtp"), "STORE_SMTP_FROM"),
    ],
)
def test_mail_settings_that_cannot_work_are_refused(mail: MailSettings, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings(mail=mail).check()


def test_production_refuses_an_smtp_password_in_clear() -> None:
    mail = MailSettings(smtp_host="smtp", smtp_from="a@b.cn", smtp_username="u", smtp_security="none")
    production = AppSettings(env="production", secret_key="x" * 40)
    with pytest.raises(SettingsError, match="STORE_SMTP_SECURITY"):
        Settings(app=production, mail=mail).check()
    Settings(
        app=production, mail=MailSettings(smtp_host="smtp", smtp_from="a@b.cn", smtp_username="u")
    ).check()
    assert not MailSettings().enabled and MailSettings(smtp_host="smtp").enabled


@pytest.mark.parametrize("address", ["", "  ", "li@example.gov.cn", "li.wei+ops@sub.example.cn"])
def test_plain_addresses_are_accepted(address: str) -> None:
    assert checked_email(address) == address.strip()


@pytest.mark.parametrize(
    "address",
    [
        "li",
        "li@",
        "@example.cn",
        "li@example",
        "li wei@example.cn",
        "a@b@c.cn",
        "li@example.cn\nBcc: x@y.cn",
        "<li@example.cn>",
        "x" * 250 + "@a.cn",
    ],
)
def test_other_addresses_are_refused_naming_the_field(address: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        checked_email(address)
    assert [detail["field"] for detail in refused.value.details or []] == ["email"]
