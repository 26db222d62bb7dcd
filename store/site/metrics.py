"""``/metrics``: the Prometheus scrape, for operators only.

Who may read it (``STORE_METRICS_TOKEN``, ``STORE_METRICS_ALLOW``): a scraper sending the token as
``Authorization: Bearer …`` from anywhere, or any client on an allowed network (by default the
machine itself). Everyone else gets 403. The figures say how busy the store is and where it
fails, which is nobody else's business; they name no user.

The counters are recorded by the workers as things happen (store/lib/metrics.py); the search
outbox's backlog is read from the database at each scrape, with a deadline, like /health.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import ipaddress
from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from search import outbox
from store.lib import metrics
from store.lib.errors import Forbidden
from store.lib.i18n import _
from store.settings import MonitoringSettings

PROBE_SECONDS = 3.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(allow: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in allow)


def may_read(monitoring: MonitoringSettings, authorization: str, client_host: str | None) -> bool:
    """The right token, or a client address on an allowed network."""
    scheme, _sep, secret = authorization.partition(" ")
    token = monitoring.metrics_token
    if token and scheme.lower() == "bearer" and hmac.compare_digest(secret.strip().encode(), token.encode()):
        return True
    if not client_host:
        return False
    try:
        address = ipaddress.ip_address(client_host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(monitoring.metrics_allow))


async def _scrape_gauges(engine: AsyncEngine) -> list[metrics.ScrapeGauge]:
    """Read now from the database: is it there, and how far behind is the search worker."""

    async def read() -> outbox.Backlog:
        async with AsyncSession(engine) as session:
            await session.execute(text("SELECT 1"))
            return await outbox.backlog(session)

    try:
        backlog: outbox.Backlog | None = await asyncio.wait_for(read(), timeout=PROBE_SECONDS)
    except Exception:  # the scrape reports the database as down; it never fails for it
        backlog = None
    return [
        metrics.ScrapeGauge(
            "store_database_up", "1 when the database answered this scrape, else 0.", int(backlog is not None)
        ),
        metrics.ScrapeGauge(
            "store_search_outbox_backlog",
            "Changes waiting to be sent to Meilisearch.",
            backlog.rows if backlog is not None else None,
        ),
        metrics.ScrapeGauge(
            "store_search_outbox_oldest_age_seconds",
            "Age of the oldest change waiting for Meilisearch (0 when none waits).",
            (backlog.oldest_age_seconds or 0.0) if backlog is not None else None,
        ),
    ]


@get("/metrics", name="metrics", include_in_schema=False)
async def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    monitoring: MonitoringSettings = request.app.state["settings"].monitoring
    client_host = request.client.host if request.client else None
    if not may_read(monitoring, request.headers.get("authorization", ""), client_host):
        raise Forbidden(_("Metrics are readable with the metrics token or from an allowed network only."))
    gauges = await _scrape_gauges(request.app.state["engine"])
    body, content_type = metrics.exposition(request.headers.get("accept", ""), gauges)
    # Litestar adds the charset to a text/* type itself.
    media_type = (
        content_type.replace("; charset=utf-8", "") if content_type.startswith("text/") else content_type
    )
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})


METRICS_ROUTES = [metrics_endpoint]
