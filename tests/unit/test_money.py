"""One money format on every page (store/lib/money.py): yuan below 1 万元 and 万元 from there on
Chinese pages, yuan with thousands separators on English ones; no needless decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from jinja2 import Environment

from store.lib import i18n, money
from store.lib.money import format_wan, format_yuan
from store.lib.templating import build_environment


@pytest.mark.parametrize(
    ("amount", "zh", "en"),
    [
        (0, "¥0", "¥0"),
        (Decimal("8500"), "¥8,500", "¥8,500"),
        (Decimal("8500.00"), "¥8,500", "¥8,500"),  # no needless decimals
        (Decimal("8500.5"), "¥8,500.50", "¥8,500.50"),  # cents, when there are any, both digits
        ("9999.99", "¥9,999.99", "¥9,999.99"),
        (Decimal("9999.995"), "1 万元", "¥10,000"),  # rounded to the cent first
        (10000, "1 万元", "¥10,000"),
        (100000, "10 万元", "¥100,000"),
        (110000, "11 万元", "¥110,000"),
        (Decimal("115000.00"), "11.5 万元", "¥115,000"),
        (Decimal("123456.78"), "12.35 万元", "¥123,456.78"),  # 万元 to two decimals, half up
        (Decimal("123450"), "12.35 万元", "¥123,450"),
        (12345678, "1,234.57 万元", "¥12,345,678"),
        (1.1, "¥1.10", "¥1.10"),  # a float through its shortest repr
        (-500, "-¥500", "-¥500"),
        (-150000, "-15 万元", "-¥150,000"),
        (None, "—", "—"),
    ],
)
def test_yuan(amount: money.Amount, zh: str, en: str) -> None:
    assert format_yuan(amount, "zh_CN") == zh
    assert format_yuan(amount, "en") == en


@pytest.mark.parametrize(
    ("amount", "zh", "en"),
    [
        (Decimal("0.00"), "¥0", "¥0"),
        (Decimal("0.5"), "¥5,000", "¥5,000"),  # under 1 万元: shown in yuan
        (Decimal("0.01"), "¥100", "¥100"),
        (Decimal("1"), "1 万元", "¥10,000"),
        (Decimal("12.50"), "12.5 万元", "¥125,000"),
        ("1200.50", "1,200.5 万元", "¥12,005,000"),  # the timeline keeps it as text
        (Decimal("460.75"), "460.75 万元", "¥4,607,500"),
        (None, "—", "—"),
    ],
)
def test_wan(amount: money.Amount, zh: str, en: str) -> None:
    assert format_wan(amount, "zh_CN") == zh
    assert format_wan(amount, "en") == en


@pytest.mark.parametrize("junk", ["", "abc", "NaN", "Infinity"])
def test_what_is_no_number_is_shown_as_it_came(junk: str) -> None:
    assert format_yuan(junk, "zh_CN") == junk
    assert format_wan(junk, "en") == junk


@pytest.fixture
def env() -> Environment:
    return build_environment()


@pytest.mark.parametrize(
    ("locale", "expected"), [("zh_CN", "11.5 万元 · ¥8,000"), ("en", "¥115,000 · ¥8,000")]
)
def test_filters_follow_the_requests_language(env: Environment, locale: str, expected: str) -> None:
    template = env.from_string("{{ price | yuan }} · {{ saving | wan }}")
    token = i18n.current_locale.set(locale)
    try:
        assert template.render(price=Decimal("115000"), saving=Decimal("0.8")) == expected
    finally:
        i18n.current_locale.reset(token)
