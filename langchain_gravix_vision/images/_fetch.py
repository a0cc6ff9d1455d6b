"""SSRF-safe image download: per-connection IP validation and pinning, caps, deadline.

``PinnedBackend.connect_tcp`` (the httpcore connection layer) resolves the
host, rejects the connection if ANY answer is non-public, and connects to a
checked IP itself, so a DNS rebind between check and connect cannot happen.
TLS still verifies the host name (httpcore wraps the stream afterwards). Every
hop's URL goes through ``check_url`` first.

Redirects are followed by hand (``max_redirects``), bodies are read raw
(``Accept-Encoding: identity``, never decompressed) with a streaming byte cap,
and one deadline (``fetch_timeout``) bounds the whole download.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import socket
import time
import typing
import urllib.parse
from collections.abc import Iterable

import httpcore
import httpx

from langchain_gravix_vision._text import printable
from langchain_gravix_vision._tls import ssl_context
from langchain_gravix_vision.errors import (
    ImageFetchError,
    ImageSourceNotAllowed,
    ImageTooLarge,
)
from langchain_gravix_vision.images._policy import ImagePolicy
from langchain_gravix_vision.images._urls import blocked_reason, check_url, url_shown

_DNS = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="gravix-dns")
"""Lookups run here so a hung resolver cannot outlive ``fetch_timeout``."""
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HEADERS = {
    "Accept": "image/*,*/*;q=0.5",
    "Accept-Encoding": "identity",
    "User-Agent": "langchain-gravix-vision",
}
_CHUNK = 64 * 1024


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read/write is cut to the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _timeout(self, timeout: float | None, exc: type[Exception]) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise exc("the download deadline passed")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = self._timeout(timeout, httpcore.ConnectTimeout)
        inner = self._inner.start_tls(ssl_context, server_hostname, wait)
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.SyncBackend):
    """httpcore backend that validates every resolved IP and connects to it.

    Example:
        >>> backend = PinnedBackend(ImagePolicy(), deadline=0.0)
        >>> isinstance(backend, httpcore.SyncBackend)
        True
    """

    def __init__(self, policy: ImagePolicy, deadline: float) -> None:
        self._policy = policy
        self._deadline = deadline

    def _resolve(self, host: str, port: int) -> list[typing.Any]:
        """``getaddrinfo`` within the download deadline (it has no timeout)."""
        lookup = _DNS.submit(
            socket.getaddrinfo,
            host,
            port,
            type=socket.SOCK_STREAM,
            proto=socket.IPPROTO_TCP,
        )
        try:
            return lookup.result(timeout=max(0.0, self._deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            raise httpcore.ConnectTimeout(
                "the DNS lookup passed the deadline"
            ) from None
        except (OSError, UnicodeError):
            raise ImageFetchError(f"could not resolve {printable(host)}") from None

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve ``host``, check every answer, connect to a checked IP."""
        infos = self._resolve(host, port)
        addresses: list[str] = []
        for info in infos:
            address = str(info[4][0])
            if address not in addresses:
                addresses.append(address)
        if not self._policy.host_allowed(host):
            for address in addresses:
                reason = blocked_reason(ipaddress.ip_address(address))
                if reason is not None:
                    raise ImageSourceNotAllowed(
                        f"host {printable(host)} resolves to a {reason} address; only"
                        " public hosts are fetched. Add it to"
                        " ImagePolicy.allowed_hosts if it is trusted."
                    )
        error: Exception = httpcore.ConnectError(f"no address for {printable(host)}")
        for address in addresses:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise httpcore.ConnectTimeout("the download deadline passed")
            wait = remaining if timeout is None else min(timeout, remaining)
            try:
                stream = super().connect_tcp(
                    address.split("%", 1)[0],
                    port,
                    timeout=wait,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise error


def _client(policy: ImagePolicy, deadline: float) -> httpx.Client:
    """Build a client whose connections all go through ``PinnedBackend``."""
    # httpx has no public way to give HTTPTransport a network backend, and the
    # pinning must happen at connect time (after DNS), so the transport's
    # private ``_pool`` is replaced. It has been stable since httpx 0.18;
    # pyproject caps httpx below 1.0 and test_fetch.py pins this seam.
    transport = httpx.HTTPTransport(retries=0)
    transport._pool.close()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context(),
        max_connections=4,
        max_keepalive_connections=0,
        http1=True,
        http2=False,
        retries=0,
        network_backend=PinnedBackend(policy, deadline),
    )
    return httpx.Client(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(policy.fetch_timeout),
        headers=_HEADERS,
    )


def _read_capped(response: httpx.Response, policy: ImagePolicy, host: str) -> bytes:
    """Read the raw (undecoded) body, refusing more than ``max_source_bytes``."""
    limit = policy.max_source_bytes
    declared = response.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > limit:
        raise ImageTooLarge(
            f"{printable(host)} announces {int(declared):,} bytes; the limit is"
            f" {limit:,} (ImagePolicy.max_source_bytes)"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ImageTooLarge(
                f"the download from {printable(host)} exceeds {limit:,} bytes"
                " (ImagePolicy.max_source_bytes)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_url(url: str, policy: ImagePolicy) -> bytes:
    """Download ``url`` under ``policy`` and return the raw body bytes.

    Every hop is checked with ``check_url`` and every connection is pinned to
    a validated IP. The body is not decompressed and not trusted: callers
    sniff the bytes.

    Example:
        >>> fetch_url("http://169.254.169.254/latest/meta-data/", ImagePolicy())
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.ImageSourceNotAllowed: URL host 169.254.169.254 is a cloud metadata address; only public hosts are fetched. Add it to ImagePolicy.allowed_hosts if it is trusted.
    """  # noqa: E501
    current = check_url(url, policy)
    deadline = time.monotonic() + policy.fetch_timeout
    host = urllib.parse.urlsplit(current).hostname or "?"
    try:
        with _client(policy, deadline) as client:
            for _hop in range(policy.max_redirects + 1):
                host = urllib.parse.urlsplit(current).hostname or "?"
                with client.stream("GET", current) as response:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise ImageFetchError(
                                f"{printable(host)} sent a redirect without a Location"
                            )
                        current = check_url(
                            urllib.parse.urljoin(current, location.strip()), policy
                        )
                        continue
                    if not response.is_success:
                        raise ImageFetchError(
                            f"{printable(host)} answered HTTP {response.status_code};"
                            " check that the image URL is public and correct"
                        )
                    data = _read_capped(response, policy, host)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the download deadline passed")
                    return data
    except httpx.TimeoutException:
        raise ImageFetchError(
            f"downloading from {printable(host)} took longer than"
            f" {policy.fetch_timeout:g} s (ImagePolicy.fetch_timeout)"
        ) from None
    except httpx.InvalidURL:
        raise ImageSourceNotAllowed(
            f"invalid URL ({url_shown(current)}): it cannot be requested"
        ) from None
    except httpx.HTTPError as exc:  # its text may quote the server: not shown
        kind = type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            kind += ": TLS certificate verification failed (CERTIFICATE_VERIFY_FAILED)"
        raise ImageFetchError(
            f"downloading from {printable(host)} failed ({kind});"
            " check that the image URL is public and correct"
        ) from None
    raise ImageFetchError(
        f"more than {policy.max_redirects} redirects (ImagePolicy.max_redirects)"
        f" starting at {url_shown(url)}"
    )


__all__ = ["PinnedBackend", "fetch_url"]
