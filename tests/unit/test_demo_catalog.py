"""The demo catalog is data (store/demo_catalog.yaml), validated when it loads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from store.demo_catalog import CATALOG, DemoApp, load_catalog
from store.regions.data import CITIES


def test_the_catalog_covers_every_city_with_published_apps() -> None:
    assert len(CATALOG) >= 30
    assert all(isinstance(app, DemoApp) for app in CATALOG)
    published = {app.region[:4] + "00" for app in CATALOG if app.state == "published"}
    assert published >= {city.code for city in CITIES}


def test_a_wrong_field_names_the_entry(tmp_path: Path) -> None:
    broken = tmp_path / "apps.yaml"
    broken.write_text("- slug: broken-app\n  region: '440100'\n  fee: lots\n", encoding="utf-8")
    with pytest.raises(ValueError, match="broken-app"):
        load_catalog(broken)


def test_an_unknown_region_is_refused(tmp_path: Path) -> None:
    entry = dict(CATALOG[0].__dict__)
    entry["region"] = "999900"
    entry["versions"] = [{"version": "1.0.0", "released": "2025-01-01", "notes": ["x"]}]
    for key, value in list(entry.items()):
        if isinstance(value, tuple):
            entry[key] = [list(v) if isinstance(v, tuple) else v for v in value]
    path = tmp_path / "apps.yaml"
    path.write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown region"):
        load_catalog(path)
