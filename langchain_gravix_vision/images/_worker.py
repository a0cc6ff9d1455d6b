"""Blocking image work off the event loop, stopped when the awaiting task is cancelled.

``asyncio.to_thread`` cannot stop a thread, so cancellation is cooperative:
the decoder reads its input through ``GuardedReader``, which checks a
per-call ``threading.Event`` (and the decode deadline) before every chunk.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from langchain_gravix_vision.errors import ImageTooLarge

P = ParamSpec("P")
T = TypeVar("T")

_CANCEL: ContextVar[threading.Event | None] = ContextVar(
    "gravix_vision_cancel", default=None
)


class DecodeCancelled(Exception):
    """The awaiting task was cancelled, so the decode in its thread stopped."""


async def to_thread_cancellable(
    func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run ``func`` in a worker thread; cancelling the caller stops its decode.

    Example:
        >>> asyncio.run(to_thread_cancellable(sum, [1, 2, 3]))
        6
    """
    event = threading.Event()
    token = _CANCEL.set(event)  # to_thread copies this context into the thread
    try:
        return await asyncio.to_thread(func, *args, **kwargs)
    except asyncio.CancelledError:
        event.set()
        raise
    finally:
        _CANCEL.reset(token)


class GuardedReader(io.BytesIO):
    """Image bytes that refuse to be read past a deadline or after cancellation.

    Example:
        >>> GuardedReader(b"abc", "x.png", timeout=5.0).read()
        b'abc'
    """

    def __init__(self, data: bytes, name: str, timeout: float) -> None:
        super().__init__(data)
        self._name = name
        self._timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._cancel = _CANCEL.get()

    def read(self, size: int | None = -1, /) -> bytes:
        """Read, unless the caller was cancelled or the deadline passed."""
        if self._cancel is not None and self._cancel.is_set():
            raise DecodeCancelled
        if time.monotonic() > self._deadline:
            raise ImageTooLarge(
                f"{self._name} took more than {self._timeout:g} s to decode"
                " (ImagePolicy.decode_timeout); re-encode it as a plain JPEG or PNG"
            )
        return super().read(size)


__all__ = ["DecodeCancelled", "GuardedReader", "to_thread_cancellable"]
