"""The one verifying TLS context, shared by the image fetcher and the API clients."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.lru_cache(maxsize=1)
def ssl_context() -> ssl.SSLContext:
    """One verifying TLS context (loading the CA bundle is the slow part).

    Example:
        >>> ssl_context() is ssl_context()
        True
    """
    return httpx.create_ssl_context()
