"""The health check — the site's one API route (its pages are in pages.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@get("/health", name="health", tags=["site"], summary="State of the store and each dependency")
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    engine: AsyncEngine = request.app.state["engine"]
    checks: dict[str, dict[str, str]] = {}
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = {"status": "ok", "backend": engine.dialect.name}
    except Exception as exc:  # health must report, never raise
        checks["database"] = {"status": "error", "error": type(exc).__name__}
    storage = request.app.state["storage"]
    try:
        await storage.check()
        checks["storage"] = {"status": "ok", "backend": storage.backend}
    except Exception as exc:
        checks["storage"] = {"status": "error", "backend": storage.backend, "error": type(exc).__name__}
    healthy = all(c["status"] == "ok" for c in checks.values())
    return Response(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status_code=200 if healthy else 503,
    )


SITE_API = [health]
