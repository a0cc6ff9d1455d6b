"""SSRF-safe image download: URL checks, per-connection IP validation and pinning, caps.

Two layers, so the checks hold whether or not DNS is involved:

* ``check_url`` runs on the URL of every hop (no DNS): http/https only, no
  credentials, ``localhost`` names and literal IPs (including decimal, octal
  and hex IPv4 forms such as ``2130706433`` or ``0x7f.1``) must be public
  unless the host is in ``ImagePolicy.allowed_hosts``.
* ``PinnedBackend.connect_tcp`` (the httpcore connection layer) resolves the
  host, rejects the connection if ANY answer is non-public, and connects to a
  checked IP itself, so a DNS rebind between check and connect cannot happen.
  TLS still verifies the host name (httpcore wraps the stream afterwards).

Redirects are followed by hand (``max_redirects``), bodies are read raw
(``Accept-Encoding: identity``, never decompressed) with a streaming byte cap,
and one deadline (``fetch_timeout``) bounds the whole download.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import time
import typing
import urllib.parse
from collections.abc import Iterable

import httpcore
import httpx

from langchain_gravix_vision.errors import (
    ImageFetchError,
    ImageSourceNotAllowed,
    ImageTooLarge,
)
from langchain_gravix_vision.images.policy import ImagePolicy, normalize_host, short

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA_IPS = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_BLOCKED_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HEADERS = {
    "Accept": "image/*,*/*;q=0.5",
    "Accept-Encoding": "identity",
    "User-Agent": "langchain-gravix-vision",
}
_CHUNK = 64 * 1024


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 form carries (mapped, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if 1 < int(ip) < 2**32:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip))
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Return why ``ip`` must not be fetched from, or ``None`` if it is public.

    IPv4 addresses carried inside IPv6 forms (``::ffff:a.b.c.d``, NAT64, 6to4,
    Teredo) are unwrapped and checked.

    Example:
        >>> import ipaddress
        >>> blocked_reason(ipaddress.ip_address("169.254.169.254"))
        'cloud metadata'
        >>> blocked_reason(ipaddress.ip_address("::ffff:10.0.0.1"))
        'private (IPv4 inside IPv6)'
        >>> blocked_reason(ipaddress.ip_address("8.8.8.8")) is None
        True
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return "private (local NAT64)"
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            return None if reason is None else f"{reason} (IPv4 inside IPv6)"
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    checks: tuple[tuple[bool, str], ...] = (
        (ip in _METADATA_IPS, "cloud metadata"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "shared (CGNAT)"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-public"),
    )
    return next((reason for hit, reason in checks if hit), None)


def parse_ip_host(host: str) -> IPAddress | None:
    """Parse a URL host as an IP address, including legacy IPv4 spellings.

    Accepts what ``inet_aton`` accepts: 1 to 4 parts, each decimal, octal
    (leading ``0``) or hex (``0x``), the last part filling the remaining bytes.

    Example:
        >>> [str(parse_ip_host(h)) for h in ("2130706433", "0177.0.0.1", "0x7f.1")]
        ['127.0.0.1', '127.0.0.1', '127.0.0.1']
        >>> parse_ip_host("example.com") is None
        True
    """
    value = normalize_host(host)
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        pass
    parts = value.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if part[:2] == "0x":
            digits, base = part[2:] or "0", 16
        elif len(part) > 1 and part[0] == "0":
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not digits.isascii() or not digits.isalnum():
            return None
        try:
            numbers.append(int(digits, base))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    total = last
    for index, number in enumerate(head):
        total += number << (8 * (3 - index))
    return ipaddress.IPv4Address(total)


def check_url(url: str, policy: ImagePolicy) -> str:
    """Validate one URL (no DNS) and return the URL to request.

    Raises ``ImageSourceNotAllowed`` for non-http(s) schemes, credentials,
    ``localhost`` names and non-public literal IPs (unless the host is in
    ``policy.allowed_hosts``). Legacy IPv4 spellings of public addresses are
    rewritten to dotted-decimal form.

    Example:
        >>> check_url("https://example.com/cat.png", ImagePolicy())
        'https://example.com/cat.png'
        >>> check_url("http://0x7f.1/", ImagePolicy())
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.ImageSourceNotAllowed: URL host 0x7f.1 is a loopback address; only public hosts are fetched. Add it to ImagePolicy.allowed_hosts if it is trusted.
    """  # noqa: E501
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImageSourceNotAllowed(f"invalid URL {short(url)!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ImageSourceNotAllowed(
            f"URL scheme {short(scheme, 20)!r} is not allowed; only http and https"
            " URLs are fetched"
        )
    if parts.username is not None or parts.password is not None:
        raise ImageSourceNotAllowed(
            "URLs with credentials (user:password@) are not fetched; use a URL"
            " without them"
        )
    host = parts.hostname or ""
    if not host:
        raise ImageSourceNotAllowed(f"URL {short(url)!r} has no host")
    if any(c.isspace() or not c.isprintable() for c in host):
        raise ImageSourceNotAllowed(f"URL host {short(host)!r} is not valid")
    if policy.host_allowed(host):
        return url
    name = normalize_host(host)
    if name in _BLOCKED_NAMES or name.endswith(".localhost"):
        raise ImageSourceNotAllowed(
            f"URL host {short(host)} is a loopback name; only public hosts are"
            " fetched. Add it to ImagePolicy.allowed_hosts if it is trusted."
        )
    ip = parse_ip_host(host)
    if ip is None:
        return url
    reason = None if policy.host_allowed(str(ip)) else blocked_reason(ip)
    if reason is not None:
        raise ImageSourceNotAllowed(
            f"URL host {short(host)} is a {reason} address; only public hosts are"
            " fetched. Add it to ImagePolicy.allowed_hosts if it is trusted."
        )
    if name == str(ip):
        return url
    canonical = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = canonical if port is None else f"{canonical}:{port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


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

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve ``host``, check every answer, connect to a checked IP."""
        try:
            infos = socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except (OSError, UnicodeError):
            raise httpcore.ConnectError(f"could not resolve {short(host)}") from None
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
                        f"host {short(host)} resolves to a {reason} address; only"
                        " public hosts are fetched. Add it to"
                        " ImagePolicy.allowed_hosts if it is trusted."
                    )
        error: Exception = httpcore.ConnectError(f"no address for {short(host)}")
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


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context (loading the CA bundle is the slow part)."""
    return httpx.create_ssl_context()


def _client(policy: ImagePolicy, deadline: float) -> httpx.Client:
    """Build a client whose connections all go through ``PinnedBackend``."""
    transport = httpx.HTTPTransport(retries=0)
    transport._pool.close()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=_ssl_context(),
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
            f"{short(host)} announces {int(declared):,} bytes; the limit is"
            f" {limit:,} (ImagePolicy.max_source_bytes)"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ImageTooLarge(
                f"the download from {short(host)} exceeds {limit:,} bytes"
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
                                f"{short(host)} sent a redirect without a Location"
                            )
                        current = check_url(
                            urllib.parse.urljoin(current, location), policy
                        )
                        continue
                    if not response.is_success:
                        raise ImageFetchError(
                            f"{short(host)} answered HTTP {response.status_code};"
                            " check that the image URL is public and correct"
                        )
                    data = _read_capped(response, policy, host)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the download deadline passed")
                    return data
    except httpx.TimeoutException:
        raise ImageFetchError(
            f"downloading from {short(host)} took longer than"
            f" {policy.fetch_timeout:g} s (ImagePolicy.fetch_timeout)"
        ) from None
    except httpx.InvalidURL as exc:
        raise ImageSourceNotAllowed(f"invalid URL: {short(exc, 120)}") from None
    except httpx.HTTPError as exc:
        raise ImageFetchError(
            f"downloading from {short(host)} failed: {short(exc, 120)}"
        ) from None
    raise ImageFetchError(
        f"more than {policy.max_redirects} redirects (ImagePolicy.max_redirects)"
        f" starting at {short(urllib.parse.urlsplit(url).hostname or url)}"
    )


__all__ = [
    "PinnedBackend",
    "blocked_reason",
    "check_url",
    "fetch_url",
    "parse_ip_host",
]
