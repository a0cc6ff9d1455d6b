"""Pieces of ``gravix-vision mcp`` that need no subprocess: roots, binds, schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from langchain_gravix_vision import GravixVisionToolkit
from langchain_gravix_vision.mcp._transports import BearerAuth, is_loopback
from langchain_gravix_vision.mcp.server import (
    SERVED,
    file_root,
    input_schema,
    narrow_roots,
    output_schema,
)


def test_file_root_takes_local_file_uris_only() -> None:
    assert file_root("file:///srv/images") == Path("/srv/images")
    assert file_root("file://localhost/srv/a%20b") == Path("/srv/a b")
    assert file_root("file://other-host/srv") is None
    assert file_root("https://example.com/srv") is None


def test_narrow_roots_keeps_only_directories_inside_both(tmp_path: Path) -> None:
    server = tmp_path / "server"
    inner = server / "inner"
    inner.mkdir(parents=True)
    other = tmp_path / "other"
    other.mkdir()
    real = str(server.resolve())
    assert narrow_roots([real], [inner]) == (str(inner.resolve()),)
    assert narrow_roots([real], [tmp_path]) == (real,)
    assert narrow_roots([real], [other]) == ()
    assert narrow_roots([real], [Path(str(server) + "-sibling")]) == ()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_schemas_come_from_the_tool_models() -> None:
    for tool in GravixVisionToolkit(**SERVED).get_tools():
        schema = input_schema(tool)
        assert schema["type"] == "object"
        assert set(schema["properties"]) == set(tool.args)
        result = output_schema(tool)
        assert result is not None
        assert result["type"] == "object"


async def test_bearer_auth_refuses_without_the_token() -> None:
    passed: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        passed.append(scope)

    async def call(headers: list[tuple[bytes, bytes]]) -> int | None:
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await BearerAuth(app, "t" * 20)(
            {"type": "http", "headers": headers}, None, send
        )
        return sent[0]["status"] if sent else None

    assert await call([]) == 401
    assert await call([(b"authorization", b"Bearer wrong")]) == 401
    assert await call([(b"authorization", b"Basic " + b"t" * 20)]) == 401
    assert not passed
    assert await call([(b"authorization", b"Bearer " + b"t" * 20)]) is None
    assert len(passed) == 1
