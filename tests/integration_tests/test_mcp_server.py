"""``gravix-vision mcp`` end to end, driven by the official MCP client SDK.

The server runs as a subprocess (``python -m langchain_gravix_vision.cli mcp``),
so vcrpy cannot replay its calls; it talks to the stand-in server started here
on 127.0.0.1 instead (offline, loopback only). Tests assert structure: schemas,
``isError``, error codes, and that no path or secret leaks; never the wording
of the stand-in's answers.
"""

from __future__ import annotations

import base64
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import jsonschema
import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_mcp_adapters.tools import load_mcp_tools
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import get_default_environment, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.context import RequestContext

from langchain_gravix_vision import ChatGravixVision, GravixVisionToolkit, cli
from langchain_gravix_vision.mcp.server import (
    SERVED,
    TOKEN_ENV,
    input_schema,
    output_schema,
)
from tests.scripted_answers import description, json_reply
from tests.stand_in import Reply, StandInServer

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SECRET = "gx-mcp-test-secret-7f3a9c2e"  # not key-shaped: only the key filter hides it
TOKEN = "mcp-bearer-token-0123456789abcdef"
IMAGES = {
    "describe_image": "tests/data/photos/chelsea.png",
    "read_chart": "tests/data/charts/bar_sales.png",
    "extract_text": "tests/data/text/receipt.png",
}
CODE = re.compile(r"^([a-z_]+): ")
TOOL_NAMES = {t.name for t in GravixVisionToolkit(**SERVED).get_tools()}

# A hang guard for the subprocesses, not a timing assertion.
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandInServer]:
    with StandInServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(stand_in: StandInServer) -> Iterator[None]:
    stand_in.reset()
    yield
    stand_in.reset()


def _env(base_url: str, **extra: str) -> dict[str, str]:
    return {
        **get_default_environment(),
        "GRAVIXLAYER_API_KEY": SECRET,
        "GRAVIXLAYER_BASE_URL": base_url,
        **extra,
    }


def _command(*extra: str) -> list[str]:
    return ["-m", "langchain_gravix_vision.cli", "mcp", "--root", "tests/data", *extra]


@asynccontextmanager
async def _session(
    stand_in: StandInServer, log: IO[str], roots: list[Path] | None = None
) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable,
        args=_command("--rate-limit", "0"),
        env=_env(stand_in.base_url),
        cwd=str(REPO),
    )

    async def list_roots(_: RequestContext[Any, Any]) -> types.ListRootsResult:
        listed = [types.Root(uri=types.FileUrl(p.as_uri())) for p in roots or []]
        return types.ListRootsResult(roots=listed)

    async with (
        stdio_client(params, errlog=log) as (read, write),
        ClientSession(
            read, write, list_roots_callback=list_roots if roots else None
        ) as session,
    ):
        await session.initialize()
        yield session


