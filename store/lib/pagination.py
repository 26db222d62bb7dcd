"""Page numbers for lists: bounded, so a crafted ``?per_page=10**9`` cannot load the whole table."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BadRequest
from .i18n import _


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def check_page(page: int, per_page: int, max_per_page: int = 100) -> None:
    if page < 1 or not 1 <= per_page <= max_per_page:
        raise BadRequest(_("page must be at least 1 and per_page between 1 and %(max)s."), max=max_per_page)
