"""Human names for stored codes ("draft", "core", "city_staff"), looked up by group.

Each feature declares the groups it owns as message ids (``catalog/labels.py``,
``regions/labels.py``, ``accounts/labels.py``); ``create_app`` hands them all to the template
engine, whose ``label(group, code)`` is then the one way pages name a code.
"""

from __future__ import annotations

from collections.abc import Mapping

from .i18n import gettext

LabelGroups = Mapping[str, Mapping[str, str]]  # group -> code -> English msgid


class LabelBook:
    """``label(group, code)``: the translated name of ``code``; the code itself if unknown."""

    def __init__(self, *groups: LabelGroups) -> None:
        self.groups: dict[str, Mapping[str, str]] = {}
        for declared in groups:
            for group, names in declared.items():
                if group in self.groups:
                    raise ValueError(f"label group {group!r} is declared twice")
                self.groups[group] = names

    def __call__(self, group: str, code: str | None) -> str:
        if code is None:
            return ""
        message = self.groups.get(group, {}).get(code)
        return gettext(message) if message else code
