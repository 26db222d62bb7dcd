"""What people type into forms: amounts ("8万", "100,000") and links without a scheme, read as
they meant them, nonsense refused; and the summary of a refused form, which names fields by
their labels, never by their internal names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store.catalog.forms import app_data_from_form, form_errors_by_field
from store.lib.amounts import AmountError, parse_amount
from store.lib.errors import ValidationFailed
from store.lib.forms import error_summary, field_anchor, form_errors
from store.lib.links import normalize_link


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("80000", Decimal(80000)),
        ("8万", Decimal(80000)),
        ("8.5万", Decimal(85000)),
        ("8万元", Decimal(80000)),
        ("1.2亿", Decimal(120_000_000)),
        ("100,000", Decimal(100000)),
        ("100，000", Decimal(100000)),
        ("1,234,567.89", Decimal("1234567.89")),
        ("¥100,000", Decimal(100000)),
        ("￥100,000", Decimal(100000)),
        ("RMB 100", Decimal(100)),
        ("人民币5000元", Decimal(5000)),
        ("100000元", Decimal(100000)),
        ("１０００００", Decimal(100000)),
        ("８．５万", Decimal(85000)),
        (" 98000.50 ", Decimal("98000.5")),
        ("8 万", Decimal(80000)),
        ("0", Decimal(0)),
        ("-1", Decimal(-1)),  # read; the range is validation's rule, with its own message
        ("1.005", Decimal("1.005")),  # likewise the number of decimals
    ],
)
def test_amounts_are_read_as_people_write_them(typed: str, amount: Decimal) -> None:
    assert parse_amount(typed) == amount


def test_whole_amounts_have_no_decimals_and_empty_is_none() -> None:
    assert str(parse_amount("8万")) == "80000"
    assert str(parse_amount("8.5万")) == "85000"
    assert str(parse_amount("1.25万")) == "12500"
    assert str(parse_amount("100,000.00")) == "100000.00"  # as typed: a saved 100000.00 stays unchanged
    assert parse_amount("") is None
    assert parse_amount("   ") is None
    assert parse_amount(None) is None


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "八万",
        "1,5",
        "10,0000",
        "1,00,000",
        "1e5",
        "万",
        "元",
        "¥",
        "8万万",
        "1.2.3",
        "5.",
        ".5",
        "--1",
        "NaN",
    ],
)
def test_nonsense_is_refused(typed: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("www.gz.gov.cn/app", "https://www.gz.gov.cn/app"),
        ("gz.gov.cn", "https://gz.gov.cn"),
        ("www.gz.gov.cn:8080/app?x=1", "https://www.gz.gov.cn:8080/app?x=1"),
        ("//cdn.gz.gov.cn/a", "https://cdn.gz.gov.cn/a"),
        ("10.1.2.3/docs", "https://10.1.2.3/docs"),
        ("  https://www.gz.gov.cn/app  ", "https://www.gz.gov.cn/app"),
        ("http://old.example.cn", "http://old.example.cn"),
        ("", ""),
        # left as typed, for validation to refuse
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("JavaScript:alert(1)", "JavaScript:alert(1)"),
        ("ftp://code.example.cn", "ftp://code.example.cn"),
        ("mailto:a@gz.gov.cn", "mailto:a@gz.gov.cn"),
        ("data:text/html,x", "data:text/html,x"),
        ("just words", "just words"),
        ("localhost:8080", "localhost:8080"),
    ],
)
def test_links_get_https_only_when_they_start_with_a_host(typed: str, stored: str) -> None:
    assert normalize_link(typed) == stored


def test_every_error_of_a_field_is_kept() -> None:
    exc = ValidationFailed(
        details=[
            {"field": "email", "message": "Too long."},
            {"field": "email", "message": "Not an address."},
            {"field": "email", "message": "Too long."},
            {"field": "name", "message": "Required."},
        ]
    )
    assert form_errors(exc) == {"email": "Too long. Not an address.", "name": "Required."}


def test_the_summary_follows_the_form_and_names_fields_by_their_labels() -> None:
    errors = {
        "source_url": "Enter a full address.",
        "reference_prices[2]": "Describe the deal.",
        "department": "This field is required.",
        "reference_prices[0]": "Not an amount.",
        "__all__": "Something else.",
        "mystery.field": "A message alone.",
    }
    labels = {"department": "部门", "reference_prices": "参考价格", "source_url": "源代码仓库"}
    items = error_summary(errors, labels)
    assert [item.href for item in items] == [
        "#field-department",
        "#field-reference_prices",
        "#field-reference_prices",
        "#field-source_url",
        "#field-mystery-field",
    ]
    texts = [item.text for item in items]
    assert texts[0] in ("部门: This field is required.", "部门：This field is required.")  # either catalog
    assert texts[1].startswith("参考价格, line 1") or texts[1].startswith("参考价格 第1行")
    assert "line 3" in texts[2] or "第3行" in texts[2]
    assert texts[4] == "A message alone."
    assert not any("reference_prices" in text or "mystery" in text for text in texts)
    assert field_anchor("xinchuang.cpus") == "field-xinchuang-cpus"


def test_a_label_that_asks_or_ends_in_a_colon_loses_it_before_the_summary_colon() -> None:
    labels = {"reason": "这条记录哪里不对？", "note": "备注：", "why": "Why?"}
    errors = {"reason": "必填。", "note": "太长。", "why": "Required."}
    texts = [item.text for item in error_summary(errors, labels)]
    assert texts[0].startswith("这条记录哪里不对") and "？" not in texts[0]
    assert texts[1].startswith("备注") and texts[1].count("：") + texts[1].count(":") == 1
    assert texts[2].startswith("Why") and "?" not in texts[2]


def test_form_errors_follow_the_lines_of_the_text_area_and_the_check_box_groups() -> None:
    values = {"reference_prices": "\n河源 | 8万 | 2024\n\n梅州 | ? | 2025\n"}
    errors = {"reference_prices[1]": "Not an amount.", "xinchuang.os": "Not one of them."}
    assert form_errors_by_field(errors, values) == {
        "reference_prices[3]": "Not an amount.",  # the second deal is on the fourth line
        "xc_os": "Not one of them.",
    }


def test_the_form_passes_amounts_as_typed_and_links_with_their_scheme() -> None:
    form = {
        "name": "x",
        "license_type": "gov_free",
        "license_spdx": "MIT",  # left from choosing 开源 first: dropped, not refused
        "price_yuan": " 8万 ",
        "deployment_fee_yuan": "100,000",
        "docs_url": "www.gz.gov.cn/app",
        "reference_prices": "河源市部署｜15万｜2024年\n\n梅州 | 1000 | ２０２５\n揭阳 | 9 | 去年",
    }
    data = app_data_from_form(form, {}, creating=False)
    assert data["price_yuan"] == "8万"
    assert data["deployment_fee_yuan"] == "100,000"
    assert data["docs_url"] == "https://www.gz.gov.cn/app"
    assert data["license_spdx"] == ""
    assert data["reference_prices"] == [
        {"description": "河源市部署", "amount_yuan": "15万", "year": 2024},
        {"description": "梅州", "amount_yuan": "1000", "year": 2025},
        {"description": "揭阳", "amount_yuan": "9", "year": "去年"},
    ]
