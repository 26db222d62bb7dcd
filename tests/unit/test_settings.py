"""Settings come from STORE_* variables, with safe embedded defaults and refusals in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from store.settings import DEFAULT_SECRET_KEY, ENV_VARS, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_embedded_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    settings.check()
    assert settings.db.url.startswith("sqlite+aiosqlite:///")
    assert settings.db.url.endswith("var/store.db")
    assert settings.storage.backend == "local"
    assert settings.search.backend == "database"
    assert settings.storage.max_upload_bytes == 2 * 1024**3


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_ENV", "production")
    monkeypatch.delenv("STORE_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="STORE_SECRET_KEY"):
        load_settings().check()
    monkeypatch.setenv("STORE_SECRET_KEY", "a" * 40)
    load_settings().check()
    assert DEFAULT_SECRET_KEY != "a" * 40


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("STORE_ENV", "staging", "STORE_ENV"),
        ("STORE_STORAGE_BACKEND", "ftp", "STORE_STORAGE_BACKEND"),
        ("STORE_SEARCH_BACKEND", "grep", "STORE_SEARCH_BACKEND"),
        ("STORE_SECRET_KEY", "short", "STORE_SECRET_KEY"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(monkeypatch, name, value, message) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings().check()


def test_s3_backend_needs_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_STORAGE_BACKEND", "s3")
    monkeypatch.delenv("STORE_S3_ENDPOINT", raising=False)
    with pytest.raises(SettingsError, match="STORE_S3_ENDPOINT"):
        load_settings().check()


def test_non_integer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_PORT", "eighty")
    with pytest.raises(SettingsError, match="STORE_PORT"):
        load_settings()


def test_every_variable_read_is_documented_in_code_and_readme() -> None:
    source = (ROOT / "store" / "settings.py").read_text()
    read = {f"STORE_{name}" for name in re.findall(r'_env(?:_int|_bool)?\("([A-Z0-9_]+)"', source)}
    assert read == set(ENV_VARS)
    readme = (ROOT / "README.md").read_text()
    for name in ENV_VARS:
        assert f"`{name}`" in readme, f"{name} is missing from the README's settings table"
