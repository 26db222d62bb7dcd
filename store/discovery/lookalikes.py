"""Published apps that look like a given one: the "similar apps" of an app page, and the
duplicate check (查重) of the app form, the submit page, the reviewer's screen and the API.

The search service says which apps match and in what order; ``catalog.listing.listed`` pairs
each hit with its row, which adds the publishing department (not in the index) and leaves out an
app that is no longer public, should the index not have caught up with it yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from search.service import Search
from search.types import Hit
from store.catalog.listing import highlighted, listed
from store.db import models as m


@dataclass(frozen=True)
class Lookalike:
    """A published (or deprecated) app found for another one, with its publisher."""

    hit: Hit
    department: str
    status: str  # from the database, which the index may lag

    @property
    def deprecated(self) -> bool:
        return self.status == m.AppStatus.DEPRECATED

    @property
    def name_html(self) -> Markup:
        return highlighted(self.hit.name_html)

    @property
    def summary_html(self) -> Markup:
        return highlighted(self.hit.summary_html)


def similarity_text(app: m.App) -> str:
    """What "similar" is measured on: the app's tags, name and summary. The tags come first
    because the engines relax a query from its end and always keep its first word (Meilisearch's
    ``matchingStrategy: last``, and the same on the database): the first word should be what the
    app is about (医保), not the first word of its name (智慧 in 智慧医保结算平台)."""
    return " ".join([*app.tags, app.name, app.summary])


async def list_similar(search: Search, session: AsyncSession, app: m.App) -> list[Lookalike]:
    """Published apps similar to ``app``, the app itself left out."""
    return await _with_publishers(session, await search.similar(session, app.id, similarity_text(app)))


async def list_duplicates(
    search: Search, session: AsyncSession, name: str, summary: str, *, exclude_id: int | None = None
) -> list[Lookalike]:
    """Published apps that look like the same thing as ``name``/``summary``; nothing when both
    are empty. ``exclude_id`` is the app being edited, submitted or reviewed."""
    hits = await search.duplicates(session, name, summary, exclude_id=exclude_id)
    return await _with_publishers(session, hits)  # the search already left exclude_id out


async def _with_publishers(session: AsyncSession, hits: Sequence[Hit]) -> list[Lookalike]:
    return [Lookalike(item.hit, item.app.department, item.app.status) for item in await listed(session, hits)]
