"""CPU-heavy work (password hashing, image decoding) off the event loop, a few at a time.

One request that hashes a password or decodes a large image must not hold up every other
request: the work runs in a small thread pool (argon2 and Pillow release the GIL while they
compute). A semaphore in front of the pool bounds how many run at once, and callers wait for a
slot on the event loop, where waiting costs nothing and a disconnected client's work is dropped
before it starts.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Leave room for the event loop on small machines; more than four rarely helps one process.
MAX_CONCURRENT = min(4, max(2, (os.cpu_count() or 2) // 2))

_pool = ThreadPoolExecutor(max_workers=MAX_CONCURRENT, thread_name_prefix="store-cpu")
# A semaphore belongs to one event loop; tests and the CLI may run several loops in turn.
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _semaphore(loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(MAX_CONCURRENT)
    return slot


async def run_cpu_bound(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``func(*args, **kwargs)`` in the CPU pool once a slot is free, and return its result.

    Exceptions raised by ``func`` reach the caller unchanged. The caller's context variables
    (the request's language, for error messages) are visible to ``func``.
    """
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    async with _semaphore(loop):
        return await loop.run_in_executor(_pool, partial(context.run, func, *args, **kwargs))
