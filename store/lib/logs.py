"""Log lines: readable text in development, one JSON object per line in production.

``logging_config`` is the standard library's dictConfig for the server process (``store run``
hands it to the server, which applies it in every worker). Everything the store, the search
package and the server write goes to standard output in the chosen format; the server's own
access log is off, because the store writes one line per request itself (``access``), with the
request id, the route, the signed-in user's id and the duration.

What a line may hold is decided here and in ``access``: never a password, a token, a cookie or a
session id, and never the query string (a search or a filter can hold whatever a user typed).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from . import requestid

ACCESS_LOGGER = "store.access"
access_logger = logging.getLogger(ACCESS_LOGGER)

# What a LogRecord carries anyway; anything else on a record came in through ``extra``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_PATH_CHARS = 1000


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request id when there
    is one, every field given through ``extra``, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or requestid.current.get()
        if request_id:
            line["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``TEXT_FORMAT``, with the request id at the end of a line written while serving one."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", None) or requestid.current.get()
        return f"{text} [{request_id}]" if request_id else text


def _utc(created: float) -> str:
    seconds = int(created)
    milliseconds = int((created - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{milliseconds:03d}Z"


def logging_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """The dictConfig for a server process: one handler on standard output, in ``log_format``
    ("text" or "json"), shared by the store's loggers and the server's; the server's access log
    silenced (ours replaces it)."""
    formatter = {"()": f"{__name__}.{'JsonFormatter' if log_format == 'json' else 'TextFormatter'}"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"store": formatter},
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "store", "stream": "ext://sys.stdout"}
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # The servers' loggers carry handlers of their own by default; here they share ours.
            "uvicorn": {"handlers": ["stdout"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "_granian": {"handlers": ["stdout"], "level": level, "propagate": False},
            "granian.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def access(
    *,
    request_id: str,
    method: str,
    route: str,
    path: str,
    status: int,
    duration: float,
    user_id: int | None,
    client_ip: str | None,
) -> None:
    """The request's one line (``store.access``, INFO). Costs one level check when nobody listens."""
    if not access_logger.isEnabledFor(logging.INFO):
        return
    duration_ms = round(duration * 1000, 1)
    if len(path) > MAX_PATH_CHARS:
        path = path[:MAX_PATH_CHARS] + "…"
    if not path.isprintable():  # a percent-encoded newline must not start a forged line in text logs
        path = path.encode("unicode_escape").decode("ascii")
    # makeRecord and handle, not info(): info() also walks the stack to find the caller, which
    # the line does not show. The same record, the same handlers and filters.
    record = access_logger.makeRecord(
        ACCESS_LOGGER,
        logging.INFO,
        __file__,
        0,
        "%s %s %s %.1fms",
        (method, path, status, duration_ms),
        None,
        extra={
            "request_id": request_id,
            "method": method,
            "route": route,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": user_id,
            "client_ip": client_ip,
        },
    )
    access_logger.handle(record)
