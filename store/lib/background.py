"""Work a server process does in the background until shut-down: the search outbox worker, the
notification mailer, the adoptions' daily sweep and the statistics warmer.

``BackgroundTask`` runs one coroutine as a task and stops it: ``stop`` sets the event the
coroutine watches and lets the round in flight finish (it may be one transaction), cancelling it
after ``STOP_SECONDS``. ``PeriodicTask`` is the common case of ``run_once`` after ``first_delay``
seconds, then every ``interval`` seconds. ``start`` and ``stop`` are the app's start-up and
shut-down hooks (store/app.py).
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import Any


async def pause(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds``, waking at once when ``stop`` is set; whether it is set."""
    if stop.is_set():
        return True
    try:
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0))
    except TimeoutError:
        return False
    return True


class BackgroundTask:
    STOP_SECONDS = 10.0

    def __init__(self, what: str, logger: logging.Logger) -> None:
        self.what = what  # in log lines; the task's name with dashes
        self.logger = logger
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def stopping(self) -> bool:
        """Set from ``stop`` on: a long round may end early."""
        return self._stop.is_set()

    def launch(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work``, a coroutine that returns once ``self._stop`` is set."""
        self._stop.clear()
        self._task = asyncio.create_task(work, name=self.what.replace(" ", "-"))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._task, timeout=self.STOP_SECONDS)
        except TimeoutError:
            self.logger.warning("%s did not stop within %.0f s; cancelled", self.what, self.STOP_SECONDS)
        self._task = None


class PeriodicTask(BackgroundTask, ABC):
    """``run_once`` logs its own failures and returns: what a failure means (count it, skip one
    entry) is the subclass's to say."""

    def __init__(self, what: str, logger: logging.Logger, *, first_delay: float, interval: float) -> None:
        super().__init__(what, logger)
        self.first_delay = first_delay
        self.interval = interval

    @abstractmethod
    async def run_once(self) -> object:
        """One round of the work; must not raise (log and return instead)."""

    async def start(self) -> None:
        self.launch(self._loop())

    async def _loop(self) -> None:
        delay = self.first_delay
        while not await pause(self._stop, delay):
            await self.run_once()
            delay = self.interval
