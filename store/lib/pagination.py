"""Page numbers for lists: bounded, so a crafted ``?per_page=10**9`` cannot load the whole table
and ``?page=9223372036854775807`` cannot overflow the database's OFFSET.

Handlers declare ``page: PageNumber = 1`` and ``per_page: int = items_per_page(20, maximum=100)``;
values outside the bounds are refused with a 400 that names the parameter, before the handler runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar.params import Parameter

MAX_PAGE = 10_000  # far past any real list; (page - 1) * per_page stays small for every database

PageNumber = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Page number, from 1.")]


def items_per_page(default: int, *, maximum: int) -> Any:
    """The ``per_page`` query parameter: ``default`` items, at most ``maximum``."""
    return Parameter(default=default, ge=1, le=maximum, description=f"Items per page, 1 to {maximum}.")


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
