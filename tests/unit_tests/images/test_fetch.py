"""SSRF-safe fetcher: URL checks without sockets, and real fetches on 127.0.0.1 only.

Tests that open sockets carry ``enable_socket`` and only talk to servers they
start themselves on 127.0.0.1; host names other than that are resolved by a
patched ``getaddrinfo`` to 127.0.0.1 as well.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_gravix_vision.errors import (
    ImageFetchError,
    ImageSourceNotAllowed,
    ImageTooLarge,
    UnsupportedImageFormat,
)
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.images import _fetch as fetch_module
from langchain_gravix_vision.images._fetch import fetch_url
from langchain_gravix_vision.images._urls import (
    blocked_reason,
    check_url,
    parse_ip_host,
)
from langchain_gravix_vision.inputs import load_image

from ._imaging import png_bytes
from ._server import (
    LocalServer,
    body,
    drip,
    endless,
    gzip_bomb,
    local_server,
    lying_length,
    redirect,
)

PNG = png_bytes((40, 30))
LOCAL = ImagePolicy(allowed_hosts=("127.0.0.1",))


# --------------------------------------------------------------------------
# No network at all


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://100.64.0.1/",
        "http://10.0.0.1/",
        "http://192.168.1.1:8080/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:7f00:1::]/",
        "http://224.0.0.1/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://app.localhost/",
        "https://[fe80::1%25eth0]/",
    ],
)
def test_blocked_literal_hosts_need_no_socket(
    url: str, socket_disabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_dns(*args: object, **kwargs: object) -> object:
        raise AssertionError("DNS must not be used for literal checks")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(ImageSourceNotAllowed, match="only public hosts"):
        fetch_url(url, ImagePolicy())
    with pytest.raises(ImageSourceNotAllowed):
        load_image(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x.png",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:pass@example.com/x.png",
        "http:///x.png",
        "http://example.com:99999/",
        "http://exa mple.com/",
        "http://[::1/",
        "http://example.com/\x00",
    ],
)
def test_bad_urls_are_refused(url: str, socket_disabled: None) -> None:
    with pytest.raises(ImageSourceNotAllowed):
        fetch_url(url, ImagePolicy())


def test_public_urls_pass_the_url_check(socket_disabled: None) -> None:
    policy = ImagePolicy()
    assert check_url("https://example.com/a.png?x=1", policy) == (
        "https://example.com/a.png?x=1"
    )
    assert check_url("http://8.8.8.8/a.png", policy) == "http://8.8.8.8/a.png"
    # Legacy spellings of a public IP are rewritten to dotted decimal.
    assert check_url("http://134744072:8080/a", policy) == "http://8.8.8.8:8080/a"


def test_allowed_hosts_admit_private_literals(socket_disabled: None) -> None:
    url = "http://127.0.0.1:9/x.png"
    with pytest.raises(ImageSourceNotAllowed):
        check_url(url, ImagePolicy())
    assert check_url(url, LOCAL) == url
    assert check_url("http://2130706433:9/x", LOCAL) == "http://127.0.0.1:9/x"
    with pytest.raises(ImageSourceNotAllowed):  # a name is not its address
        check_url("http://localhost:9/x.png", LOCAL)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.100.100.200", "cloud metadata"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "private"),
        ("255.255.255.255", "private"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "cloud metadata"),
        ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private (IPv4 inside IPv6)"),
        ("64:ff9b::7f00:1", "loopback (IPv4 inside IPv6)"),
        ("64:ff9b:1::1", "private (local NAT64)"),
        ("2002:a9fe:a9fe::", "cloud metadata (IPv4 inside IPv6)"),
        ("::127.0.0.1", "loopback (IPv4 inside IPv6)"),
        ("2001:db8::1", "private"),
    ],
)
def test_blocked_addresses(address: str, reason: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808"]
)
def test_public_addresses(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F.0.0.0x1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.0x10.1", "10.16.0.1"),
        ("[::1]", "::1"),
        ("example.com", None),
        ("08.0.0.1", None),
        ("1.2.3.4.5", None),
        ("256.0.0.1", None),
        ("4294967296", None),
    ],
)
def test_parse_ip_host(host: str, expected: str | None) -> None:
    parsed = parse_ip_host(host)
    assert (None if parsed is None else str(parsed)) == expected


# --------------------------------------------------------------------------
# Local servers (127.0.0.1 only)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with local_server() as running:
        yield running


@pytest.fixture
def fake_dns(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Resolve every name to 127.0.0.1 (and 8.8.8.8 for 'mixed.test')."""
    asked: list[str] = []

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        answers = [("127.0.0.1", port)]
        if host == "mixed.test":
            answers.insert(0, ("8.8.8.8", port))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", a) for a in answers]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return asked


