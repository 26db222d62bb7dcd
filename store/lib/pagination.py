"""Page numbers for lists: bounded, so a crafted ``?per_page=10**9`` cannot load the whole table
and ``?page=9223372036854775807`` cannot overflow the database's OFFSET.

Handlers declare ``page: PageNumber = 1`` and ``per_page: int = items_per_page(20, maximum=100)``;
values outside the bounds are refused with a 400 that names the parameter, before the handler runs.

Services answer a page as advanced-alchemy's ``OffsetPagination`` (``paginate``); the API keeps
its own shape (``PageOut``: ``items``, ``total``, ``page``, ``per_page``) and pages show a ``Page``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Self, TypeVar

import msgspec
from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import OffsetPagination
from litestar.params import Parameter
from sqlalchemy import Select

MAX_PAGE = 10_000  # far past any real list; (page - 1) * per_page stays small for every database

PageNumber = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
ModelT = TypeVar("ModelT")


def items_per_page(default: int, *, maximum: int) -> Any:
    """The ``per_page`` query parameter: ``default`` items, at most ``maximum``."""
    return Parameter(default=default, ge=1, le=maximum, description=f"Items per page, 1 to {maximum}.")


async def paginate(
    repository: SQLAlchemyAsyncRepository[Any], statement: Select[tuple[ModelT]], *, page: int, per_page: int
) -> OffsetPagination[ModelT]:
    """Page ``page`` of ``statement`` (which carries its order) and the number of all its rows."""
    offset = (page - 1) * per_page
    items, total = await repository.get_many_and_count(
        LimitOffset(limit=per_page, offset=offset),
        statement=statement,
        # A count query, not a window function: that one reports 0 for a page past the end.
        count_with_window_function=False,
    )
    return OffsetPagination(items=items, limit=per_page, offset=offset, total=total)


class PageOut(msgspec.Struct):
    """A page of a list as the API answers it; each list's schema narrows ``items`` to its own
    ``…Out`` (a redeclared field keeps its place, so ``items`` stays first)."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @classmethod
    def of(cls, found: OffsetPagination[ModelT], item: Callable[[ModelT], Any]) -> Self:
        """The page ``paginate`` found, each row shown as ``item(row)``."""
        return cls(
            items=[item(row) for row in found.items],
            total=found.total,
            page=found.offset // found.limit + 1,
            per_page=found.limit,
        )


@dataclass(frozen=True)
class Page:
    """A page of a list as the templates show it (numbers and links)."""

    number: int
    per_page: int
    total: int

    @classmethod
    def of(cls, found: OffsetPagination[Any]) -> Page:
        return cls(found.offset // found.limit + 1, found.limit, found.total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages
