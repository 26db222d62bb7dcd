"""create_app(): wires settings, database, templates, middleware and the feature controllers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from search import text as search_text
from search.service import Search
from search.worker import BackgroundWorker
from store.db.engine import (
    CommitBeforeAnswer,
    commit_before_answer,
    create_engine,
    session_maker,
    sqlalchemy_config,
)
from store.lib import events, flash, metrics
from store.lib.deadlines import BodyDeadline
from store.lib.errors import exception_handler
from store.lib.headers import SecurityHeaders
from store.lib.httpcache import ANSWER_CACHE, AnswerCache, ClearOnCommit
from store.lib.inputs import MAX_BODY_BYTES, StoreRequest, check_parameters
from store.lib.middleware import CSRF_COOKIE, CSRF_HEADER, RequestContextMiddleware
from store.lib.observe import RequestObserver
from store.lib.storage import StorageError, build_storage
from store.lib.templating import HEADER_COUNTER, template_engine
from store.rules import install as install_rules
from store.settings import BASE_DIR, Settings, get_settings
from store.site.apidocs import ApiDocsPlugin

STATIC_DIR = BASE_DIR / "static"
CSRF_EXEMPT_PATHS = [r"^/api/", r"^/health\Z", r"^/static/", r"^/schema(?:/|\Z)"]
logger = logging.getLogger("store")


def event_subscribers(settings: Settings) -> tuple[events.Subscriber, ...]:
    """Who hears of every change (store/lib/events.py), inside the change's transaction; the web
    app and the CLI both give these to their sessions. The database search index is kept current
    always; with Meilisearch, each change also queues an outbox row for the search worker. A yank
    or a security release alerts the regions running an affected version (store/adoptions/alerts.py)."""
    from search.index_db import index_subscriber
    from search.outbox import queue_for_meilisearch
    from store.adoptions.alerts import version_alerts

    if settings.search.backend == "meilisearch":
        return (index_subscriber, queue_for_meilisearch, version_alerts)
    return (index_subscriber, version_alerts)


# create_app's keyword of the same name (a test's own subscribers) hides the function there.
_default_event_subscribers = event_subscribers


def create_app(
    settings: Settings | None = None, *, event_subscribers: Sequence[events.Subscriber] | None = None
) -> Litestar:
    settings = settings or get_settings()
    settings.check()
    if event_subscribers is None:
        event_subscribers = _default_event_subscribers(settings)
    install_rules()
    engine = create_engine(settings.db)

    from store.accounts import labels as account_labels
    from store.accounts.auth import authenticate
    from store.accounts.controllers import ACCOUNT_API
    from store.accounts.pages import ACCOUNT_PAGES
    from store.adoptions import labels as adoption_labels
    from store.adoptions import outdated as adoption_outdated
    from store.adoptions import pages as adoption_pages
    from store.adoptions.controllers import ADOPTION_API
    from store.adoptions.outdated_pages import OUTDATED_API, OUTDATED_PAGES
    from store.adoptions.pages import ADOPTION_PAGES
    from store.adoptions.region_pages import REGION_PROFILE_PAGES
    from store.adoptions.sweeper import DailySweep, sweep_with
    from store.artifacts import pages as artifact_pages
    from store.artifacts.controllers import ARTIFACT_API
    from store.artifacts.pages import ARTIFACT_PAGES
    from store.catalog import labels as catalog_labels
    from store.catalog.cache import CATALOG_CACHE, CatalogCache
    from store.catalog.controllers import CATALOG_API
    from store.catalog.listing import SEARCH
    from store.catalog.pages import APP_PAGE_SECTIONS, CATALOG_PAGES
    from store.discovery import pages as discovery_pages
    from store.discovery.controllers import DISCOVERY_API
    from store.discovery.fragments import DISCOVERY_FRAGMENTS
    from store.discovery.pages import DISCOVERY_PAGES
    from store.notifications.controllers import NOTIFICATION_API
    from store.notifications.mail import MailWorker
    from store.notifications.pages import NOTIFICATION_PAGES
    from store.regions import labels as region_labels
    from store.regions.controllers import REGION_API
    from store.regions.pages import REGION_PAGES
    from store.review import pages as review_pages
    from store.review.controllers import REVIEW_API
    from store.review.pages import REVIEW_PAGES
    from store.site.controllers import SITE_API
    from store.site.metrics import METRICS_ROUTES
    from store.site.pages import SITE_PAGES
    from store.stats.cache import STATS_CACHE, FiguresCache
    from store.stats.controllers import STATS_API
    from store.stats.pages import STATS_PAGES
    from store.stats.rendered import RENDERED, RenderedFragments
    from store.stats.warmer import FiguresWarmer

    storage = build_storage(settings.storage)
    # One search service for the application (Meilisearch or the database; see search/service.py).
    search = Search(settings.search)

    async def dispose_engine() -> None:
        await engine.dispose()

    async def warm_up_search() -> None:
        # Loading OpenCC, jieba and pypinyin takes about a second: now, off the event loop, not
        # in the first search.
        await asyncio.to_thread(search_text.warm_up)

    async def prepare_storage() -> None:
        # An unreachable store must not stop the site: /health reports it and uploads get 503.
        try:
            await storage.prepare()
        except StorageError:
            logger.warning("object storage is not reachable at start-up", exc_info=True)

    # Answers to visitors who are not signed in and the catalog's region lists, kept a few seconds
    # per worker (store/lib/httpcache.py, store/catalog/cache.py); every change that emits a domain
    # event empties them once it is committed.
    answer_cache = AnswerCache(ttl_seconds=settings.page_cache.seconds)
    catalog_cache = CatalogCache(ttl_seconds=settings.page_cache.seconds)
    forget_kept = ClearOnCommit([answer_cache, catalog_cache])
    session_info = events.session_info((*event_subscribers, forget_kept))
    # With Meilisearch, each server process drains the search outbox in a background task.
    search_worker_hooks: list[Callable[[], Awaitable[None]]] = []
    if settings.search.backend == "meilisearch":
        # A change is searchable a moment after its commit emptied the committing worker's
        # caches; so every worker empties them again when it sees Meilisearch's index change.
        search_worker = BackgroundWorker(
            session_maker(engine), settings.search, on_index_change=forget_kept.clear_now
        )
        search_worker_hooks = [search_worker.start, search_worker.stop]
    # With SMTP configured, each server process also sends notification e-mails in the background.
    mail_worker_hooks: list[Callable[..., Awaitable[None]]] = []
    if settings.mail.enabled:
        mail_worker = MailWorker(session_maker(engine), settings.mail)
        mail_worker_hooks = [mail_worker.start, mail_worker.stop]
    # Each server process also runs the adoptions' stale sweep: shortly after start-up, then daily.
    adoption_sweep = DailySweep(sweep_with(session_maker(engine, info=session_info)))
    # Statistics figures, kept up to STORE_STATS_CACHE_SECONDS (store/stats/cache.py); those read
    # lately are computed again before they expire (store/stats/warmer.py).
    stats_cache = FiguresCache(ttl_seconds=settings.stats.cache_seconds)
    stats_warmer = FiguresWarmer(stats_cache, session_maker(engine, info=session_info))
    db_config = sqlalchemy_config(engine, info=session_info)
    # The plugin fills these in at start-up too; having them from the start lets tests drive the
    # app in their own event loop without running the ASGI lifespan.
    state_items = db_config.create_app_state_items()
    app = Litestar(
        route_handlers=[
            # Each feature's JSON API (controllers.py) and HTML pages (pages.py).
            *SITE_PAGES,
            *SITE_API,
            *METRICS_ROUTES,
            *ACCOUNT_API,
            *ACCOUNT_PAGES,
            *REGION_API,
            *REGION_PAGES,
            *REGION_PROFILE_PAGES,
            *CATALOG_API,
            *ARTIFACT_API,
            *ADOPTION_API,
            *ADOPTION_PAGES,
            *OUTDATED_PAGES,
            *OUTDATED_API,
            *CATALOG_PAGES,
            *ARTIFACT_PAGES,
            *REVIEW_API,
            *STATS_API,
            *STATS_PAGES,
            *REVIEW_PAGES,
            *DISCOVERY_API,
            *DISCOVERY_FRAGMENTS,
            *DISCOVERY_PAGES,
            *NOTIFICATION_API,
            *NOTIFICATION_PAGES,
            create_static_files_router(path="/static", directories=[Path(STATIC_DIR)], name="static"),
        ],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        # The request's transaction is committed before its answer is sent (store/db/engine.py).
        middleware=[RequestContextMiddleware(authenticate=authenticate), CommitBeforeAnswer],
        after_request=commit_before_answer,
        # Input limits for every route (store/lib/inputs.py): ids in range, no NUL, JSON depth.
        guards=[check_parameters],
        request_class=StoreRequest,
        # JSON and forms: the largest legitimate body is well under 1 MiB. Uploads set their own.
        request_max_body_size=MAX_BODY_BYTES,
        csrf_config=CSRFConfig(
            secret=settings.app.secret_key,
            cookie_name=CSRF_COOKIE,
            header_name=CSRF_HEADER,
            cookie_secure=settings.app.is_production,
            cookie_samesite="lax",
            # The API authenticates by token or checks JSON/CSRF header itself (see middleware).
            # Litestar joins these with "|" and searches the whole path (re.findall), so each
            # must be anchored: unanchored, "/apps/health-foo/review" matched "/health".
            exclude=CSRF_EXEMPT_PATHS,
        ),
        template_config=TemplateConfig(
            # Each feature names its own codes; templates look any of them up with label().
            instance=template_engine(
                labels=[
                    account_labels.LABELS,
                    region_labels.LABELS,
                    catalog_labels.LABELS,
                    adoption_labels.LABELS,
                ],
                # Production compiles each template once; development picks up edits at once.
                auto_reload=not settings.app.is_production,
            )
        ),
        openapi_config=OpenAPIConfig(
            title="粤复用 API",
            version="1",
            path="/schema",
            # Served from static/: government intranets have no CDN, and the CSP allows no inline script.
            render_plugins=[ApiDocsPlugin(path="/")],
        ),
        exception_handlers={Exception: exception_handler},
        # Logging is the server process's (store/lib/logs.py, set up by `store run`): Litestar's
        # default would replace the root handlers in every worker with a format of its own.
        logging_config=None,
        # A hook, not middleware: it must also reach 404s, 405s and errors raised by middleware.
        # flash.forget_shown: deletes the sign-in or sign-out confirmation once a page showed it.
        before_send=[SecurityHeaders(production=settings.app.is_production), flash.forget_shown],
        state=State(
            {
                "settings": settings,
                "secret_key": settings.app.secret_key,
                "auth_session_maker": session_maker(engine, info=session_info),
                # Sessions of their own for figures a page reads at once (store/stats/pages.py).
                "read_session_maker": session_maker(engine, info=session_info),
                "engine": engine,
                "storage": storage,
                "adoption_sweep": adoption_sweep,
                SEARCH: search,
                STATS_CACHE: stats_cache,
                RENDERED: RenderedFragments(),  # the dashboard's figures, rendered (store/stats/rendered.py)
                ANSWER_CACHE: answer_cache,
                CATALOG_CACHE: catalog_cache,
                # What waits for a signed-in user, for the header's badges (store/accounts/auth.py).
                HEADER_COUNTER: review_pages.header_counts,
                # What artifacts, review, discovery and adoptions add to the catalog's app page
                # (see store.catalog.pages); discovery's section is bound to the search service.
                APP_PAGE_SECTIONS: (
                    artifact_pages.app_page_section,
                    review_pages.app_page_section,
                    discovery_pages.app_page_section(search),
                    adoption_pages.app_page_section,
                    adoption_outdated.app_page_section,
                ),
                **state_items,
            }
        ),
        on_startup=[
            metrics.forget_dead_workers,
            prepare_storage,
            warm_up_search,
            *search_worker_hooks[:1],
            *mail_worker_hooks[:1],
            adoption_sweep.start,
            stats_warmer.start,
        ],
        # The search worker first: it finishes its batch before the engine is disposed for good
        # (the SQLAlchemy plugin's own dispose runs earlier, but a disposed engine reconnects).
        on_shutdown=[
            stats_warmer.stop,
            adoption_sweep.stop,
            *mail_worker_hooks[1:],
            *search_worker_hooks[1:],
            search.close,
            dispose_engine,
            metrics.mark_this_worker_dead,
        ],
        debug=False,
    )
    # Around everything, 404s and static files included: the request id, the access log line and
    # the request metrics (see store/lib/observe.py for why not in middleware=[...]).
    # A request body that stalls is answered 408 (store/lib/deadlines.py); inside the observer, so
    # the 408 is logged and counted like any answer.
    app.asgi_handler = RequestObserver(BodyDeadline(app.asgi_handler, settings.server.body_timeout_seconds))
    return app
