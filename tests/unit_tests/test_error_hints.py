"""Error hints name the setting of the surface the user is in (#23 item 9).

Python names ``ImagePolicy`` fields; the CLI its flags (``--allow-host``); the
MCP server its options (``--root``, ``--allow-host``). Each surface's setting
also does what the hint says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from langchain_gravix_vision import DescribeImageTool, ImagePolicy
from langchain_gravix_vision.cli import main
from langchain_gravix_vision.errors import for_surface
from langchain_gravix_vision.mcp.server import VisionMCPServer

LOOPBACK_URL = "http://127.0.0.1:9/cat.png"  # port 9 (discard): nothing listens


def _call(tool: DescribeImageTool, image: str) -> Any:
    return tool.invoke(
        {"name": tool.name, "id": "1", "type": "tool_call", "args": {"image": image}}
    )


def test_python_hints_name_image_policy_fields() -> None:
    message = _call(DescribeImageTool(llm=None), LOOPBACK_URL)
    assert message.status == "error"
    assert "ImagePolicy.allowed_hosts" in str(message.content)


def test_for_surface_renames_only_the_fields_it_has_a_setting_for() -> None:
    text = "too big (ImagePolicy.max_source_bytes); add it to ImagePolicy.allowed_hosts"
    renamed = for_surface(text, {"allowed_hosts": "--allow-host"})
    assert renamed == "too big (ImagePolicy.max_source_bytes); add it to --allow-host"
    assert for_surface(text, {}) == text


def _one_record(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    (record,) = json.loads(capsys.readouterr().out)
    return record


def test_the_cli_hint_names_its_flag_and_the_flag_lifts_the_refusal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["describe", LOOPBACK_URL, "--format", "json", "--no-progress"]
    assert main(argv) == 1
    refused = _one_record(capsys)["error"]
    assert refused.startswith("source_not_allowed:")
    assert "--allow-host" in refused
    assert "ImagePolicy" not in refused
    # With the flag the host is allowed: the fetch itself is tried (and fails,
    # nothing listens on port 9), so the refusal is gone.
    assert main([*argv, "--allow-host", "127.0.0.1"]) == 1
    tried = _one_record(capsys)["error"]
    assert not tried.startswith("source_not_allowed:"), tried


def test_the_cli_help_explains_allow_host(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["describe", "--help"])
    assert "--allow-host HOST" in capsys.readouterr().out


async def test_the_mcp_hint_names_the_servers_root_option(tmp_path: Path) -> None:
    from mcp.server.lowlevel import Server

    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    Image.new("RGB", (16, 16), "white").save(outside / "x.png")
    tool = DescribeImageTool(llm=None)
    server = VisionMCPServer([tool], ImagePolicy(allowed_roots=(root,)))
    result: Any = await server.call(
        Server("t"), tool.name, {"image": str(outside / "x.png")}
    )
    assert result.isError
    text = result.content[0].text
    assert text.startswith("source_not_allowed:")
    assert "the server's --root" in text
    assert "ImagePolicy" not in text
    assert tool.setting_names == {}  # the caller's tool is left as it was


def test_compare_names_the_cli_flag_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", LOOPBACK_URL, LOOPBACK_URL]) == 1
    record = json.loads(capsys.readouterr().out)
    assert "--allow-host" in record["error"]
    assert "ImagePolicy.allowed_hosts" not in record["error"]
    assert main(["compare", LOOPBACK_URL, LOOPBACK_URL, "--allow-host", "127.0.0.1"])
    assert not json.loads(capsys.readouterr().out)["error"].startswith("source_not")
