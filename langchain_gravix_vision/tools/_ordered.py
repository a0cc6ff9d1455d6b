"""Run page jobs a bounded number at a time and hand results back in order."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def ordered(jobs: Sequence[Callable[[], T]], workers: int) -> Iterator[T]:
    """Run ``jobs`` at most ``workers`` at a time in threads; yield results in order.

    Example:
        >>> list(ordered([lambda: 1, lambda: 2, lambda: 3], workers=2))
        [1, 2, 3]
    """
    if workers == 1:
        for job in jobs:
            yield job()
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        window: deque[Future[T]] = deque()
        try:
            for job in jobs:
                window.append(pool.submit(job))
                if len(window) > workers:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for future in window:
                future.cancel()


async def aordered(jobs: Sequence[Callable[[], T]], workers: int) -> AsyncIterator[T]:
    """Async :func:`ordered`: each job runs in a worker thread, results in order."""
    semaphore = asyncio.Semaphore(workers)

    async def run(job: Callable[[], T]) -> T:
        async with semaphore:
            return await asyncio.to_thread(job)

    window: deque[asyncio.Task[T]] = deque()
    try:
        for job in jobs:
            window.append(asyncio.ensure_future(run(job)))
            if len(window) > workers:
                yield await window.popleft()
        while window:
            yield await window.popleft()
    finally:
        for task in window:
            task.cancel()
