"""A background task of each server process that does some work now and then until shut-down:
``run_once`` after ``first_delay`` seconds, then every ``interval`` seconds. ``start`` and
``stop`` are the app's start-up and shut-down hooks (store/app.py).

``run_once`` logs its own failures and returns: what a failure means (count it, skip one entry)
is the subclass's to say. Used by the adoptions' daily sweep and the statistics warmer.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod


class PeriodicTask(ABC):
    STOP_SECONDS = 10.0

    def __init__(self, what: str, logger: logging.Logger, *, first_delay: float, interval: float) -> None:
        self.what = what  # in log lines; the task's name with dashes
        self.logger = logger
        self.first_delay = first_delay
        self.interval = interval
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def run_once(self) -> object:
        """One round of the work; must not raise (log and return instead)."""

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def stopping(self) -> bool:
        """Set from ``stop`` on: a long round may end early."""
        return self._stop.is_set()

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._loop(), name=self.what.replace(" ", "-"))

    async def stop(self) -> None:
        """Let a round in flight finish (it may be one transaction), cancelling it after a while."""
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._task, timeout=self.STOP_SECONDS)
        except TimeoutError:
            self.logger.warning("%s did not stop within %.0f s; cancelled", self.what, self.STOP_SECONDS)
        self._task = None

    async def _stopped_within(self, seconds: float) -> bool:
        if self._stop.is_set():
            return True
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=max(seconds, 0))
        except TimeoutError:
            return False
        return True

    async def _loop(self) -> None:
        delay = self.first_delay
        while not await self._stopped_within(delay):
            await self.run_once()
            delay = self.interval
