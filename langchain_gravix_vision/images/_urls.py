"""URL checks without DNS: schemes, credentials, loopback names, non-public IPs.

``check_url`` runs on the URL of every hop: http/https only, no credentials,
``localhost`` names and literal IPs (including decimal, octal and hex IPv4
forms such as ``2130706433`` or ``0x7f.1``) must be public unless the host is
in ``ImagePolicy.allowed_hosts``. ``blocked_reason`` is also what the fetcher
applies to every resolved address.
"""

from __future__ import annotations

import ipaddress
import unicodedata
import urllib.parse

from langchain_gravix_vision._text import printable
from langchain_gravix_vision.errors import ImageSourceNotAllowed
from langchain_gravix_vision.images._policy import ImagePolicy, normalize_host

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
_IDNA_DOTS = {0x3002: ".", 0xFF0E: ".", 0xFF61: "."}
_BLOCKED_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
)


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
        problem = (
            "its port is not a number from 0 to 65535"
            if "ort" in str(exc)
            else ("it cannot be parsed")
        )
        raise ImageSourceNotAllowed(
            f"invalid URL ({url_shown(url)}): {problem}"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ImageSourceNotAllowed(
            f"URL scheme {printable(scheme, 20)!r} is not allowed; only http and https"
            " URLs are fetched"
        )
    if parts.username is not None or parts.password is not None:
        raise ImageSourceNotAllowed(
            "URLs with credentials (user:password@) are not fetched; use a URL"
            " without them"
        )
    host = parts.hostname or ""
    if not host:
        raise ImageSourceNotAllowed(f"invalid URL ({url_shown(url)}): it has no host")
    if any(c.isspace() or not c.isprintable() for c in host):
        raise ImageSourceNotAllowed(f"invalid URL: host {printable(host)!r}")
    if policy.host_allowed(host):
        return url
    # Check the host as a URL parser or IDNA will read it (the server's, in
    # pass-through mode): %-escapes, full-width and circled forms, IDNA dots.
    canonical_host = canonical_url_host(host)
    if canonical_host != host and policy.host_allowed(canonical_host):
        return url
    name = normalize_host(canonical_host)
    if name in _BLOCKED_NAMES or name.endswith(".localhost"):
        raise ImageSourceNotAllowed(
            f"URL host {printable(host)} is a loopback name; only public hosts are"
            " fetched. Add it to ImagePolicy.allowed_hosts if it is trusted."
        )
    ip = parse_ip_host(canonical_host)
    if ip is None:
        return url
    reason = None if policy.host_allowed(str(ip)) else blocked_reason(ip)
    if reason is not None:
        raise ImageSourceNotAllowed(
            f"URL host {printable(host)} is a {reason} address; only public hosts are"
            " fetched. Add it to ImagePolicy.allowed_hosts if it is trusted."
        )
    if name == str(ip):
        return url
    canonical = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = canonical if port is None else f"{canonical}:{port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def canonical_url_host(host: str) -> str:
    r"""Return ``host`` as URL parsers and IDNA read it, for checking.

    Percent-escapes are decoded, compatibility forms (full-width, circled)
    folded by NFKC, and the IDNA dot variants become ``.``.

    Example:
        >>> fullwidth = "\uff11\uff12\uff17\u3002\uff10.0.1"
        >>> [canonical_url_host(h) for h in ("%31%32%37.0.0.1", fullwidth,
        ...  "localhost%2e")]
        ['127.0.0.1', '127.0.0.1', 'localhost.']
    """
    text = unicodedata.normalize("NFKC", urllib.parse.unquote(host))
    return text.translate(_IDNA_DOTS).lower()


def url_shown(url: str) -> str:
    """The part of a URL that is safe to show: host and last path segment.

    No credentials, port, query or fragment (signatures and tokens live
    there); control characters escaped.

    Example:
        >>> url_shown("https://admin:S3cr3t@img.example:8443/a/cat.png?X-Amz-Signature=1")
        'img.example/cat.png'
    """
    rest = url.split("://", 1)[-1]
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = authority.rsplit("@", 1)[-1]
    if not host.startswith("["):
        host = host.split(":", 1)[0]
    path = rest[len(authority) :].split("?", 1)[0].split("#", 1)[0]
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return printable(f"{host}/{last}" if last else host)


__all__ = [
    "IPAddress",
    "blocked_reason",
    "canonical_url_host",
    "check_url",
    "parse_ip_host",
    "url_shown",
]