def names(asked: list[str]) -> list[str]:
    """Host names resolved (socket.create_connection also 'resolves' the IP)."""
    return [host for host in asked if parse_ip_host(host) is None]


@pytest.mark.enable_socket
def test_loopback_is_blocked_by_default(server: LocalServer) -> None:
    server.routes["/png"] = body(PNG)
    with pytest.raises(ImageSourceNotAllowed, match="loopback"):
        fetch_url(server.url("/png"), ImagePolicy())
    assert server.seen == []


@pytest.mark.enable_socket
def test_allowed_host_is_fetched(server: LocalServer) -> None:
    server.routes["/png"] = body(PNG)
    assert fetch_url(server.url("/png"), LOCAL) == PNG
    ((_path, headers),) = server.seen
    assert headers["Accept-Encoding"] == "identity"
    image = load_image(server.url("/png"), policy=LOCAL)
    assert image.original_size == (40, 30)
    assert image.source_bytes == len(PNG)


@pytest.mark.enable_socket
def test_name_resolving_to_loopback_is_blocked_at_connect(
    server: LocalServer, fake_dns: list[str]
) -> None:
    server.routes["/png"] = body(PNG)
    with pytest.raises(ImageSourceNotAllowed, match="resolves to a loopback"):
        fetch_url(server.url("/png", host="images.test"), ImagePolicy())
    assert names(fake_dns) == ["images.test"]
    assert server.seen == []


@pytest.mark.enable_socket
def test_every_dns_answer_is_checked(server: LocalServer, fake_dns: list[str]) -> None:
    server.routes["/png"] = body(PNG)
    with pytest.raises(ImageSourceNotAllowed, match="loopback"):
        fetch_url(server.url("/png", host="mixed.test"), ImagePolicy())
    assert server.seen == []


@pytest.mark.enable_socket
def test_allowed_name_is_pinned_to_the_checked_ip(
    server: LocalServer, fake_dns: list[str]
) -> None:
    server.routes["/png"] = body(PNG)
    policy = ImagePolicy(allowed_hosts=("images.test",))
    assert fetch_url(server.url("/png", host="images.test"), policy) == PNG
    assert names(fake_dns) == ["images.test"]  # resolved once, in the connection
    ((_path, headers),) = server.seen
    assert headers["Host"] == f"images.test:{server.port}"


@pytest.mark.enable_socket
def test_redirect_chain_within_limit(server: LocalServer) -> None:
    server.routes["/png"] = body(PNG)
    server.routes["/r0"] = redirect("/png")
    server.routes["/r1"] = redirect(server.url("/r0"))
    server.routes["/r2"] = redirect("/r1", status=307)
    server.routes["/r3"] = redirect("/r2", status=301)
    assert fetch_url(server.url("/r2"), LOCAL) == PNG  # 3 redirects
    assert [path for path, _ in server.seen] == ["/r2", "/r1", "/r0", "/png"]
    with pytest.raises(ImageFetchError, match="more than 3 redirects"):
        fetch_url(server.url("/r3"), LOCAL)  # 4 redirects
    policy = ImagePolicy(allowed_hosts=("127.0.0.1",), max_redirects=0)
    with pytest.raises(ImageFetchError, match="more than 0 redirects"):
        fetch_url(server.url("/r0"), policy)


@pytest.mark.enable_socket
@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:{port}/png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{port}/png",
        "http://10.0.0.1/",
        "file:///etc/passwd",
    ],
)
def test_redirect_to_a_blocked_target_is_refused(
    server: LocalServer, target: str
) -> None:
    server.routes["/png"] = body(PNG)
    server.routes["/go"] = redirect(target.format(port=server.port))
    with pytest.raises(ImageSourceNotAllowed):
        fetch_url(server.url("/go"), LOCAL)
    assert [path for path, _ in server.seen] == ["/go"]


@pytest.mark.enable_socket
def test_redirect_to_a_name_resolving_privately_is_refused(
    server: LocalServer, fake_dns: list[str]
) -> None:
    server.routes["/go"] = redirect(f"http://internal.test:{server.port}/png")
    with pytest.raises(ImageSourceNotAllowed, match="resolves to a loopback"):
        fetch_url(server.url("/go"), LOCAL)
    assert names(fake_dns) == ["internal.test"]