def _text(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def _assert_clean(text: str, given: dict[str, Any] | None = None) -> None:
    """No secret and no absolute path of this machine in ``text``.

    The caller's own arguments may be echoed (shortened); nothing else.
    """
    assert SECRET not in text
    for value in (given or {}).values():
        text = text.replace(str(value), "")
    for path in (str(REPO), str(Path.home()), "/etc/", "/proc/"):
        assert path not in text


@pytest.fixture
def log(tmp_path: Path) -> Iterator[IO[str]]:
    with (tmp_path / "server.log").open("w+") as handle:
        yield handle
        handle.seek(0)
        _assert_clean(handle.read())  # nothing the server logged leaks either


async def test_lists_tools_with_schemas_from_the_langchain_tools(
    stand_in: StandInServer, log: IO[str]
) -> None:
    expected = {t.name: t for t in GravixVisionToolkit(**SERVED).get_tools()}
    async with _session(stand_in, log) as session:
        listed = (await session.list_tools()).tools
    assert {t.name for t in listed} == set(expected)
    for tool in listed:
        lc_tool = expected[tool.name]
        assert tool.inputSchema == input_schema(lc_tool)
        assert tool.outputSchema == output_schema(lc_tool)
        assert tool.outputSchema is not None
        assert tool.outputSchema["type"] == "object"
        assert tool.annotations is not None
        assert tool.annotations.readOnlyHint is True
        jsonschema.Draft202012Validator.check_schema(tool.inputSchema)
        jsonschema.Draft202012Validator.check_schema(tool.outputSchema)


async def test_calls_each_tool_and_returns_validated_structured_content(
    stand_in: StandInServer, log: IO[str]
) -> None:
    expected = {t.name: t for t in GravixVisionToolkit(**SERVED).get_tools()}
    async with _session(stand_in, log) as session:
        listed = {t.name: t for t in (await session.list_tools()).tools}
        for name, path in IMAGES.items():
            result = await session.call_tool(name, {"image_path": path})
            assert not result.isError, _text(result)
            assert result.structuredContent is not None
            jsonschema.validate(result.structuredContent, listed[name].outputSchema)
            type(expected[name]).result_schema.model_validate(result.structuredContent)
            assert _text(result).strip()
            _assert_clean(_text(result))
        # A base64 image in the arguments (data URL) works the same way.
        data = base64.b64encode((DATA / "photos" / "coffee.png").read_bytes())
        url = "data:image/png;base64," + data.decode()
        result = await session.call_tool("describe_image", {"image_url": url})
        assert not result.isError, _text(result)
    # Every call reached the model with the image and the key from the env.
    assert len(stand_in.requests) == 4
    for body in stand_in.requests:
        parts = body["messages"][-1]["content"]
        assert any(p["type"] == "image_url" for p in parts)
    assert stand_in.last_headers["authorization"] == f"Bearer {SECRET}"


HOSTILE: list[tuple[str, dict[str, Any], set[str]]] = [
    ("describe_image", {"image_path": "/etc/passwd"}, {"source_not_allowed"}),
    (
        "describe_image",
        {"image_path": "../../../../etc/passwd"},
        {"source_not_allowed"},
    ),
    (
        "read_chart",
        {"image_path": "photos/../../pyproject.toml"},
        {"source_not_allowed"},
    ),
    ("extract_text", {"image_url": "file:///etc/passwd"}, {"source_not_allowed"}),
    (
        "describe_image",
        {"image_url": "http://169.254.169.254/latest/meta-data/"},
        {"source_not_allowed"},
    ),
    (
        "describe_image",
        {"image_url": "http://127.0.0.1:9/x.png"},
        {"source_not_allowed"},
    ),
    (
        "describe_image",
        {"image_url": "data:image/png;base64,bm90IGFuIGltYWdl"},
        {"unsupported_format", "invalid_image_data"},
    ),
    (
        "describe_image",
        {
            "image_path": IMAGES["describe_image"],
            "image_url": "https://a.example/x.png",
        },
        {"invalid_arguments"},
    ),
    ("read_chart", {}, {"invalid_arguments"}),
    ("read_chart", {"image_path": IMAGES["read_chart"], "x": 1}, {"invalid_arguments"}),
    ("extract_text", {"image_path": 42}, {"invalid_arguments"}),
    ("no_such_tool", {"image_path": IMAGES["read_chart"]}, {"unknown_tool"}),
]


async def test_hostile_arguments_end_as_coded_errors_without_paths_or_secrets(
    stand_in: StandInServer, log: IO[str]
) -> None:
    async with _session(stand_in, log) as session:
        for name, arguments, codes in HOSTILE:
            result = await session.call_tool(name, arguments)
            text = _text(result)
            assert result.isError, (name, arguments)
            assert result.structuredContent is None
            match = CODE.match(text)
            assert match, text
            assert match.group(1) in codes, (arguments, text)
            _assert_clean(text, arguments)
        # The server's own error carrying the key comes back redacted.
        stand_in.fail_next(400, {"error": {"message": f"bad request for {SECRET}"}})
        result = await session.call_tool(
            "read_chart", {"image_path": IMAGES["read_chart"]}
        )
        assert result.isError
        assert CODE.match(_text(result)).group(1) == "model_error"  # type: ignore[union-attr]
        _assert_clean(_text(result))
    assert len(stand_in.requests) == 1  # no hostile argument reached the model


async def test_client_roots_narrow_the_path_jail(
    stand_in: StandInServer, log: IO[str]
) -> None:
    async with _session(stand_in, log, roots=[DATA / "charts"]) as session:
        inside = await session.call_tool(
            "read_chart", {"image_path": IMAGES["read_chart"]}
        )
        assert not inside.isError, _text(inside)
        outside = await session.call_tool(
            "describe_image", {"image_path": IMAGES["describe_image"]}
        )
        assert outside.isError
        assert _text(outside).startswith("source_not_allowed: ")


async def test_langchain_agent_uses_the_mcp_tools(
    stand_in: StandInServer, log: IO[str]
) -> None:
    path = IMAGES["describe_image"]
    stand_in.script_queue(
        [
            Reply(
                tool_calls=[
                    {"name": "describe_image", "arguments": {"image_path": path}}
                ]
            ),
            json_reply(description("A tabby cat looking to the side.", ["cat"])),
            Reply(content="The photo shows a cat."),
        ]
    )
    async with _session(stand_in, log) as session:
        tools = await load_mcp_tools(session)
        assert {t.name for t in tools} == TOOL_NAMES
        llm = ChatGravixVision(
            model="llama3.1:8b-instruct-fp16",
            base_url=stand_in.base_url,
            temperature=0,
        )
        agent = create_agent(llm, tools)
        state = await agent.ainvoke({"messages": [HumanMessage(f"What is in {path}?")]})
        # An MCP error reaches LangChain as an error ToolMessage with the code.
        (describe,) = [t for t in tools if t.name == "describe_image"]
        call = {"image_path": "/etc/passwd"}
        refused = await describe.ainvoke(
            {"args": call, "id": "c1", "name": describe.name, "type": "tool_call"}
        )
    messages = state["messages"]
    (tool_message,) = [m for m in messages if isinstance(m, ToolMessage)]
    assert tool_message.name == "describe_image"
    assert tool_message.status == "success"
    structured = tool_message.artifact["structured_content"]
    assert "cat" in [o.lower() for o in structured["objects"]]
    assert isinstance(messages[-1], AIMessage)
    assert not messages[-1].tool_calls
    assert len(stand_in.requests) == 3  # agent, vision tool, agent
    assert isinstance(refused, ToolMessage)
    assert refused.status == "error"
    assert refused.text.startswith("source_not_allowed: ")


# ---------------------------------------------------------------- HTTP


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def http_server(stand_in: StandInServer, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = _env(stand_in.base_url, **{TOKEN_ENV: TOKEN})
    log = (tmp_path / "http.log").open("w+")
    argv = _command("--http", "--host", "127.0.0.1", "--port", str(port))
    process = subprocess.Popen(
        [sys.executable, *argv, "--allow-remote"],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):  # wait until it accepts connections
            assert process.poll() is None, "the server exited"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(30)
        log.seek(0)
        logged = log.read()
        log.close()
        assert SECRET not in logged
        assert TOKEN not in logged


async def test_http_transport_checks_the_bearer_token(http_server: str) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient() as client:
        for auth in ({}, {"authorization": "Bearer wrong-token-wrong-token"}):
            answer = await client.post(
                http_server, json=message, headers={**headers, **auth}
            )
            assert answer.status_code == 401
        # With the token, a foreign Host header is refused (DNS rebinding).
        rebound = {"authorization": f"Bearer {TOKEN}", "host": "evil.example"}
        answer = await client.post(
            http_server, json=message, headers={**headers, **rebound}
        )
        assert answer.status_code == 421
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx.AsyncClient(headers=auth) as http,
        streamable_http_client(http_server, http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        names = {t.name for t in (await session.list_tools()).tools}
        assert names == TOOL_NAMES
        refused = await session.call_tool(
            "describe_image", {"image_path": "/etc/hosts"}
        )
        assert refused.isError
        assert _text(refused).startswith("source_not_allowed: ")


@pytest.mark.parametrize(
    ("argv", "env", "fragment"),
    [
        (["--host", "0.0.0.0"], {}, "--allow-remote"),
        (["--host", "192.0.2.1", "--allow-remote"], {}, TOKEN_ENV),
        (["--allow-remote"], {TOKEN_ENV: "short"}, "at least"),
    ],
)
def test_http_refuses_unsafe_binding(
    argv: list[str],
    env: dict[str, str],
    fragment: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["mcp", "--http", *argv]) == 2
    assert fragment in capsys.readouterr().err
