"""Language negotiation and the completeness of the Chinese catalog."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from store.lib import i18n

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        (None, None, None, "zh_CN"),
        (None, None, "en-US,en;q=0.9", "en"),
        (None, None, "fr-FR,fr;q=0.9", "zh_CN"),
        (None, None, "zh-TW,zh;q=0.9,en;q=0.8", "zh_CN"),
        (None, None, "en;q=0.3,zh-CN;q=0.9", "zh_CN"),
        (None, "en", "zh-CN", "en"),
        ("zh-CN", "en", "en", "zh_CN"),
        ("klingon", "en", None, "en"),
        (None, None, "en;q=abc", "zh_CN"),
    ],
)
def test_negotiation(query, cookie, accept, expected) -> None:
    assert i18n.negotiate(query, cookie, accept) == expected


def test_gettext_translates_and_fills_placeholders() -> None:
    token = i18n.current_locale.set("zh_CN")
    try:
        assert i18n.gettext("Unknown region code %(code)s.", code="999999") == "未知的地区代码 999999。"
    finally:
        i18n.current_locale.reset(token)
    token = i18n.current_locale.set("en")
    try:
        assert i18n.gettext("Unknown region code %(code)s.", code="999999") == "Unknown region code 999999."
    finally:
        i18n.current_locale.reset(token)


def test_every_message_has_a_chinese_translation() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import messages
    finally:
        sys.path.pop(0)
    assert messages.missing("zh_CN") == []
