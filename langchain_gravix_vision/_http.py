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
import logging
import ssl
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
import httpx2
import openai

if TYPE_CHECKING:
    from langchain_openai.chat_models.base import BaseChatOpenAI

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def ssl_context() -> ssl.SSLContext:
    """One verifying TLS context (loading the CA bundle is the slow part).

    Example:
        >>> ssl_context() is ssl_context()
        True
    """
    return httpx.create_ssl_context()


_Pool = httpx2.AsyncHTTPTransport


class LoopLocalTransport(httpx2.AsyncBaseTransport):
    """An async transport with one connection pool per running event loop.

    A pool's connections belong to its loop, so the pool is closed with it:
    ``loop.close()`` first closes the pool (``asyncio.run`` closes its loop on
    exit), and pools of loops found closed some other way are dropped on the
    next request. Sockets never outlive their loop.
    """

    def __init__(self) -> None:
        self._pools: dict[
            int, tuple[asyncio.AbstractEventLoop, httpx2.AsyncHTTPTransport]
        ] = {}
        self._lock = threading.Lock()

    def _pool(self) -> httpx2.AsyncHTTPTransport:
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._pools.get(id(loop))
            if entry is not None and entry[0] is loop:
                return entry[1]
            self._drop_closed()
            pool = httpx2.AsyncHTTPTransport(
                verify=ssl_context(), limits=openai.DEFAULT_CONNECTION_LIMITS
            )
            self._pools[id(loop)] = (loop, pool)
        self._close_with(loop)
        return pool

    def _drop_closed(self) -> None:
        """Forget pools whose loop is closed (their sockets close on collection)."""
        for key, (loop, _pool) in list(self._pools.items()):
            if loop.is_closed():
                del self._pools[key]

    def _close_with(self, loop: asyncio.AbstractEventLoop) -> None:
        """Make ``loop.close()`` close this loop's pool first."""
        original = loop.close
        transport = weakref.ref(self)

        def close() -> None:
            owner = transport()
            if owner is not None:
                owner._close_pool_of(loop)
            loop.close = original  # type: ignore[method-assign]
            original()

        loop.close = close  # type: ignore[method-assign]

    def _close_pool_of(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            entry = self._pools.get(id(loop))
            if entry is None or entry[0] is not loop:
                return
            del self._pools[id(loop)]
        if not loop.is_closed() and not loop.is_running():
            try:
                loop.run_until_complete(entry[1].aclose())
            except Exception:  # closing is best effort
                logger.debug("closing a loop's connection pool failed", exc_info=True)

    @property
    def open_pools(self) -> int:
        """Pools currently held (one per live event loop that sent requests)."""
        with self._lock:
            return len(self._pools)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` through the current loop's pool."""
        return await self._pool().handle_async_request(request)

    async def aclose(self) -> None:
        """Close the current loop's pool."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._pools.pop(id(loop), None)
        if entry is not None and entry[0] is loop:
            await entry[1].aclose()


def openai_clients(
    *,
    api_key: str,
    base_url: str,
    timeout: Any,
    max_retries: int | None,
    default_headers: Mapping[str, str] | None,
    default_query: Mapping[str, object] | None,
    http_client: Any = None,
    http_async_client: Any = None,
) -> tuple[openai.OpenAI, openai.AsyncOpenAI]:
    """The sync and async openai clients, over the shared pooled HTTP clients.

    Example:
        >>> sync, _ = openai_clients(api_key="k", base_url="http://x/v1", timeout=None,
        ...     max_retries=None, default_headers=None, default_query=None)
        >>> str(sync.base_url)
        'http://x/v1/'
    """
    params: dict[str, Any] = {
        "api_key": api_key,
        "base_url": base_url,
        "timeout": timeout,
        "default_headers": default_headers,
        "default_query": default_query,
    }
    if max_retries is not None:
        params["max_retries"] = max_retries
    sync = openai.OpenAI(**params, http_client=http_client or shared_http_client())
    async_ = openai.AsyncOpenAI(
        **params, http_client=http_async_client or shared_async_http_client()
    )
    return sync, async_


def attach_clients(llm: BaseChatOpenAI, *, api_key: str, base_url: str) -> None:
    """Give ``llm`` the openai clients it lacks, built by :func:`openai_clients`.

    Clients passed in (``client``, ``async_client``) are kept; the others are
    built from ``llm``'s timeout, retries, headers, query and HTTP clients.
    """
    if llm.client and llm.async_client:
        return
    root, root_async = openai_clients(
        api_key=api_key,
        base_url=base_url,
        timeout=llm.request_timeout,
        max_retries=llm.max_retries,
        default_headers=llm.default_headers,
        default_query=llm.default_query,
        http_client=llm.http_client,
        http_async_client=llm.http_async_client,
    )
    if not llm.client:
        llm.root_client, llm.client = root, root.chat.completions
    if not llm.async_client:
        llm.root_async_client = root_async
        llm.async_client = root_async.chat.completions


@functools.lru_cache(maxsize=1)
def shared_http_client() -> openai.DefaultHttpxClient:
    """The pooled sync client (the SDK sets each request's timeout itself)."""
    return openai.DefaultHttpxClient(verify=ssl_context())


@functools.lru_cache(maxsize=1)
def shared_async_http_client() -> openai.DefaultAsyncHttpxClient:
    """The async client, safe across event loops."""
    return openai.DefaultAsyncHttpxClient(transport=LoopLocalTransport())
