"""Amounts of money as people type them into a form: "8万", "8.5万", "100,000", "100，000",
"¥100,000", "100000元", "１０００００" (full-width digits).

A form field is read here; the API takes numbers and does not come through this module. The
parser reads what is unambiguous and refuses the rest rather than guess: "1,5" could be one and
a half (a decimal comma) or fifteen, so commas must group digits in threes.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from .i18n import _

# What the form says when an amount cannot be read (translated where it is shown).
AMOUNT_HELP = _("Enter an amount in yuan, such as 80000, 80,000 or 8万.")

# Chinese units of ten thousand and one hundred million, as in 8万 or 1.2亿.
_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_PREFIXES = ("¥", "人民币", "RMB", "CNY")
_SUFFIXES = ("元整", "元", "圆")
_SPACES = re.compile(r"\s+")
# Digits with an optional sign and decimal part; commas only between groups of three digits.
_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


class AmountError(ValueError):
    """The text is not an amount; ``AMOUNT_HELP`` says how to write one."""


def parse_amount(text: str | None) -> Decimal | None:
    """The amount in yuan that ``text`` states, or None when it is empty.

    Full-width characters become their ASCII forms (NFKC), spaces go, a leading ¥/RMB/CNY/人民币
    and a trailing 元 are dropped, 万 and 亿 multiply, and whole amounts of 万 or 亿 come back without
    decimals ("8万" is 80000, not 80000.0); the range and the number of decimals are the caller's rules.

    Raises:
        AmountError: when the text is not a number written in one of these ways.
    """
    value = _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))
    if not value:
        return None
    upper = value.upper()
    for prefix in _PREFIXES:
        if upper.startswith(prefix):
            value = value[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if value.endswith(suffix):
            value = value[: -len(suffix)]
            break
    factor = Decimal(1)
    if value[-1:] in _UNITS:
        factor = _UNITS[value[-1]]
        value = value[:-1]
    if not _NUMBER.match(value):
        raise AmountError(text)
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation as exc:  # unreachable for what the pattern lets through; kept safe
        raise AmountError(text) from exc
    if factor == 1:
        return amount  # as typed, "98000.50" included: an edit that changes nothing stays unchanged
    amount *= factor
    return Decimal(int(amount)) if amount == amount.to_integral_value() else amount.normalize()
