"""API shapes for regions."""

from __future__ import annotations

from typing import Annotated

import msgspec

from store.db import models as m
from store.lib.pagination import PageOut
from store.lib.schemas import from_attributes


class RegionOut(msgspec.Struct):
    code: str
    name: str
    name_en: str
    level: str
    parent_code: str | None
    zone: str | None
    is_east_west_north: bool

    @classmethod
    def of(cls, region: m.Region) -> RegionOut:
        return from_attributes(cls, region)


class RegionPageOut(PageOut):
    items: list[RegionOut]


class DistrictCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=6)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    parent_code: Annotated[str, msgspec.Meta(min_length=1, max_length=6)]
    name_en: Annotated[str, msgspec.Meta(max_length=100)] = ""
