"""Amounts of money as the pages show them: one format everywhere (issue 12), where the pages used
to show ``¥110000`` next to ``¥100,000.00``.

The rule, on Chinese pages:

* below 1 万元 (10,000 元): yuan with thousands separators, cents only when there are any:
  ``¥8,500``, ``¥8,500.50``;
* from 1 万元 up: 万元, the unit budgets and procurement use, with at most two decimals (rounded
  half up to 100 元, the precision ``saving_wan`` is stored with) and no trailing zeros:
  ``12 万元``, ``11.5 万元``, ``1,234.57 万元``.

On English pages 万 means nothing to most readers, so every amount is in yuan with thousands
separators, cents only when there are any: ``¥8,500``, ``¥115,000``, ``¥12,345,700``.

Amounts stored in yuan (prices, fees) go through ``yuan``; amounts stored in 万元 (the savings
adopters report) through ``wan``. Exports (CSV, XLSX) and the JSON API keep plain numbers: this is
for pages only.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from . import i18n

Amount = Decimal | int | float | str | None

WAN = Decimal(10_000)
CENT = Decimal("0.01")
NOTHING = "—"


def _decimal(amount: Decimal | int | float | str) -> Decimal | None:
    """The amount as a Decimal (a float through its shortest repr, so 0.1 stays 0.1), or None."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _grouped(value: Decimal, *, cents: bool) -> str:
    """Thousands separators and at most two decimals; none for a whole number. ``cents``: yuan
    keep both digits (8,500.50); 万元 drop trailing zeros (11.5)."""
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    text = f"{value:,.2f}"
    return text if cents else text.rstrip("0")


def format_yuan(amount: Amount, locale: str) -> str:
    """An amount in 元 as the page in ``locale`` shows it (the rule is in the module docstring)."""
    if amount is None:
        return NOTHING
    value = _decimal(amount)
    if value is None:
        return str(amount)
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if locale != "en" and value >= WAN:
        return f"{sign}{_grouped(value / WAN, cents=False)} 万元"
    return f"{sign}¥{_grouped(value, cents=True)}"


def format_wan(amount: Amount, locale: str) -> str:
    """An amount stored in 万元 (a saving), shown by the same rule as ``format_yuan``."""
    if amount is None:
        return NOTHING
    value = _decimal(amount)
    if value is None:
        return str(amount)
    return format_yuan(value * WAN, locale)


def yuan(amount: Amount) -> str:
    """Template filter ``yuan``: ``{{ app.price_yuan | yuan }}`` in the request's language."""
    return format_yuan(amount, i18n.current_locale.get())


def wan(amount: Amount) -> str:
    """Template filter ``wan``: ``{{ adoption.saving_wan | wan }}`` in the request's language."""
    return format_wan(amount, i18n.current_locale.get())
