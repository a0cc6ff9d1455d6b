"""``gravix-vision mcp``: the vision tools over the Model Context Protocol.

Serves the toolkit's tools (``describe_image``, ``read_chart``,
``extract_text``, ``locate_objects``, ``compare_images`` and any tool added
to the toolkit later) with the official
``mcp`` SDK (the ``[mcp]`` extra), over stdio by default or Streamable HTTP
(``--http``). Schemas come from the LangChain tools themselves: the input
schema from each tool's argument model, the ``outputSchema`` from its result
model. A call runs the LangChain tool, so results and errors are the same:
``structuredContent`` (the artifact) plus the tool's short text, or an
``isError`` result whose text starts with the tool's error code.

Local paths are jailed to ``--root`` directories (default: the working
directory), narrowed to the client's MCP roots when it declares some. The API
key comes from ``GRAVIXLAYER_API_KEY`` and never appears in a message or log.

Example:
    gravix-vision mcp --root ~/Pictures
    GRAVIX_MCP_TOKEN=... gravix-vision mcp --http --port 8770
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from langchain_gravix_vision._options import build_llm, concurrency_arg, rate_limit_arg
from langchain_gravix_vision._text import redact
from langchain_gravix_vision._tool_options import load_schema
from langchain_gravix_vision._version import __version__
from langchain_gravix_vision.chat_models import API_KEY_ENV
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.mcp._roots import file_root, narrow_roots
from langchain_gravix_vision.mcp._transports import (
    is_loopback,
    listen_on,
    serve_http,
    serve_stdio,
)
from langchain_gravix_vision.profiles import DEFAULT_MODEL
from langchain_gravix_vision.tools import (
    ExtractFieldsTool,
    GravixVisionToolkit,
    VisionTool,
)

if TYPE_CHECKING:
    from mcp import types
    from mcp.server.lowlevel import Server

TOKEN_ENV = "GRAVIX_MCP_TOKEN"  # noqa: S105 (a variable name)
"""Env var holding the bearer token HTTP clients must send."""
MIN_TOKEN_LENGTH = 16
ROOTS_TIMEOUT_S = 10.0
SERVER_NAME = "gravix-vision"
logger = logging.getLogger(__name__)


DEFAULT_PORT = 8770
"""``--http``'s port (the keyless stand-in uses 8765, so both can run at once)."""


SERVED: dict[str, Any] = {"comparison": True}
"""Toolkit options the server always sets: it serves ``compare_images`` too."""


def tool_names() -> list[str]:
    """The names of the tools the server serves (the toolkit's, in order)."""
    return [tool.name for tool in GravixVisionToolkit(llm=None, **SERVED).get_tools()]


def add_parser(
    subparsers: Any, formatter: type[argparse.HelpFormatter]
) -> argparse.ArgumentParser:
    """Add the ``mcp`` subcommand to the ``gravix-vision`` parser."""
    names = tool_names()
    sub = subparsers.add_parser(
        "mcp",
        help="Serve the vision tools over MCP (stdio, or Streamable HTTP).",
        description=(
            f"Serve the {len(names)} vision tools ({', '.join(names)}) to any MCP"
            " client. Needs the [mcp] extra. HTTP clients send 'Authorization:"
            f" Bearer <token>' when {TOKEN_ENV} is set."
        ),
        epilog=(
            "examples:\n  gravix-vision mcp --root ~/Pictures\n"
            f"  {TOKEN_ENV}=<secret> gravix-vision mcp --http --port {DEFAULT_PORT}"
        ),
        formatter_class=formatter,
    )
    sub.add_argument(
        "--root",
        action="append",
        default=None,
        metavar="DIR",
        help="directory local image paths must be under (repeatable; default: cwd)",
    )
    sub.add_argument(
        "--allow-host",
        action="append",
        default=None,
        metavar="HOST",
        help="also fetch image URLs on this private or loopback host (repeatable)",
    )
    sub.add_argument("--model", default=DEFAULT_MODEL, help="vision model")
    sub.add_argument(
        "--concurrency", type=concurrency_arg, default=4, help="parallel calls"
    )
    sub.add_argument(
        "--rate-limit",
        type=rate_limit_arg,
        default=100.0,
        help="max requests per minute (default 100, the serverless limit)",
    )
    sub.add_argument(
        "--moderation", action="store_true", help="also serve moderate_image"
    )
    sub.add_argument(
        "--video",
        action="store_true",
        help="also serve describe_video (needs the [video] extra)",
    )
    sub.add_argument(
        "--schema",
        action="append",
        default=None,
        type=load_schema,
        metavar="FILE",
        help="also serve an extraction tool for this JSON schema (repeatable)",
    )
    sub.add_argument("--http", action="store_true", help="Streamable HTTP, not stdio")
    sub.add_argument("--host", default="127.0.0.1", help="HTTP bind address")
    sub.add_argument("--port", type=int, default=DEFAULT_PORT, help="HTTP port")
    sub.add_argument(
        "--allow-remote",
        action="store_true",
        help=f"allow a non-loopback --host (requires {TOKEN_ENV})",
    )
    return sub


