"""An app's field lists are derived in one place (store/catalog/fields.py) from AppIn and the
App model; the history, the form and the validation read them from there."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store.catalog import audit, fields
from store.catalog.forms import app_data_from_form
from store.catalog.schemas import AppIn
from store.catalog.validation import clean_app
from store.db import models as m
from store.lib.errors import ValidationFailed


def test_the_history_records_every_field_a_publisher_sends_but_the_permanent_slug() -> None:
    app = m.App(
        kind="application",
        name="智慧医保",
        tech_stack=["Java 17"],
        reference_prices=[{"description": "梅州", "amount_yuan": Decimal("180000"), "year": 2024}],
        price_yuan=Decimal("98000.50"),
        labels=[m.AppLabel(kind=m.LabelKind.TAG, value="医保")],
    )
    before = audit.snapshot(app)
    assert list(before) == [name for name in AppIn.__struct_fields__ if name != "slug"]
    assert before["price_yuan"] == "98000.50"
    assert before["reference_prices"] == [{"description": "梅州", "amount_yuan": "180000", "year": 2024}]
    assert before["tags"] == ["医保"]
    app.tech_stack.append("Vue 3")  # changed in place: the "before" keeps what it saw
    assert before["tech_stack"] == ["Java 17"]
    assert audit.diff(before, audit.snapshot(app)) == {"tech_stack": [["Java 17"], ["Java 17", "Vue 3"]]}


def test_each_free_text_is_limited_by_its_column_or_the_long_text_table() -> None:
    columns = m.App.__table__.columns
    free_text = [name for name in fields.TEXT if name not in fields.CHOICES and name != "slug"]
    assert list(fields.LIMITS) == sorted(free_text, key=lambda name: columns[name].type.length is None)
    for name in free_text:
        assert fields.LIMITS[name] == (
            getattr(columns[name].type, "length", None) or fields.TEXT_LIMITS[name]
        )
    too_long = {name: "x" * (limit + 1) for name, limit in fields.LIMITS.items()}
    with pytest.raises(ValidationFailed) as refused:
        clean_app(too_long, current=None)
    assert set(fields.LIMITS) <= {detail["field"] for detail in refused.value.details}


def test_a_new_app_needs_the_fields_the_database_cannot_do_without() -> None:
    assert fields.REQUIRED_ON_CREATE == (
        "kind", "name", "summary", "category", "department", "contact_name", "maturity", "license_type",
        "offering",
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        clean_app({}, current=None)
    named = [detail["field"] for detail in refused.value.details]
    assert named[: len(fields.REQUIRED_ON_CREATE)] == list(fields.REQUIRED_ON_CREATE)


def test_the_form_passes_every_text_field_on_as_typed() -> None:
    form = {name: f"value of {name}" for name in fields.TEXT}
    data = app_data_from_form(form, {}, creating=True)
    assert {name: data[name] for name in fields.TEXT} == form
    assert "slug" not in app_data_from_form(form, {}, creating=False)
