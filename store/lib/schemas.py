"""Filling response schemas from rows: most fields of an ``…Out`` are the row's attribute of the
same name, so each schema says only what it computes."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

StructT = TypeVar("StructT", bound=msgspec.Struct)


def from_attributes(cls: type[StructT], row: object, **computed: Any) -> StructT:
    """An instance of ``cls``: each field from ``row``'s attribute of the same name, unless computed."""
    values = {
        name: computed[name] if name in computed else getattr(row, name) for name in cls.__struct_fields__
    }
    return cls(**values)
