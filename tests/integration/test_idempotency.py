"""Idempotency-Key: a retry gets the first answer; the same key on a different request is refused
and changes nothing; parallel requests with one key do the work once."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from store.db import models as m
from tests.conftest import serve
from tests.factories import app_payload, auth_headers, make_user, upload
from tests.factories import create_app as create_catalog_app


@pytest.fixture
async def shenzhen(db) -> dict[str, str]:
    return await auth_headers(db, await make_user(db, "city_staff", "440300", username="idem_sz"))


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def stored_files(settings) -> list:
    root = settings.storage.local_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def records(db) -> list[m.IdempotencyRecord]:
    await db.commit()
    return list(await db.scalars(select(m.IdempotencyRecord).order_by(m.IdempotencyRecord.id)))


async def test_a_key_reused_for_another_file_is_422_and_stores_nothing(
    client, db, settings, shenzhen
) -> None:
    slug = (await create_catalog_app(client, shenzhen))["slug"]
    headers = keyed(shenzhen, "release-1.0.0")
    one = b"the first package"
    first = await upload(
        client, headers, slug, content=one, filename="one.zip", sha256=hashlib.sha256(one).hexdigest()
    )
    assert first.status_code == 201
    [before] = await records(db)
    files_before = stored_files(settings)

    two = b"a different package"
    second = await upload(
        client, headers, slug, content=two, filename="two.zip", sha256=hashlib.sha256(two).hexdigest()
    )
    assert second.status_code == 422
    assert second.json()["error"]["code"] == "idempotency_key_reused"
    assert "idempotent-replayed" not in second.headers
    # two.zip was not stored, and one.zip's record is as it was.
    await db.commit()
    assert list(await db.scalars(select(m.Artifact.filename))) == ["one.zip"]
    assert stored_files(settings) == files_before
    [after] = await records(db)
    assert (after.id, after.fingerprint, after.status_code, after.body) == (
        before.id,
        before.fingerprint,
        before.status_code,
        before.body,
    )


async def test_same_name_and_length_but_another_declared_sha256_is_another_request(
    client, db, shenzhen
) -> None:
    slug = (await create_catalog_app(client, shenzhen))["slug"]
    headers = keyed(shenzhen, "k")
    assert (
        await upload(client, headers, slug, content=b"aaaa", sha256=hashlib.sha256(b"aaaa").hexdigest())
    ).status_code == 201
    again = await upload(client, headers, slug, content=b"bbbb", sha256=hashlib.sha256(b"bbbb").hexdigest())
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "idempotency_key_reused"
    other_kind = await upload(client, headers, slug, content=b"aaaa", kind="docs")  # the query differs
    assert other_kind.status_code == 422


async def test_a_retried_upload_is_replayed_not_stored_twice(client, db, settings, shenzhen) -> None:
    slug = (await create_catalog_app(client, shenzhen))["slug"]
    headers = keyed(shenzhen, "retry-me")
    content = b"package bytes"
    sha = hashlib.sha256(content).hexdigest()
    first = await upload(client, headers, slug, content=content, sha256=sha)
    again = await upload(client, headers, slug, content=content, sha256=sha)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len(stored_files(settings)) == 1


async def test_a_key_reused_for_another_app_is_422_and_creates_nothing(client, db, shenzhen) -> None:
    headers = keyed(shenzhen, "create-app")
    first = await client.post("/api/v1/apps", json=app_payload(slug="first-app"), headers=headers)
    assert first.status_code == 201
    second = await client.post("/api/v1/apps", json=app_payload(slug="second-app"), headers=headers)
    assert second.status_code == 422
    assert second.json()["error"]["code"] == "idempotency_key_reused"
    await db.commit()
    assert list(await db.scalars(select(m.App.slug))) == ["first-app"]
    # The first request, sent again, is still answered from the record.
    replayed = await client.post("/api/v1/apps", json=app_payload(slug="first-app"), headers=headers)
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == first.json()


async def test_the_fingerprint_is_stored_as_a_hash(client, db, shenzhen) -> None:
    await client.post("/api/v1/apps", json=app_payload(slug="hashed"), headers=keyed(shenzhen, "h"))
    [record] = await records(db)
    assert len(record.fingerprint) == 64
    assert int(record.fingerprint, 16) >= 0
    assert "/api/" not in record.fingerprint


async def test_a_failed_request_gives_its_key_back(client, db, settings, shenzhen) -> None:
    slug = (await create_catalog_app(client, shenzhen))["slug"]
    # An upload fails after its claim was committed (the announced SHA-256 is wrong)...
    headers = keyed(shenzhen, "will-fail-first")
    bad = await upload(client, headers, slug, content=b"bytes", sha256="0" * 64)
    assert bad.status_code == 422
    assert await records(db) == []
    # ...so a retry with the same key, now right, does the work.
    good = await upload(client, headers, slug, content=b"bytes", sha256=hashlib.sha256(b"bytes").hexdigest())
    assert good.status_code == 201
    assert "idempotent-replayed" not in good.headers
    # The same for a refused app creation (nothing was committed there).
    create = keyed(shenzhen, "create-later")
    refused = await client.post("/api/v1/apps", json=app_payload(slug="x"), headers=create)
    assert refused.status_code in (400, 422)
    created = await client.post("/api/v1/apps", json=app_payload(slug="created-later"), headers=create)
    assert created.status_code == 201


async def test_keys_belong_to_their_user(client, db, shenzhen) -> None:
    guangzhou = await auth_headers(db, await make_user(db, "city_staff", "440100", username="idem_gz"))
    mine = await client.post("/api/v1/apps", json=app_payload(slug="mine"), headers=keyed(shenzhen, "k"))
    theirs = await client.post("/api/v1/apps", json=app_payload(slug="theirs"), headers=keyed(guangzhou, "k"))
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["slug"] == "theirs"


async def _at_once(app: Any, count: int, request: Any) -> list[httpx.Response]:
    async def one() -> httpx.Response:
        async with serve(app) as own_client:
            return await request(own_client)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def test_parallel_requests_with_one_key_create_one_app(app, client, db, shenzhen) -> None:
    headers = keyed(shenzhen, "parallel-create")
    answers = await _at_once(
        app, 4, lambda c: c.post("/api/v1/apps", json=app_payload(slug="only-once"), headers=headers)
    )
    done = [r for r in answers if r.status_code == 201]
    assert done, [r.text for r in answers]
    assert all(r.json() == done[0].json() for r in done)
    assert sum("idempotent-replayed" not in r.headers for r in done) == 1
    busy = [r for r in answers if r.status_code != 201]
    assert all(r.status_code == 409 and r.json()["error"]["code"] == "idempotency_key_in_use" for r in busy)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.App)) == 1


async def test_parallel_uploads_with_one_key_store_one_file(app, client, db, settings, shenzhen) -> None:
    slug = (await create_catalog_app(client, shenzhen))["slug"]
    headers = keyed(shenzhen, "parallel-upload")
    content = b"x" * 200_000
    answers = await _at_once(app, 4, lambda c: upload(c, headers, slug, "1.0.0", content))
    assert {r.status_code for r in answers} <= {201, 409}, [r.text for r in answers]
    done = [r for r in answers if r.status_code == 201]
    assert sum("idempotent-replayed" not in r.headers for r in done) == 1
    for busy in (r for r in answers if r.status_code == 409):
        assert busy.json()["error"]["code"] == "idempotency_key_in_use"
    assert len(stored_files(settings)) == 1
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.Artifact)) == 1
    # Once the first has answered, a retry gets its answer.
    retry = await upload(client, headers, slug, "1.0.0", content)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"


async def test_parallel_different_requests_with_one_key_do_one_of_them(app, client, db, shenzhen) -> None:
    headers = keyed(shenzhen, "contested")

    async def create(client: httpx.AsyncClient, slug: str) -> httpx.Response:
        return await client.post("/api/v1/apps", json=app_payload(slug=slug), headers=headers)

    async def in_own_client(slug: str) -> httpx.Response:
        async with serve(app) as own_client:
            return await create(own_client, slug)

    answers = await asyncio.gather(in_own_client("contested-a"), in_own_client("contested-b"))
    assert sorted(r.status_code for r in answers)[0] == 201
    loser = max(answers, key=lambda r: r.status_code)
    assert (loser.status_code, loser.json()["error"]["code"]) in {
        (409, "idempotency_key_in_use"),
        (422, "idempotency_key_reused"),
    }
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.App)) == 1
