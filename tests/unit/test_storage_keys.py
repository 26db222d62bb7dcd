"""Storage keys: what both backends accept, and what they refuse before touching anything."""

from __future__ import annotations

import pytest

from store.lib.storage import ChecksumMismatch, check_sha256, validate_key

GOOD = [
    "a",
    "artifacts/ab12cd/name.zip",
    "artifacts/7/部署包 v1.0 (最终).zip",
    "screenshots/1/2-thumb.jpg",
    ".hidden/file",
    "a." + "b" * 1000,
]

BAD = {
    "empty": "",
    "parent segment": "../etc/passwd",
    "parent inside": "a/../b",
    "dots in a name": "name..zip",
    "absolute": "/etc/passwd",
    "trailing slash": "artifacts/",
    "double slash": "a//b",
    "dot segment": "a/./b",
    "backslash": "a\\b",
    "newline": "a\nb",
    "nul": "a\x00b",
    "tab": "a\tb",
    "delete": "a\x7fb",
    "C1 control": "a\x85b",
    "too long": "k" * 1025,
    "too long in UTF-8": "包" * 342,
}


@pytest.mark.parametrize("key", GOOD)
def test_good_keys_pass_unchanged(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", BAD.values(), ids=BAD.keys())
def test_bad_keys_are_value_errors(key: str) -> None:
    with pytest.raises(ValueError):
        validate_key(key)


def test_checksum_compare_ignores_case_and_none() -> None:
    digest = "ab" * 32
    check_sha256(None, digest)
    check_sha256(digest.upper(), digest)
    with pytest.raises(ChecksumMismatch) as caught:
        check_sha256("cd" * 32, digest)
    assert (caught.value.expected, caught.value.actual) == ("cd" * 32, digest)
