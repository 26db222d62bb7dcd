"""The store needs CPython 3.12 or newer (3.11 segfaults under concurrent requests: README, "Which
Python"). Everything that names a Python must agree, and the Makefile's finder must not pick 3.11."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FINDER = ROOT / "scripts" / "find-python.sh"
MINIMUM = (3, 12)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_requires_python_and_the_linters_target_the_minimum() -> None:
    pyproject = _pyproject()
    assert pyproject["project"]["requires-python"] == ">=3.12"
    assert pyproject["tool"]["ruff"]["target-version"] == "py312"
    assert pyproject["tool"]["mypy"]["python_version"] == "3.12"


def test_the_docker_image_runs_a_python_new_enough() -> None:
    bases = re.findall(r"^FROM python:(\d+)\.(\d+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert bases, "the Dockerfile has no python: base image"
    for major, minor in bases:
        assert (int(major), int(minor)) >= MINIMUM


def _fake_python(bin_dir: Path, name: str, version: tuple[int, int]) -> Path:
    """An executable answering the finder's version check as a Python of ``version`` would."""
    path = bin_dir / name
    ok = 0 if version >= MINIMUM else 1
    path.write_text(f"#!/bin/sh\nexit {ok}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _find(tmp_path: Path, pythons: dict[str, tuple[int, int]], pyenv: dict[str, tuple[int, int]]) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("find", "sort"):  # all the finder needs from the system, besides the shell
        os.symlink(shutil.which(tool) or f"/usr/bin/{tool}", bin_dir / tool)
    for name, version in pythons.items():
        _fake_python(bin_dir, name, version)
    pyenv_root = tmp_path / "pyenv"
    for release, version in pyenv.items():
        (pyenv_root / "versions" / release / "bin").mkdir(parents=True)
        _fake_python(pyenv_root / "versions" / release / "bin", "python3", version)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "PYENV_ROOT": str(pyenv_root)}
    done = subprocess.run(
        ["/bin/bash", str(FINDER)], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


@pytest.mark.parametrize(
    ("pythons", "pyenv", "expected"),
    [
        # python3 is 3.11 (as on Debian 12), python3.12 is on PATH
        ({"python3": (3, 11), "python3.12": (3, 12)}, {}, "bin/python3.12"),
        ({"python3.13": (3, 13), "python3.12": (3, 12)}, {}, "bin/python3.12"),
        # only pyenv has one: the newest 3.12/3.13 release, by version and not by text
        (
            {"python3": (3, 11)},
            {"3.11.7": (3, 11), "3.12.9": (3, 12), "3.12.10": (3, 12)},
            "3.12.10/bin/python3",
        ),
        ({"python3": (3, 11)}, {"3.12.1": (3, 12), "3.13.0": (3, 13)}, "3.12.1/bin/python3"),
        ({"python3": (3, 11)}, {"3.13.0": (3, 13)}, "3.13.0/bin/python3"),
        # python3 itself is new enough
        ({"python3": (3, 14)}, {}, "bin/python3"),
        # nothing but 3.11: nothing found, and the Makefile stops with its message
        ({"python3": (3, 11), "python3.11": (3, 11)}, {"3.11.7": (3, 11)}, ""),
    ],
)
def test_the_finder_picks_a_python_new_enough(
    tmp_path: Path, pythons: dict[str, tuple[int, int]], pyenv: dict[str, tuple[int, int]], expected: str
) -> None:
    found = _find(tmp_path, pythons, pyenv)
    if expected:
        assert found.endswith(expected), found
    else:
        assert found == ""
