"""Bad input gets a clear 4xx in the JSON error shape, and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from store.db import models as m
from tests.factories import api_login, auth_headers, csrf_token, make_user, page_login, upload
from tests.factories import create_app as create_catalog_app


async def _count_users(db) -> int:
    await db.commit()
    return await db.scalar(select(func.count()).select_from(m.User))


@pytest.fixture
async def admin_client(client, db):
    await make_user(db, "province_admin", username="root_admin")
    await api_login(client, "root_admin")
    return client


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'{"username": "a", "role": "city_staff", "password": 12345678901}', "application/json"),
        (
            b'{"username": "' + b"u" * 65 + b'", "role": "city_staff", "password": "long-enough-pw"}',
            "application/json",
        ),
        (
            b'{"username": "ok_name", "role": "city_staff", "password": "long-enough-pw", "admin": true}',
            "application/json",
        ),
    ],
    ids=["malformed", "empty", "wrong-shape", "wrong-type", "too-long", "unknown-field"],
)
async def test_malformed_requests_are_400_and_create_nothing(
    admin_client, db, body: bytes, content_type: str
) -> None:
    before = await _count_users(db)
    response = await admin_client.post("/api/v1/users", content=body, headers={"content-type": content_type})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"]
    assert "Traceback" not in response.text
    assert await _count_users(db) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"username": "sz_new", "role": "city_staff", "password": "long-enough-pw", "region": "999999"},
            "region",
        ),
        ({"username": "sz_new", "role": "city_staff", "password": "long-enough-pw"}, "region"),
        (
            {"username": "sz_new", "role": "city_staff", "password": "long-enough-pw", "region": "440000"},
            "region",
        ),
        ({"username": "sz_new", "role": "emperor", "password": "long-enough-pw"}, "role"),
        ({"username": "bad name!", "role": "province_reviewer", "password": "long-enough-pw"}, "username"),
        ({"username": "sz_new", "role": "province_reviewer", "password": "short"}, "password"),
    ],
)
async def test_semantic_errors_are_422_with_the_field_named(admin_client, db, payload, field) -> None:
    before = await _count_users(db)
    response = await admin_client.post("/api/v1/users", json=payload)
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert field in [d["field"] for d in details]
    assert all(d["message"] for d in details)
    assert await _count_users(db) == before


async def test_duplicate_username_is_409(admin_client, db) -> None:
    payload = {"username": "twin", "role": "province_reviewer", "password": "long-enough-pw"}
    assert (await admin_client.post("/api/v1/users", json=payload)).status_code == 201
    response = await admin_client.post("/api/v1/users", json=payload)
    assert response.status_code == 409
    assert "twin" in response.json()["error"]["message"]


async def test_region_pattern_is_checked_by_the_schema(admin_client) -> None:
    payload = {"username": "patterned", "role": "city_staff", "password": "long-enough-pw", "region": "44030"}
    response = await admin_client.post("/api/v1/users", json=payload)
    assert response.status_code == 400
    assert response.json()["error"]["details"]


async def test_patch_validates_and_rolls_back(admin_client, db) -> None:
    user = await make_user(db, "city_staff", "440300", username="patched")
    response = await admin_client.patch(
        f"/api/v1/users/{user.id}", json={"region": "999999", "display_name": "新名"}
    )
    assert response.status_code == 422
    await db.refresh(user)
    assert user.region_code == "440300"
    assert user.display_name != "新名"
    ok = await admin_client.patch(
        f"/api/v1/users/{user.id}", json={"region": "441400", "display_name": "新名"}
    )
    assert ok.status_code == 200
    assert ok.json()["region"]["code"] == "441400"
    assert (await admin_client.patch("/api/v1/users/999999", json={"display_name": "x"})).status_code == 404


async def test_error_messages_follow_the_language(client) -> None:
    chinese = await client.get("/api/v1/me")
    assert chinese.json()["error"]["message"] == "请先登录。"
    english = await client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == "Please sign in first."


async def test_wrong_method_is_405_json(client) -> None:
    response = await client.put("/api/v1/regions/440300", json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


# -- fuzzing: page parameters, path ids, nesting and NUL on every route that takes them ---------------

BAD_PAGE_VALUES = ["0", "-1", "1.5", "abc", "1e20", "10001", "9223372036854775807", "99999999999999999999"]
OUT_OF_RANGE_IDS = ["0", "-1", "2147483648", "9223372036854775808", "99999999999999999999"]


def _routes(app: Litestar) -> list[tuple[str, str, Any]]:
    """(path template, method, handler) for every HTTP route of the app."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((route.path, method, handler))
    return found


