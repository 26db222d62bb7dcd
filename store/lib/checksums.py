"""The commands that check a downloaded file against its SHA-256, with the real file name filled in
and quoted for each system's shell. Windows comes first: most of the store's users are on Windows
desktops, where ``certutil`` (Command Prompt) and ``Get-FileHash`` (PowerShell) are built in.

File names are already safe (``filenames.sanitize``: no ``"``, no slashes, no control
characters), but may hold spaces, quotes or brackets, so each command quotes the name the way its
shell needs when it holds anything but letters, digits and ``._+-@``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

System = Literal["cmd", "powershell", "linux", "macos"]
_PLAIN = frozenset("._+-@")


@dataclass(frozen=True)
class Command:
    system: System  # the template names it in the page's language
    text: str


def _plain(name: str) -> bool:
    return all(char.isalnum() or char in _PLAIN for char in name)


def _cmd(name: str) -> str:
    # Command Prompt: double quotes, which a sanitized name never holds.
    return name if _plain(name) else f'"{name}"'


def _powershell(name: str) -> str:
    # Single quotes take everything literally but themselves, written twice.
    return name if _plain(name) else "'" + name.replace("'", "''") + "'"


def _posix(name: str) -> str:
    # sh/bash/zsh: single quotes; a single quote ends them, is escaped, and they start again.
    return name if _plain(name) else "'" + name.replace("'", "'\\''") + "'"


def verify_commands(filename: str) -> list[Command]:
    """The commands printing ``filename``'s SHA-256, Windows first."""
    # -Path reads [ and ] as a wildcard pattern; -LiteralPath takes the name as it is.
    path = "-LiteralPath " if "[" in filename or "]" in filename else ""
    return [
        Command("cmd", f"certutil -hashfile {_cmd(filename)} SHA256"),
        Command("powershell", f"Get-FileHash {path}{_powershell(filename)} -Algorithm SHA256"),
        Command("linux", f"sha256sum {_posix(filename)}"),
        Command("macos", f"shasum -a 256 {_posix(filename)}"),
    ]