# ---------------------------------------------------------------- the tools


def input_schema(tool: BaseTool) -> dict[str, Any]:
    """The JSON schema of the arguments the calling LLM fills in."""
    schema = tool.tool_call_schema
    if isinstance(schema, dict):
        return dict(schema)
    if issubclass(schema, BaseModel):
        return schema.model_json_schema()
    return dict(schema.schema())  # a pydantic v1 model


def output_schema(tool: BaseTool) -> dict[str, Any] | None:
    """The JSON schema of a tool's artifact (``None`` if it has no result model)."""
    if isinstance(tool, ExtractFieldsTool):  # the user's schema
        return tool.output_json_schema()
    result = getattr(type(tool), "result_schema", None)  # VisionTool subclasses
    if isinstance(result, type) and issubclass(result, BaseModel):
        return result.model_json_schema(mode="serialization")
    return None


SETTINGS = {
    "allowed_roots": "the server's --root",
    "allowed_hosts": "the server's --allow-host",
}
"""The ``ImagePolicy`` fields error hints name as this server's options."""


class VisionMCPServer:
    """The LangChain vision tools behind an MCP low-level ``Server``.

    Error hints name the server's options (``--root``), not ``ImagePolicy``.
    """

    def __init__(
        self,
        tools: Sequence[BaseTool],
        policy: ImagePolicy,
        *,
        concurrency: int = 4,
        secrets: Sequence[str] = (),
    ) -> None:
        import anyio

        self.tools = {
            tool.name: tool.model_copy(update={"setting_names": SETTINGS})
            if isinstance(tool, VisionTool)
            else tool
            for tool in tools
        }
        self.policy = policy
        self.secrets = [s for s in secrets if s]
        self.gate = anyio.Semaphore(max(1, concurrency))

    def mcp_tools(self) -> list[types.Tool]:
        """The tools as MCP ``Tool`` definitions."""
        from mcp import types

        return [
            types.Tool(
                name=tool.name,
                description=tool.description,
                inputSchema=input_schema(tool),
                outputSchema=output_schema(tool),
                annotations=types.ToolAnnotations(
                    readOnlyHint=True, destructiveHint=False, openWorldHint=True
                ),
            )
            for tool in self.tools.values()
        ]

    async def policy_for(self, server: Server) -> ImagePolicy:
        """This call's policy: the server roots narrowed to the client's roots."""
        import anyio

        try:
            session = server.request_context.session
        except LookupError:
            return self.policy
        params = session.client_params
        if params is None or params.capabilities.roots is None:
            return self.policy
        try:
            with anyio.fail_after(ROOTS_TIMEOUT_S):
                listed = await session.list_roots()
        except Exception:  # a client that declares roots but cannot list them
            logger.warning("mcp: the client's roots could not be listed")
            return self.policy
        client = [p for p in (file_root(str(r.uri)) for r in listed.roots) if p]
        if not listed.roots:
            return self.policy  # no roots given: the server's roots stand
        roots = narrow_roots(self.policy.root_dirs(), client)
        return self.policy.model_copy(
            update={"allowed_roots": tuple(Path(r) for r in roots)}
        )

    async def call(
        self, server: Server, name: str, arguments: dict[str, Any]
    ) -> types.CallToolResult | tuple[list[types.TextContent], dict[str, Any]]:
        """Run one tool call; every failure becomes an ``isError`` result."""
        from mcp import types

        tool = self.tools.get(name)
        if tool is None:
            return self.error(f"unknown_tool: no tool named {name[:60]!r}")
        try:
            policy = await self.policy_for(server)
            if policy is not self.policy:
                tool = tool.model_copy(update={"image_policy": policy})
            call = {"args": arguments, "id": "mcp", "name": name, "type": "tool_call"}
            async with self.gate:
                message = await tool.ainvoke(call)
        except Exception as exc:  # the tools catch their own; this is a backstop
            logger.error("mcp: unexpected %s in %s", type(exc).__name__, name)
            return self.error(
                f"internal_error: unexpected {type(exc).__name__} in the vision tool"
            )
        text = str(message.content) if isinstance(message, ToolMessage) else ""
        if not isinstance(message, ToolMessage) or message.status == "error":
            return self.error(text or "internal_error: the tool gave no result")
        artifact = message.artifact
        if isinstance(artifact, BaseModel):
            artifact = artifact.model_dump(mode="json")
        if not isinstance(artifact, dict):  # an extraction's dict is already JSON
            return self.error("internal_error: the tool gave no structured result")
        content = [types.TextContent(type="text", text=self.clean(text))]
        return content, artifact

    def clean(self, text: str) -> str:
        """Remove the API key (and key-shaped strings) from outgoing text."""
        return redact(text, self.secrets)

    def error(self, text: str) -> types.CallToolResult:
        """An ``isError`` result carrying the tool's coded message."""
        from mcp import types

        text = self.clean(text)
        logger.info("mcp: tool call failed: %s", text)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], isError=True
        )

    def build(self) -> Server:
        """The MCP low-level server with list_tools and call_tool handlers."""
        from mcp.server.lowlevel import Server  # the optional [mcp] extra

        server: Server = Server(SERVER_NAME, version=__version__)
        tools = self.mcp_tools()

        @server.list_tools()
        async def _list() -> list[types.Tool]:
            return tools

        # The tools validate their own arguments (codes as in LangChain).
        @server.call_tool(validate_input=False)
        async def _call(
            name: str, arguments: dict[str, Any]
        ) -> types.CallToolResult | tuple[list[types.TextContent], dict[str, Any]]:
            return await self.call(server, name, arguments)

        return server


