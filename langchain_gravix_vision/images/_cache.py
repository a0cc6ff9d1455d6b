"""A content-addressed, size-bounded cache of prepared images (one per process).

The key is the SHA-256 of the source bytes plus everything that can change the
output or the checks made on the way (the whole policy, the resolution, the
token budget and the declared MIME type), so the same input gives the same
``PreparedImage``, byte for byte, without decoding it again, and a changed
file (different bytes) is prepared afresh. The chat model, the tools and the
CLI all go through ``prepare_image``, so they share it. In-memory PIL images
are not cached (they have no bytes to hash).

Example:
    >>> cache = ImageCache(max_bytes=10)
    >>> cache.put("k", b"12345"), cache.get("k"), cache.get("other")
    (None, b'12345', None)
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from langchain_gravix_vision.images._policy import ImagePolicy
from langchain_gravix_vision.profiles import ImageResolution

T = TypeVar("T")

MAX_CACHE_BYTES = 64 * 1024 * 1024
"""Bytes the shared cache keeps at most, encoded images and their base64 text
counted (least recently used go first)."""
MAX_CACHE_ENTRIES = 512
"""Images the shared cache keeps at most."""


def _size(value: Any) -> int:
    """Bytes an entry holds: its data plus the base64 text it may cache (4/3)."""
    data = getattr(value, "data", value)
    if not isinstance(data, (bytes, bytearray)):
        return 1
    return len(data) if data is value else len(data) * 7 // 3


class ImageCache(Generic[T]):
    """A thread-safe LRU mapping bounded by entries and by encoded bytes."""

    def __init__(
        self, max_bytes: int = MAX_CACHE_BYTES, max_entries: int = MAX_CACHE_ENTRIES
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._items: OrderedDict[str, T] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> T | None:
        """The cached value (now most recently used), or ``None``."""
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, value: T) -> None:
        """Store ``value``; evict the least recently used beyond the bounds."""
        size = _size(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= _size(old)
            self._items[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes or len(self._items) > self.max_entries:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= _size(evicted)

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


def cache_key(
    data: bytes,
    *,
    policy: ImagePolicy,
    resolution: ImageResolution,
    max_tokens: int | None,
    declared_mime: str | None,
) -> str:
    """SHA-256 of the bytes plus every parameter that changes the result.

    Example:
        >>> key = cache_key(b"x", policy=ImagePolicy(), resolution={},
        ...                 max_tokens=None, declared_mime=None)
        >>> key == cache_key(b"y", policy=ImagePolicy(), resolution={},
        ...                  max_tokens=None, declared_mime=None)
        False
    """
    params = json.dumps(
        [
            policy.model_dump(mode="json"),
            dict(resolution),
            max_tokens,
            declared_mime,
        ],
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(data)
    digest.update(b"\0")
    digest.update(params.encode())
    return digest.hexdigest()


def cached(cache: ImageCache[T], key: str | None, make: Callable[[], T]) -> T:
    """``cache[key]``, or ``make()`` stored under ``key`` (``None``: not cached)."""
    if key is None:
        return make()
    value = cache.get(key)
    if value is None:
        value = make()
        cache.put(key, value)
    return value


__all__ = [
    "MAX_CACHE_BYTES",
    "MAX_CACHE_ENTRIES",
    "ImageCache",
    "cache_key",
    "cached",
]