def _fill(path: str, ids: str = "1") -> str:
    """A concrete path: int placeholders get ``ids``, region codes a city, the others a plausible
    word."""
    path = re.sub(r"\{[^}:]+:int\}", ids, path)
    path = re.sub(r"\{code:str\}", "440300", path)
    path = re.sub(r"\{file_path:path\}", "app.css", path)
    return re.sub(r"\{[^}]+\}", "some-app", path)


def _paged(app: Litestar) -> list[tuple[str, str]]:
    return [
        (path, name)
        for path, method, handler in _routes(app)
        if method == "GET"
        for name in ("page", "per_page")
        if name in handler.parsed_fn_signature.parameters
    ]


@pytest.fixture
async def admin_session(client, db):
    """A provincial admin signed in with a session cookie and holding the CSRF token: may open
    every list (users, review queue) and post every form."""
    await make_user(db, "province_admin", username="fuzz_admin")
    await api_login(client, "fuzz_admin")
    token = await csrf_token(client, "/account")
    return {"x-csrftoken": token, "accept": "application/json"}


async def test_every_paged_route_is_found(app) -> None:
    paths = {path for path, _name in _paged(app)}
    assert {"/apps", "/my-apps", "/admin/users", "/api/v1/apps", "/api/v1/regions", "/api/v1/users"} <= paths


async def test_page_parameters_out_of_bounds_are_400_on_every_route(app, admin_session, client) -> None:
    for path, name in _paged(app):
        for value in BAD_PAGE_VALUES:
            response = await client.get(path, params={name: value}, headers=admin_session)
            assert response.status_code == 400, (path, name, value, response.status_code, response.text[:300])
            error = response.json()["error"]
            assert name in [d["field"] for d in error["details"] or []] or name in error["message"], (
                path,
                value,
            )


async def test_the_last_allowed_page_is_an_empty_page_not_an_error(app, admin_session, client) -> None:
    for path, name in _paged(app):
        if name == "page":
            response = await client.get(_fill(path), params={"page": "10000"}, headers=admin_session)
            assert response.status_code == 200, (path, response.text[:300])


async def test_out_of_range_ids_are_404_on_every_route(app, admin_session, client) -> None:
    routes = [(p, m, h) for p, m, h in _routes(app) if ":int}" in p]
    assert len(routes) >= 10
    for path, method, _handler in routes:
        for value in OUT_OF_RANGE_IDS:
            url = _fill(path, value)
            response = await client.request(method, url, headers=admin_session)
            assert response.status_code == 404, (method, url, response.status_code, response.text[:300])
        # the largest id an INTEGER column holds is looked up like any other
        url = _fill(path, "2147483647")
        response = await client.request(method, url, headers=admin_session, json={})
        assert 400 <= response.status_code < 500, (method, url, response.status_code, response.text[:300])


@pytest.mark.parametrize(
    "url",
    [
        "/apps?page=9223372036854775807",
        "/api/v1/regions?page=1e20",
        "/screenshots/99999999999999999999",
        "/api/v1/artifacts/9223372036854775808/download",
    ],
)
async def test_the_reported_urls_are_clear_4xx(client, url: str) -> None:
    response = await client.get(url, headers={"accept": "application/json"})
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"]["message"]


async def test_deeply_nested_json_is_400_on_every_json_route(app, admin_session, client) -> None:
    routes = [(p, m) for p, m, h in _routes(app) if "data" in h.parsed_fn_signature.parameters and m != "GET"]
    assert len(routes) >= 10
    deep = b"[" * 10_000 + b"]" * 10_000
    for path, method in routes:
        response = await client.request(
            method, _fill(path), content=deep, headers={**admin_session, "content-type": "application/json"}
        )
        # guards may refuse first (403 for a role); nothing may fail inside
        assert 400 <= response.status_code < 500, (method, path, response.status_code, response.text[:300])
        assert response.json()["error"]["code"] in ("bad_request", "forbidden", "unauthorized", "not_found")
    anonymous = await client.post(
        "/api/v1/auth/login",
        content=b'{"username":' + deep + b"}",
        headers={"content-type": "application/json"},
    )
    assert anonymous.status_code == 400
    assert anonymous.json()["error"]["code"] == "bad_request"