@pytest.mark.enable_socket
@pytest.mark.timeout(30)
def test_slow_drip_hits_the_overall_deadline(server: LocalServer) -> None:
    server.routes["/slow"] = drip(interval=0.05, total=2000)  # would take 100 s
    policy = ImagePolicy(allowed_hosts=("127.0.0.1",), fetch_timeout=0.5)
    with pytest.raises(ImageFetchError, match="fetch_timeout"):
        fetch_url(server.url("/slow"), policy)


@pytest.mark.enable_socket
def test_streamed_body_over_the_cap(server: LocalServer) -> None:
    server.routes["/big"] = endless()
    policy = ImagePolicy(allowed_hosts=("127.0.0.1",), max_source_bytes=1024 * 1024)
    with pytest.raises(ImageTooLarge, match="exceeds"):
        fetch_url(server.url("/big"), policy)


@pytest.mark.enable_socket
def test_content_length_over_the_cap_is_refused_early(server: LocalServer) -> None:
    server.routes["/huge"] = lying_length(10**12)
    with pytest.raises(ImageTooLarge, match="announces"):
        fetch_url(server.url("/huge"), LOCAL)


@pytest.mark.enable_socket
def test_gzip_bomb_is_not_expanded(server: LocalServer) -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 200_000
    server.routes["/bomb"] = body(bomb, Content_Encoding="gzip")
    data = fetch_url(server.url("/bomb"), LOCAL)
    assert data == bomb  # raw bytes, never inflated
    with pytest.raises(UnsupportedImageFormat):
        load_image(server.url("/bomb"), policy=LOCAL)


@pytest.mark.enable_socket
def test_wrong_content_type_with_real_png_is_accepted(server: LocalServer) -> None:
    server.routes["/png-as-text"] = body(PNG, content_type="text/plain")
    image = load_image(server.url("/png-as-text"), policy=LOCAL)
    assert image.source_format == "PNG"


@pytest.mark.enable_socket
def test_html_with_image_content_type_is_unsupported(server: LocalServer) -> None:
    html = b"<!doctype html><html><body>login required</body></html>"
    server.routes["/html"] = body(html, content_type="image/png")
    with pytest.raises(UnsupportedImageFormat, match="looks like text"):
        load_image(server.url("/html"), policy=LOCAL)


@pytest.mark.enable_socket
def test_http_errors_are_fetch_errors(server: LocalServer) -> None:
    with pytest.raises(ImageFetchError, match="HTTP 404"):
        fetch_url(server.url("/missing"), LOCAL)
    server.routes["/nowhere"] = redirect("")
    with pytest.raises(ImageFetchError, match="without a Location"):
        fetch_url(server.url("/nowhere"), LOCAL)


@pytest.mark.enable_socket
def test_connection_refused_is_a_fetch_error(server: LocalServer) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(ImageFetchError, match="failed"):
        fetch_url(f"http://127.0.0.1:{port}/x.png", LOCAL)


@pytest.mark.enable_socket
def test_vcr_replay_needs_no_dns_and_no_server(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    vcr = pytest.importorskip("vcr")
    recorder = vcr.VCR(cassette_library_dir=str(tmp_path), record_mode="once")
    with local_server() as running:
        running.routes["/png"] = body(PNG)
        url = running.url("/png")
        with recorder.use_cassette("fetch.yaml"):
            assert fetch_url(url, LOCAL) == PNG

    def no_dns(*args: object, **kwargs: object) -> object:
        raise AssertionError("replay must not resolve names")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with recorder.use_cassette("fetch.yaml"):  # the server is gone
        assert fetch_url(url, LOCAL) == PNG
        with pytest.raises(ImageSourceNotAllowed):  # URL checks still apply
            fetch_url(url, ImagePolicy())


@pytest.mark.enable_socket
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_https_is_pinned_and_still_verifies_the_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_dns: list[str]
) -> None:
    """TLS runs above the pinned stream: SNI and certificate checks use the name."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=images.test", "-addext", "subjectAltName=DNS:images.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    client_context = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(fetch_module, "ssl_context", lambda: client_context)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(str(cert), str(key))
    with local_server(tls=server_context) as running:
        running.routes["/png"] = body(PNG)
        url = f"https://images.test:{running.port}/png"
        policy = ImagePolicy(allowed_hosts=("images.test",))
        assert fetch_url(url, policy) == PNG
        with pytest.raises(ImageSourceNotAllowed):  # resolves to loopback
            fetch_url(url, ImagePolicy())
        wrong_name = f"https://127.0.0.1:{running.port}/png"
        with pytest.raises(ImageFetchError, match="CERTIFICATE_VERIFY_FAILED"):
            fetch_url(wrong_name, LOCAL)
