"""Running a coroutine from a test, whatever else the test process runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["run_in_own_loop"]

T = TypeVar("T")


def run_in_own_loop(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``main()`` to completion on an event loop of a thread of its own.

    In the same xdist worker a session-scoped Playwright (sync API, tests/e2e) keeps an event
    loop running in the main thread, where ``asyncio.run`` refuses to start another.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()