async def test_nesting_up_to_the_limit_is_judged_by_the_schema(client) -> None:
    body = b'{"username": ' + b"[" * 31 + b"]" * 31 + b', "password": "x"}'
    response = await client.post(
        "/api/v1/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"  # a type error, not the depth limit


async def test_nul_in_a_json_field_is_422_naming_it_and_changes_nothing(client, db) -> None:
    headers = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_nul"))
    app = await create_catalog_app(client, headers)
    url = f"/api/v1/apps/{app['slug']}"
    before = (await client.get(url, headers=headers)).json()
    for body, field in [
        ({"name": "名字\x00"}, "name"),
        ({"tags": ["ok", "坏\x00"]}, "tags[1]"),
        ({"xinchuang": {"cpus": ["鲲鹏\x00"]}}, "xinchuang.cpus[0]"),
    ]:
        response = await client.patch(url, json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert [d["field"] for d in response.json()["error"]["details"]] == [field]
    assert (await client.get(url, headers=headers)).json() == before


async def test_nul_in_a_form_field_is_422_naming_it_and_changes_nothing(client, db) -> None:
    headers = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_nulform"))
    await create_catalog_app(client, headers, slug="nul-form-app")
    before = (await client.get("/api/v1/apps/nul-form-app", headers=headers)).json()
    await page_login(client, "sz_nulform")
    token = await csrf_token(client, "/apps/nul-form-app/edit")
    form = {"_csrf_token": token, "name": "名字\x00", "deployment_modes": "gov_cloud"}
    response = await client.post("/apps/nul-form-app/edit", data=form)
    assert response.status_code == 422
    assert "<strong>name</strong>" in response.text  # the error page names the field
    assert (await client.get("/api/v1/apps/nul-form-app", headers=headers)).json() == before


@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/v1/apps?q=%00", "q"), ("/api/v1/apps/a%00b", "slug"), ("/static/a%00.css", "file_path")],
)
async def test_nul_in_the_url_is_422_naming_the_parameter(client, url: str, field: str) -> None:
    response = await client.get(url, headers={"accept": "application/json"})
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["error"]["details"]] == [field]


async def test_nul_in_an_upload_file_name_is_refused_and_nothing_is_stored(client, db, settings) -> None:
    headers = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_nulfile"))
    app = await create_catalog_app(client, headers)
    root = settings.storage.local_dir
    before = sorted(root.rglob("*")) if root.exists() else []
    response = await upload(client, headers, app["slug"], filename="deploy\x00.exe.zip")
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["filename"]
    assert (sorted(root.rglob("*")) if root.exists() else []) == before
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.Artifact)) == 0


@pytest.mark.parametrize("filename", ["nul.txt", "CON", "a\u2215b.zip", "a\uff0fb.zip", "com1.tar.gz"])
async def test_unusable_upload_file_names_are_422(client, db, filename: str) -> None:
    headers = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_badname"))
    app = await create_catalog_app(client, headers)
    response = await upload(client, headers, app["slug"], filename=filename)
    assert response.status_code == 422, response.text
    assert "filename" in [d["field"] for d in response.json()["error"]["details"]]
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(m.Artifact)) == 0


async def test_invisible_characters_are_removed_from_upload_file_names(client, db) -> None:
    headers = await auth_headers(db, await make_user(db, "city_staff", "440300", username="sz_bidi"))
    app = await create_catalog_app(client, headers)
    response = await upload(client, headers, app["slug"], filename="report\u202e\u2060\ufeff.pdf")
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "report.pdf"


def _unbounded(kind: Any, where: str) -> list[str]:
    """Fields of a msgspec type that accept text or lists of any length."""
    from msgspec import inspect as mi

    if isinstance(kind, mi.StrType):
        return [] if kind.max_length is not None else [where]
    if isinstance(kind, mi.ListType):
        return ([] if kind.max_length is not None else [where]) + _unbounded(kind.item_type, f"{where}[]")
    if isinstance(kind, mi.UnionType):
        return [name for option in kind.types for name in _unbounded(option, where)]
    if isinstance(kind, mi.StructType):
        return [name for f in kind.fields for name in _unbounded(f.type, f"{where}.{f.name}")]
    if isinstance(kind, (mi.DictType, mi.AnyType)):
        return [where]
    return []


async def test_every_json_body_bounds_its_text_and_lists(app) -> None:
    from msgspec import inspect as mi

    bodies = {
        handler.parsed_fn_signature.parameters["data"].annotation
        for _path, _method, handler in _routes(app)
        if "data" in handler.parsed_fn_signature.parameters
    }
    assert len(bodies) >= 8
    unbounded = [name for body in bodies for name in _unbounded(mi.type_info(body), body.__name__)]
    assert unbounded == []
