"""One request rate for the whole cluster: a named token-bucket actor and its meter.

Every HTTP request a worker sends (first tries, the SDK's retries, the tools'
repair retries) first reserves a slot from one named actor, so the cluster's
total rate stays at or under the limit whatever the number of workers. A 429
answer with ``Retry-After`` pauses the bucket itself: every worker waits, not
just the one that was refused.

Example:
    >>> bucket = TokenBucket(requests_per_minute=600)
    >>> [round(bucket.reserve(now=10.0), 3) for _ in range(3)]
    [0.0, 0.105, 0.211]
    >>> bucket.claim(now=10.0), round(bucket.claim(now=10.05), 3)
    (0.0, 0.055)
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx2

from langchain_gravix_vision.errors import GravixVisionError
from langchain_gravix_vision.ray._requires import require_ray

NAMESPACE = "gravix_vision"
"""The Ray namespace of the rate-limit actors (any job on the cluster finds them)."""
HEADROOM = 0.95
"""The bucket spaces requests for 95% of the limit: a worker's lag between its
grant and its send (a busy event loop, the network) cannot then put one request
too many in any window of the limit."""
STALE_GRANT_S = 0.05
"""A grant that reaches its worker later than this is not used (it claims again):
a worker whose event loop was busy would otherwise send its late grants in one
burst. Well under the slack ``HEADROOM`` leaves in a one-second window."""
MAX_STALE = 3
"""Late grants dropped in a row before one is used anyway (no livelock)."""
DEFAULT_PAUSE_S = 1.0
"""How long a 429 without a usable ``Retry-After`` pauses every worker."""


class TokenBucket:
    """Requests spaced evenly at the limit (with ``HEADROOM``); pauses hold everyone.

    Two steps per request: ``reserve`` books the next slot in order and says
    how long to wait; at that time ``claim`` grants the send only if the last
    grant is one interval back (else it says how much longer), so a worker
    that wakes late never sends in a burst with the others. Used as a Ray
    actor (``create_rate_limiter``) and, in one process, as a plain object.
    """

    def __init__(self, requests_per_minute: float) -> None:
        if requests_per_minute <= 0:
            msg = f"requests_per_minute must be > 0, not {requests_per_minute}"
            raise ValueError(msg)
        self.interval = 60.0 / (requests_per_minute * HEADROOM)
        self.next_at = 0.0
        self.last_grant = -math.inf
        self.paused_until = 0.0
        self.granted = 0
        self.pauses = 0

    def reserve(self, now: float | None = None) -> float:
        """Book the next slot; return the seconds to wait before sending."""
        now = time.monotonic() if now is None else now
        at = max(now, self.next_at, self.paused_until)
        self.next_at = at + self.interval
        return at - now

    def claim(self, now: float | None = None) -> float:
        """Grant a send now (0.0), or say how many seconds until one can be."""
        now = time.monotonic() if now is None else now
        ready = max(self.last_grant + self.interval, self.paused_until)
        if now < ready:
            return ready - now
        self.last_grant = now
        self.granted += 1
        return 0.0

    def pause(self, seconds: float, now: float | None = None) -> None:
        """Hold every later reservation for ``seconds`` (a 429's ``Retry-After``)."""
        now = time.monotonic() if now is None else now
        if now + seconds > self.paused_until:
            self.paused_until = now + seconds
            self.pauses += 1

    def stats(self) -> dict[str, float]:
        """Slots granted and pauses taken so far."""
        return {"granted": self.granted, "pauses": self.pauses}


_HANDLES: dict[str, Any] = {}
"""The driver's handles of the limiters it started (they live while it runs)."""


class RateLimiterMissing(GravixVisionError):
    """The named rate-limit actor is not running (start it with create_rate_limiter)."""

    code = "rate_limiter_missing"


def create_rate_limiter(requests_per_minute: float, name: str | None = None) -> str:
    """Start the named rate-limit actor for a run; return its name for the stage.

    Call it on the driver: the actor lives as long as the driver's job, and
    every ``VisionStage`` given the name (``rate_limiter=``) draws from it.
    With an existing ``name`` the running actor is reused (its rate kept).
    """
    ray = require_ray()
    name = name or f"gravix-vision-rate-limit-{uuid.uuid4().hex[:12]}"
    actor = ray.remote(num_cpus=0, max_concurrency=1)(TokenBucket)
    # A named actor is still collected once no handle is left: keep one here.
    _HANDLES[name] = actor.options(
        name=name, namespace=NAMESPACE, get_if_exists=True
    ).remote(requests_per_minute)
    return name


def limiter_stats(name: str) -> dict[str, float]:
    """The named limiter's counts (``granted``, ``pauses``), from the driver."""
    ray = require_ray()
    handle = ray.get_actor(name, namespace=NAMESPACE)
    return dict(ray.get(handle.stats.remote()))


class ClusterLimit:
    """A worker's side of the named bucket: wait for a slot, report a 429."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handle: Any = None

    def _actor(self) -> Any:
        if self._handle is None:
            try:
                self._handle = require_ray().get_actor(self.name, namespace=NAMESPACE)
            except ValueError:
                msg = (
                    f"no rate limiter named {self.name!r} is running; start it on"
                    " the driver with create_rate_limiter() and keep the driver up"
                )
                raise RateLimiterMissing(msg) from None
        return self._handle

    async def wait(self) -> None:
        """Reserve a slot, sleep until it comes, then claim it (the send)."""
        actor = self._actor()
        delay = await actor.reserve.remote()
        stale = 0
        while True:
            if delay > 0:
                await asyncio.sleep(delay)
            asked = time.monotonic()
            delay = await actor.claim.remote()
            if delay > 0:
                continue
            if time.monotonic() - asked <= STALE_GRANT_S or stale >= MAX_STALE:
                return
            stale += 1  # the grant came back late (a busy loop): not used

    async def pause(self, seconds: float) -> None:
        """Pause every worker for ``seconds``."""
        await self._actor().pause.remote(seconds)


@dataclass
class Meter:
    """What one row's requests cost: how many were sent."""

    attempts: int = 0


ROW_METER: ContextVar[Meter | None] = ContextVar(
    "gravix_vision_row_meter", default=None
)
"""The meter of the row whose task is running (set by the stage per row)."""


def retry_after_s(value: str | None) -> float:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date).

    Example:
        >>> retry_after_s("3"), retry_after_s(None), retry_after_s("soon")
        (3.0, 1.0, 1.0)
    """
    if not value:
        return DEFAULT_PAUSE_S
    try:
        return max(0.0, min(float(value), 600.0))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_PAUSE_S
    return max(0.0, min(when.timestamp() - time.time(), 600.0))


class MeteredTransport(httpx2.AsyncBaseTransport):
    """Counts each request for its row, waits for the cluster's slot, obeys 429s."""

    def __init__(
        self, inner: httpx2.AsyncBaseTransport, limit: ClusterLimit | None
    ) -> None:
        self.inner = inner
        self.limit = limit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` after a slot is granted; a 429 pauses the cluster."""
        if self.limit is not None:
            await self.limit.wait()
        meter = ROW_METER.get()
        if meter is not None:
            meter.attempts += 1
        response = await self.inner.handle_async_request(request)
        if response.status_code == 429 and self.limit is not None:
            await self.limit.pause(retry_after_s(response.headers.get("retry-after")))
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


__all__ = [
    "NAMESPACE",
    "ROW_METER",
    "ClusterLimit",
    "Meter",
    "MeteredTransport",
    "RateLimiterMissing",
    "TokenBucket",
    "create_rate_limiter",
    "limiter_stats",
    "retry_after_s",
]
