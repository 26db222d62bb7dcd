"""Every paged list answers ``items``, ``total``, ``page`` and ``per_page``; a page past the end is
empty but still tells the total (a window-function count would say 0 there)."""

from __future__ import annotations

import pytest

from tests.factories import auth_headers, create_app, make_user

SEEDED_REGIONS = 22  # the province and its 21 cities


@pytest.mark.parametrize(("page", "items"), [(1, 10), (3, 2), (4, 0), (10_000, 0)])
async def test_regions_page_by_page(client, page: int, items: int) -> None:
    answer = (await client.get("/api/v1/regions", params={"page": page, "per_page": 10})).json()
    assert set(answer) == {"items", "total", "page", "per_page"}
    assert (len(answer["items"]), answer["total"], answer["page"], answer["per_page"]) == (
        items,
        SEEDED_REGIONS,
        page,
        10,
    )


async def test_users_and_apps_past_the_last_page_keep_their_total(client, db) -> None:
    admin = await make_user(db, "province_admin", username="page_admin")
    headers = await auth_headers(db, admin)
    users = (await client.get("/api/v1/users", params={"page": 5, "per_page": 1}, headers=headers)).json()
    assert users == {"items": [], "total": 1, "page": 5, "per_page": 1}
    publisher = await auth_headers(db, await make_user(db, "city_staff", "440300", username="page_sz"))
    await create_app(client, publisher)
    params = {"status": "all_mine", "page": 3, "per_page": 1}
    apps = (await client.get("/api/v1/apps", params=params, headers=publisher)).json()
    assert apps == {"items": [], "total": 1, "page": 3, "per_page": 1}
