"""Sign-in by API, sessions, lockout, /me, and API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from store.app import create_app
from store.db import models as m
from tests.conftest import serve
from tests.factories import PASSWORD, api_login, make_token, make_user


async def test_login_sets_a_hardened_session_cookie_and_me_answers(client, db) -> None:
    user = await make_user(db, "city_staff", "440300", username="sz_staff")
    response = await client.post("/api/v1/auth/login", json={"username": "sz_staff", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "store_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    me = (await client.get("/api/v1/me")).json()
    assert me["username"] == "sz_staff"
    assert me["role"] == "city_staff"
    assert me["region"]["code"] == "440300"
    assert me["id"] == user.id
    # The database keeps only a hash of the cookie value.
    secret = client.cookies.get("store_session")
    stored = await db.scalar(select(m.UserSession.id))
    assert stored and stored != secret and len(stored) == 64


async def test_wrong_password_is_401_with_a_clear_message(client, db) -> None:
    await make_user(db, username="someone")
    response = await client.post(
        "/api/v1/auth/login", json={"username": "someone", "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    unknown = await client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "wrong-password"}
    )
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == response.json()["error"]["message"]


async def test_repeated_failures_lock_the_account(client, db) -> None:
    await make_user(db, username="target")
    for _ in range(5):
        response = await client.post(
            "/api/v1/auth/login", json={"username": "target", "password": "bad-password!"}
        )
        assert response.status_code == 401
    # Locked now: even the right password is refused for a while.
    locked = await client.post("/api/v1/auth/login", json={"username": "target", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_requests"
    # Once the lock has passed, the right password works again.
    await db.execute(update(m.User).values(locked_until=m.utcnow() - timedelta(seconds=1)))
    await db.commit()
    assert (
        await client.post("/api/v1/auth/login", json={"username": "target", "password": PASSWORD})
    ).status_code == 200


async def test_disabled_user_cannot_sign_in(client, db) -> None:
    user = await make_user(db, username="gone")
    await db.execute(update(m.User).where(m.User.id == user.id).values(is_active=False))
    await db.commit()
    response = await client.post("/api/v1/auth/login", json={"username": "gone", "password": PASSWORD})
    assert response.status_code == 401


async def test_logout_ends_the_session_server_side(client, db) -> None:
    await make_user(db, username="leaver")
    await api_login(client, "leaver")
    stolen = client.cookies.get("store_session")
    assert (await client.post("/api/v1/auth/logout", json={})).status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 401
    # Replaying the old cookie does not bring the session back.
    client.cookies.set("store_session", stolen)
    assert (await client.get("/api/v1/me")).status_code == 401
    assert await db.scalar(select(func.count()).select_from(m.UserSession)) == 0


async def test_sessions_survive_a_restart_and_work_across_app_instances(client, db, settings) -> None:
    await make_user(db, username="persistent")
    await api_login(client, "persistent")
    cookie = client.cookies.get("store_session")
    second_worker = create_app(settings)  # a fresh process: new engine, nothing in memory
    try:
        async with serve(second_worker) as other:
            other.cookies.set("store_session", cookie)
            me = await other.get("/api/v1/me")
            assert me.status_code == 200
            assert me.json()["username"] == "persistent"
    finally:
        await second_worker.state["engine"].dispose()


async def test_expired_session_is_refused(client, db) -> None:
    await make_user(db, username="sleepy")
    await api_login(client, "sleepy")
    await db.execute(update(m.UserSession).values(expires_at=m.utcnow() - timedelta(minutes=1)))
    await db.commit()
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_token_lifecycle_create_use_list_revoke(client, other_client, db) -> None:
    await make_user(db, "city_staff", "441400", username="mz_ci")
    await api_login(client, "mz_ci")
    created = await client.post("/api/v1/tokens", json={"name": "release pipeline", "expires_in_days": 30})
    assert created.status_code == 201
    secret = created.json()["secret"]
    token_id = created.json()["token"]["id"]
    assert secret.startswith("yfy_")
    # The secret is stored only as a hash and never listed again.
    listed = (await client.get("/api/v1/tokens")).json()
    assert [t["name"] for t in listed] == ["release pipeline"]
    assert "secret" not in listed[0]
    assert await db.scalar(select(func.count()).where(m.ApiToken.token_hash == secret)) == 0
    # A script uses it with no cookie, and acts with the user's role and region.
    me = await other_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json()["region"]["code"] == "441400"
    assert (await client.get("/api/v1/tokens")).json()[0]["last_used_at"] is not None
    # Revoked: refused at once.
    assert (await client.delete(f"/api/v1/tokens/{token_id}")).status_code == 200
    refused = await other_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


async def test_expired_token_is_refused(client, db) -> None:
    user = await make_user(db, username="expiring")
    secret = await make_token(db, user, days=1)
    await db.execute(update(m.ApiToken).values(expires_at=m.utcnow() - timedelta(seconds=1)))
    await db.commit()
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


async def test_malformed_authorization_header_is_401(client) -> None:
    for header in ("Basic abc", "Bearer ", "Bearer yfy_not-a-real-token"):
        response = await client.get("/api/v1/regions", headers={"Authorization": header})
        assert response.status_code == 401, header


async def test_a_user_cannot_revoke_someone_elses_token(client, db) -> None:
    owner = await make_user(db, username="owner")
    await make_user(db, username="intruder")
    await make_token(db, owner)
    token_id = await db.scalar(select(m.ApiToken.id))
    await api_login(client, "intruder")
    assert (await client.delete(f"/api/v1/tokens/{token_id}")).status_code == 404
    assert await db.scalar(select(m.ApiToken.revoked_at)) is None


async def test_token_requests_are_validated(client, db) -> None:
    await make_user(db, username="validator")
    await api_login(client, "validator")
    assert (await client.post("/api/v1/tokens", json={"name": ""})).status_code == 400
    assert (await client.post("/api/v1/tokens", json={"name": "x" * 101})).status_code == 400
    assert (await client.post("/api/v1/tokens", json={"name": "ok", "expires_in_days": 0})).status_code == 400
    assert (
        await client.post("/api/v1/tokens", json={"name": "ok", "expires_in_days": "ten"})
    ).status_code == 400
    assert (await client.post("/api/v1/tokens", json={"name": "   "})).status_code == 422
    assert (await client.get("/api/v1/tokens")).json() == []


async def test_token_api_needs_a_signed_in_user(client) -> None:
    assert (await client.get("/api/v1/tokens")).status_code == 401
    assert (await client.post("/api/v1/tokens", json={"name": "x"})).status_code == 401


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", '{"username": "csrf_victim", "password": "correct horse battery"}'),
        ("application/x-www-form-urlencoded", "username=csrf_victim&password=correct+horse+battery"),
        ("multipart/form-data; boundary=x", "--x--"),
        (None, '{"username": "csrf_victim", "password": "correct horse battery"}'),
    ],
)
async def test_login_refuses_anything_but_json(client, db, content_type, body) -> None:
    """A cross-site form can send these without a CORS preflight: that is login CSRF."""
    await make_user(db, username="csrf_victim")
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/api/v1/auth/login", content=body, headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert "store_session" not in response.headers.get("set-cookie", "")
    assert await db.scalar(select(func.count()).select_from(m.UserSession)) == 0


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("http://testserver.local", 200),
        ("http://testserver.local:80", 200),
        ("https://attacker.example", 403),
        ("http://testserver.local.attacker.example", 403),
        ("http://testserver.local:8080", 403),
        ("null", 403),
    ],
)
async def test_login_checks_the_origin_when_a_browser_sends_one(client, db, origin, status) -> None:
    await make_user(db, username="origin_user")
    response = await client.post(
        "/api/v1/auth/login",
        json={"username": "origin_user", "password": PASSWORD},
        headers={"Origin": origin},
    )
    assert response.status_code == status, response.text
    sessions = await db.scalar(select(func.count()).select_from(m.UserSession))
    assert sessions == (1 if status == 200 else 0)


async def test_an_unknown_username_locks_like_a_real_one(client, db, settings) -> None:
    """The lockout must not tell which usernames exist: same statuses, same messages."""
    await make_user(db, username="exists_here")
    unknown = "nobody_here"
    answers: dict[str, list[tuple[int, str]]] = {}
    for username in ("exists_here", unknown):
        answers[username] = []
        for _ in range(settings.auth.login_max_failures + 2):
            response = await client.post(
                "/api/v1/auth/login", json={"username": username, "password": "not-the-password"}
            )
            answers[username].append((response.status_code, response.json()["error"]["message"]))
    assert answers["exists_here"] == answers[unknown]
    assert [status for status, _ in answers[unknown]] == [401] * settings.auth.login_max_failures + [429] * 2


async def test_unknown_usernames_are_counted_in_the_database_for_every_worker(client, db, settings) -> None:
    """A second app instance (another worker) sees the same count; only a hash of the name is kept."""
    failures = settings.auth.login_max_failures
    second = create_app(settings)
    async with serve(second) as other_worker:
        for attempt in range(failures):
            worker = client if attempt % 2 else other_worker
            response = await worker.post(
                "/api/v1/auth/login", json={"username": "ghost", "password": "wrong-pw"}
            )
            assert response.status_code == 401
        locked = await client.post("/api/v1/auth/login", json={"username": "ghost", "password": "wrong-pw"})
        assert locked.status_code == 429
    await second.state["engine"].dispose()
    rows = (await db.execute(select(m.LoginThrottle))).scalars().all()
    assert [(row.failed_logins, row.locked_until is not None) for row in rows] == [(failures, True)]
    assert rows[0].name_sha256 != "ghost" and len(rows[0].name_sha256) == 64


async def test_a_success_clears_the_count(client, db, settings) -> None:
    await make_user(db, username="forgetful")
    for _ in range(settings.auth.login_max_failures - 1):
        wrong = await client.post(
            "/api/v1/auth/login", json={"username": "forgetful", "password": "nope-nope"}
        )
        assert wrong.status_code == 401
    assert (await api_login_status(client, "forgetful", PASSWORD)) == 200
    for _ in range(settings.auth.login_max_failures - 1):
        assert (await api_login_status(client, "forgetful", "nope-nope")) == 401
    assert (await api_login_status(client, "forgetful", PASSWORD)) == 200


async def api_login_status(client, username: str, password: str) -> int:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return response.status_code
