"""An app's fields, in one place: the lists the history, the form and the validation use are
derived from ``AppIn`` (what a publisher may send) and the ``App`` model (how long each text
may be, which values the database cannot do without).

Adding a field to an app: the model column (and its migration), ``AppIn`` (and ``AppOut`` if
the API shows it), the form template, and, only if it needs them, a rule in ``validation.py``, a
``CHOICES`` entry below (a closed vocabulary) or a ``TEXT_LIMITS`` entry (a ``Text`` column,
which has no length of its own). The history, the form's text fields, the length limits and the
required fields follow by themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String

from store.db import models as m

from . import constants as c
from .schemas import AppIn

_COLUMNS = m.App.__table__.columns

# Everything a publisher sends, in the form's order.
SENT: tuple[str, ...] = AppIn.__struct_fields__
# What the history records of an app: all of it but the slug, which is chosen once and never
# changes (links to the app must keep working).
EDITABLE: tuple[str, ...] = tuple(name for name in SENT if name != "slug")
# The fields stored as one string (the others are lists, labels or money): plain text inputs in
# the form.
TEXT: tuple[str, ...] = tuple(
    name for name in SENT if name in _COLUMNS and isinstance(_COLUMNS[name].type, String)
)
# Closed vocabularies: these texts must be one of the values.
CHOICES: dict[str, tuple[str, ...]] = {
    "kind": tuple(m.AppKind),
    "category": tuple(m.Category),
    "maturity": tuple(m.Maturity),
    "license_type": tuple(m.LicenseType),
    "offering": tuple(m.Offering),
}
# Limits of the texts kept in ``Text`` columns; every other text may be as long as its column.
TEXT_LIMITS: dict[str, int] = {
    "description": c.MAX_DESCRIPTION,
    "reuse_terms": 10_000,
    "requirements": 10_000,
}


def _length(column: ColumnElement[Any]) -> int | None:
    return getattr(column.type, "length", None)


_FREE_TEXT = [name for name in TEXT if name not in CHOICES and name != "slug"]  # the slug has a pattern
# The longest each free text may be, checked with a clear message (columns of a fixed length
# first, then the long texts).
LIMITS: dict[str, int] = {
    **{name: length for name in _FREE_TEXT if (length := _length(_COLUMNS[name])) is not None},
    **{name: TEXT_LIMITS[name] for name in _FREE_TEXT if _length(_COLUMNS[name]) is None},
}
# What a new app must have: the fields the database cannot store without a value (NOT NULL and
# no default). An optional text field is given ``default=""`` in the model.
REQUIRED_ON_CREATE: tuple[str, ...] = tuple(
    name
    for name in EDITABLE
    if name in _COLUMNS and not _COLUMNS[name].nullable and _COLUMNS[name].default is None
)
