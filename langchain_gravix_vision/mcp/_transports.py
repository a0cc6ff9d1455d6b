"""How ``gravix-vision mcp`` is reached: stdio, or Streamable HTTP with a token.

The HTTP transport checks ``Host``/``Origin`` against DNS rebinding when bound
to a loopback address, caps request bodies at what one image allows, and
answers 401 to a request without the token (compared in constant time).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

    from langchain_gravix_vision.images import ImagePolicy

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Whether a bind address is loopback-only.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BearerAuth:
    """ASGI middleware: every HTTP request must carry ``Bearer <token>``."""

    def __init__(self, app: Any, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Answer 401 without the token, else pass the request on."""
        if scope["type"] == "http" and self.token is not None:
            headers = dict(scope.get("headers") or [])
            given = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, value = given.partition(" ")
            expected = self.token.encode()
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode("latin-1"), expected
            ):
                await _plain(send, 401, b"missing or wrong bearer token")
                return
        await self.app(scope, receive, send)


async def _plain(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def serve_stdio(server: Server) -> None:
    """Serve over stdin/stdout until the client closes them."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def listen_on(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (``OSError`` when the port is taken).

    Bound before the server starts, so a taken port is one clear error, not
    a failure inside the server's startup.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def serve_http(
    server: Server, sock: socket.socket, token: str | None, policy: ImagePolicy
) -> None:
    """Serve Streamable HTTP at ``/mcp`` on ``sock`` (bearer token checked when set)."""
    import uvicorn  # the optional [mcp] extra
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from mcp.server.transport_security import TransportSecuritySettings

    host, port = sock.getsockname()[:2]
    local = is_loopback(host)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=local,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*"],
    )
    # A data URL carries the image as base64 (4/3 of the bytes) plus the JSON.
    body_cap = policy.max_source_bytes * 4 // 3 + 256 * 1024
    manager = StreamableHTTPSessionManager(
        server, security_settings=security, max_request_body_size=body_cap
    )

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path", "").rstrip("/") == "/mcp":
            await manager.handle_request(scope, receive, send)
        elif scope["type"] == "http":
            await _plain(send, 404, b"not found; the MCP endpoint is /mcp")

    config = uvicorn.Config(
        BearerAuth(app, token),
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    async with manager.run():
        logger.warning("gravix-vision mcp: serving http://%s:%d/mcp", host, port)
        await uvicorn.Server(config).serve(sockets=[sock])
