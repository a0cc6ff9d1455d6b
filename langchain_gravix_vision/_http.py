"""Process-wide HTTP clients for the openai SDK, and the one TLS context.

Every ``ChatGravixVision`` without its own ``http_client`` shares one pooled
sync client and one async client (the SDK sets each request's timeout). The
async client keeps one connection pool per event loop: a pool is bound to the
loop that opened its connections, and scripts, notebooks and tests run several
loops in turn (``asyncio.run`` twice must not fail with "Event loop is closed").

The openai SDK is built on ``httpx2`` (declared in pyproject for that reason);
the image fetcher uses ``httpx``. Both verify TLS with ``ssl_context()``.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import weakref

import httpx
import httpx2
import openai


@functools.lru_cache(maxsize=1)
def ssl_context() -> ssl.SSLContext:
    """One verifying TLS context (loading the CA bundle is the slow part).

    Example:
        >>> ssl_context() is ssl_context()
        True
    """
    return httpx.create_ssl_context()


class LoopLocalTransport(httpx2.AsyncBaseTransport):
    """An async transport with one connection pool per running event loop."""

    def __init__(self) -> None:
        self._pools: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, httpx2.AsyncHTTPTransport
        ] = weakref.WeakKeyDictionary()

    def _pool(self) -> httpx2.AsyncHTTPTransport:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = httpx2.AsyncHTTPTransport(
                verify=ssl_context(), limits=openai.DEFAULT_CONNECTION_LIMITS
            )
            self._pools[loop] = pool
        return pool

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` through the current loop's pool."""
        return await self._pool().handle_async_request(request)

    async def aclose(self) -> None:
        """Close the current loop's pool."""
        loop = asyncio.get_running_loop()
        if (pool := self._pools.pop(loop, None)) is not None:
            await pool.aclose()


@functools.lru_cache(maxsize=1)
def shared_http_client() -> openai.DefaultHttpxClient:
    """The pooled sync client (the SDK sets each request's timeout itself)."""
    return openai.DefaultHttpxClient(verify=ssl_context())


@functools.lru_cache(maxsize=1)
def shared_async_http_client() -> openai.DefaultAsyncHttpxClient:
    """The async client, safe across event loops."""
    return openai.DefaultAsyncHttpxClient(transport=LoopLocalTransport())
