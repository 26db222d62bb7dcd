"""The province and its 21 prefecture-level cities (GB/T 2260), as in shared/DOMAIN.md.

Migration 0001 froze its own copy of these rows; tests check the two still agree. Never edited at
run time. ``PROVINCE_CODE`` is the region provincial staff belong to.
"""

from __future__ import annotations

from typing import NamedTuple

PROVINCE_CODE = "440000"


class CitySeed(NamedTuple):
    code: str
    name: str
    name_en: str
    zone: str  # a store.db.models.Zone value


CITIES: tuple[CitySeed, ...] = (
    CitySeed("440100", "广州", "Guangzhou", "core"),
    CitySeed("440200", "韶关", "Shaoguan", "north"),
    CitySeed("440300", "深圳", "Shenzhen", "core"),
    CitySeed("440400", "珠海", "Zhuhai", "core"),
    CitySeed("440500", "汕头", "Shantou", "east_wing"),
    CitySeed("440600", "佛山", "Foshan", "core"),
    CitySeed("440700", "江门", "Jiangmen", "core"),
    CitySeed("440800", "湛江", "Zhanjiang", "west_wing"),
    CitySeed("440900", "茂名", "Maoming", "west_wing"),
    CitySeed("441200", "肇庆", "Zhaoqing", "core"),
    CitySeed("441300", "惠州", "Huizhou", "core"),
    CitySeed("441400", "梅州", "Meizhou", "north"),
    CitySeed("441500", "汕尾", "Shanwei", "east_wing"),
    CitySeed("441600", "河源", "Heyuan", "north"),
    CitySeed("441700", "阳江", "Yangjiang", "west_wing"),
    CitySeed("441800", "清远", "Qingyuan", "north"),
    CitySeed("441900", "东莞", "Dongguan", "core"),
    CitySeed("442000", "中山", "Zhongshan", "core"),
    CitySeed("445100", "潮州", "Chaozhou", "east_wing"),
    CitySeed("445200", "揭阳", "Jieyang", "east_wing"),
    CitySeed("445300", "云浮", "Yunfu", "north"),
)
