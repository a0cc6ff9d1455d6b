"""Process-wide HTTP clients for the openai SDK (TLS from ``_tls.ssl_context``).

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
import threading
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import httpx2
import openai

from langchain_gravix_vision._tls import ssl_context

if TYPE_CHECKING:
    from langchain_openai.chat_models.base import BaseChatOpenAI

logger = logging.getLogger(__name__)


class _Closer:
    """Closes one loop's pool when asyncio finalizes the loop's async generators.

    ``asyncio.run`` (and any runner) calls ``loop.shutdown_asyncgens()`` before
    closing the loop: every async generator first iterated in that loop is
    closed there, while the loop still runs. A suspended generator per pool
    is the loop's own shutdown hook, with nothing patched.
    """

    def __init__(
        self, pool: httpx2.AsyncHTTPTransport, forget: Callable[[], None]
    ) -> None:
        self.pool = pool
        self.forget = forget
        self.abandoned = False
        self.generator = self._run()

    async def _run(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            self.forget()
            if not self.abandoned:
                await self.pool.aclose()

    async def start(self) -> None:
        """Suspend the generator in the running loop (registers it there)."""
        await self.generator.__anext__()

    def abandon(self) -> None:
        """Finish the generator without I/O (its loop is closed already)."""
        self.abandoned = True
        with suppress(StopIteration, RuntimeError):
            self.generator.aclose().send(None)


class LoopLocalTransport(httpx2.AsyncBaseTransport):
    """An async transport with one connection pool per running event loop.

    A pool's connections belong to its loop, so the pool is closed with it:
    when the loop finalizes its async generators (``asyncio.run`` does on
    exit) the pool closes, and pools of loops found closed some other way are
    dropped on the next request. Sockets never outlive their loop.
    """

    def __init__(self) -> None:
        self._pools: dict[int, tuple[asyncio.AbstractEventLoop, _Closer]] = {}
        self._lock = threading.Lock()

    async def _pool(self) -> httpx2.AsyncHTTPTransport:
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._pools.get(id(loop))
            if entry is not None and entry[0] is loop:
                return entry[1].pool
            self._drop_closed()
            closer = _Closer(
                httpx2.AsyncHTTPTransport(
                    verify=ssl_context(), limits=openai.DEFAULT_CONNECTION_LIMITS
                ),
                functools.partial(self._forget, loop),
            )
            self._pools[id(loop)] = (loop, closer)
        await closer.start()
        return closer.pool

    def _forget(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            entry = self._pools.get(id(loop))
            if entry is not None and entry[0] is loop:
                del self._pools[id(loop)]

    def _drop_closed(self) -> None:
        """Forget pools whose loop is closed (their sockets close on collection)."""
        for key, (loop, closer) in list(self._pools.items()):
            if loop.is_closed():
                del self._pools[key]
                closer.forget = lambda: None  # the lock is held here
                closer.abandon()

    @property
    def open_pools(self) -> int:
        """Pools currently held (one per live event loop that sent requests)."""
        with self._lock:
            return len(self._pools)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` through the current loop's pool."""
        pool = await self._pool()
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the current loop's pool."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._pools.pop(id(loop), None)
        if entry is not None and entry[0] is loop:
            entry[1].abandoned = True  # closed here, not again at shutdown
            await entry[1].pool.aclose()


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
