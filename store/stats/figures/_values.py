"""JSON-safe plain values for the figures' ``as_dict`` (answers and exported files)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    """An amount in 万元 with two decimals (a database sum may come back as int, float or None)."""
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT)


def ratio(part: int, whole: int) -> float:
    """``part / whole`` from 0 to 1; 0.0 when there is nothing to divide by."""
    return part / whole if whole else 0.0


def plain(value: Any) -> Any:
    """Decimals as strings with two decimals, dates in ISO form, dataclasses and containers
    recursively; everything else as it is."""
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
