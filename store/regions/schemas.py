"""API shapes for regions."""

from __future__ import annotations

from typing import Annotated

import msgspec

from store.db import models as m


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
        return cls(
            code=region.code,
            name=region.name,
            name_en=region.name_en,
            level=region.level,
            parent_code=region.parent_code,
            zone=region.zone,
            is_east_west_north=region.is_east_west_north,
        )


class RegionPageOut(msgspec.Struct):
    items: list[RegionOut]
    total: int
    page: int
    per_page: int


class DistrictCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=6)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    parent_code: Annotated[str, msgspec.Meta(min_length=1, max_length=6)]
    name_en: Annotated[str, msgspec.Meta(max_length=100)] = ""
