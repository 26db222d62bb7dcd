"""The commands that check a download (store/lib/checksums.py): Windows first, the file's real
name, quoted as each shell needs."""

from __future__ import annotations

import pytest

from store.lib.checksums import verify_commands


def test_windows_comes_first_with_the_real_name() -> None:
    commands = verify_commands("gz-yibao-2.2.0.zip")
    assert [(c.system, c.text) for c in commands] == [
        ("cmd", "certutil -hashfile gz-yibao-2.2.0.zip SHA256"),
        ("powershell", "Get-FileHash gz-yibao-2.2.0.zip -Algorithm SHA256"),
        ("linux", "sha256sum gz-yibao-2.2.0.zip"),
        ("macos", "shasum -a 256 gz-yibao-2.2.0.zip"),
    ]


def test_chinese_names_need_no_quotes() -> None:
    assert verify_commands("医保平台_v2.zip")[0].text == "certutil -hashfile 医保平台_v2.zip SHA256"


@pytest.mark.parametrize(
    ("name", "cmd", "powershell", "posix"),
    [
        ("my app 1.0.zip", '"my app 1.0.zip"', "'my app 1.0.zip'", "'my app 1.0.zip'"),
        ("it's.zip", '"it\'s.zip"', "'it''s.zip'", "'it'\\''s.zip'"),
        ("a&b$(x).zip", '"a&b$(x).zip"', "'a&b$(x).zip'", "'a&b$(x).zip'"),
    ],
)
def test_other_names_are_quoted_for_each_shell(name: str, cmd: str, powershell: str, posix: str) -> None:
    by_system = {c.system: c.text for c in verify_commands(name)}
    assert by_system["cmd"] == f"certutil -hashfile {cmd} SHA256"
    assert by_system["powershell"] == f"Get-FileHash {powershell} -Algorithm SHA256"
    assert by_system["linux"] == f"sha256sum {posix}"
    assert by_system["macos"] == f"shasum -a 256 {posix}"


def test_brackets_are_taken_literally_by_powershell() -> None:
    # -Path would read [1] as a wildcard matching "1"
    assert verify_commands("app[1].zip")[1].text == "Get-FileHash -LiteralPath 'app[1].zip' -Algorithm SHA256"