def _fail(message: str) -> int:
    sys.stderr.write(f"gravix-vision mcp: {message}\n")
    return 2


def main(args: argparse.Namespace) -> int:
    """Run ``gravix-vision mcp``; returns the exit status."""
    token = os.environ.get(TOKEN_ENV) or None
    if args.http and not is_loopback(args.host) and not args.allow_remote:
        return _fail(
            f"refusing to bind {args.host!r}: not a loopback address; "
            f"pass --allow-remote and set {TOKEN_ENV}"
        )
    if args.http and args.allow_remote and token is None:
        return _fail(f"--allow-remote needs a bearer token in {TOKEN_ENV}")
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        return _fail(f"{TOKEN_ENV} must be at least {MIN_TOKEN_LENGTH} characters")
    key = os.environ.get(API_KEY_ENV)
    if not key:
        return _fail(f"{API_KEY_ENV} is not set; export it first")
    try:
        import anyio
        import mcp  # noqa: F401
    except ImportError:
        return _fail(
            "needs the 'mcp' extra: pip install 'langchain-gravix-vision[mcp]'"
        )
    roots = [Path(r).expanduser().resolve() for r in args.root] if args.root else None
    missing = [r.name or str(r) for r in roots or () if not r.is_dir()]
    if missing:
        return _fail(f"--root must be an existing directory: {', '.join(missing)}")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    policy = ImagePolicy(
        allowed_roots=tuple(roots) if roots else None,
        allowed_hosts=tuple(args.allow_host or ()),
    )
    tools = GravixVisionToolkit(
        llm=build_llm(args),
        image_policy=policy,
        moderation=args.moderation,
        video=args.video,
        extraction_schemas=args.schema or [],
        **SERVED,
    ).get_tools()
    vision = VisionMCPServer(
        tools, policy, concurrency=args.concurrency, secrets=[key, token or ""]
    )
    server = vision.build()
    try:
        if args.http:
            try:
                sock = listen_on(args.host, args.port)
            except OSError as exc:
                reason = "is already in use" if _in_use(exc) else "cannot be used"
                return _fail(
                    f"port {args.port} on {args.host} {reason}; pick another"
                    " with --port"
                )
            with sock:
                anyio.run(serve_http, server, sock, token, policy)
        else:
            anyio.run(serve_stdio, server)
    except BaseException as exc:  # anyio may wrap these in an exception group
        leaves = _leaves(exc)
        if any(isinstance(e, KeyboardInterrupt) for e in leaves):
            sys.stderr.write("gravix-vision mcp: stopped (Ctrl-C).\n")
            return 130
        raise
    return 0


def _in_use(exc: OSError) -> bool:
    return exc.errno == errno.EADDRINUSE or "address already in use" in str(exc)


def _leaves(exc: BaseException) -> list[BaseException]:
    """``exc`` itself, or every exception inside an exception group."""
    inner = getattr(exc, "exceptions", None)
    if not isinstance(inner, tuple):
        return [exc]
    return [leaf for child in inner for leaf in _leaves(child)]
