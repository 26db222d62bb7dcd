"""The daily sweep task (store/adoptions/sweeper.py) without a database: it runs after the first
delay and then at each interval, a failing sweep is logged and tried again, and it stops cleanly."""

from __future__ import annotations

import asyncio
import logging

import pytest

from store.adoptions.sweeper import DailySweep


async def until(condition, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.005)


async def test_a_failing_sweep_is_logged_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    async def sweep() -> list[int]:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database away")
        return [7]

    task = DailySweep(sweep, first_delay=0, interval=0.01)
    with caplog.at_level(logging.INFO, logger="store.adoptions.sweep"):
        await task.start()
        await until(lambda: task.runs >= 3)
        assert task.running  # the failure did not end the loop
        await task.stop()
    assert not task.running
    assert task.failures == 1
    assert "adoption sweep failed" in caplog.text and "database away" in caplog.text
    assert "1 marked stale [7]" in caplog.text


async def test_it_waits_for_the_first_delay_and_stops_before_it() -> None:
    ran: list[int] = []

    async def sweep() -> list[int]:
        ran.append(1)
        return []

    task = DailySweep(sweep, first_delay=3600, interval=3600)
    await task.start()
    await asyncio.sleep(0.05)
    assert task.running and ran == []
    await task.stop()  # at once, not after an hour
    assert not task.running and ran == [] and task.runs == 0


async def test_a_sweep_in_flight_finishes_before_the_task_stops() -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    async def sweep() -> list[int]:
        started.set()
        await asyncio.sleep(0.05)
        finished.set()
        return [1]

    task = DailySweep(sweep, first_delay=0, interval=3600)
    await task.start()
    await started.wait()
    await task.stop()
    assert finished.is_set() and task.runs == 1 and task.failures == 0
