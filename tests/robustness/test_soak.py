"""Soak: 1,000 tool calls, 16 at a time, without leaking sockets, files or memory.

The calls mix the ways an agent sends images (a local file, a data URL, an
http URL fetched from a loopback image host) with refused paths, against the
loopback stand-in answering instantly with a fixed, valid description. The
first 200 calls warm every pool up; from then on the open file descriptors
and the resident memory must stay flat.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from langchain_gravix_vision import DescribeImageTool, ImagePolicy
from tests.robustness._support import acall_tool, data_url, vision_model
from tests.stand_in import Reply, StandInServer
from tests.unit_tests.images._imaging import png_bytes
from tests.unit_tests.images._server import body, local_server

pytestmark = [pytest.mark.enable_socket, pytest.mark.timeout(180)]

CALLS = 1_000
WINDOW = 200
CONCURRENCY = 16
FD_SLACK = 8  # pools may open or drop a connection or two between windows
RSS_SLACK = 16 * 1024 * 1024  # a 20 KiB-per-call leak over 800 calls fails

PNG = png_bytes((8, 8))
ANSWER = json.dumps(
    {"caption": "A red square.", "description": "A small red square.", "objects": []}
)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _arguments(index: int, image_url: str) -> dict[str, str]:
    """Nine in ten calls succeed (file, data URL, http); one is refused."""
    kind = index % 10
    if kind < 6:
        return {"image_path": "tiny.png"}
    if kind < 8:
        return {"image_url": data_url(PNG)}
    if kind == 8:
        return {"image_url": image_url}
    return {"image_path": "../outside.png"}


def _outcome(message: ToolMessage) -> str:
    """``"ok"``, or the error code the ToolMessage starts with."""
    if message.status == "success":
        return "ok"
    return str(message.content).split(":", 1)[0]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
async def test_thousand_tool_calls_leak_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.png").write_bytes(PNG)
    with StandInServer() as server, local_server() as images:
        images.routes["/tiny.png"] = body(PNG)
        server.script(lambda _request: Reply(content=ANSWER))
        policy = ImagePolicy(allowed_roots=(tmp_path,), allowed_hosts=("127.0.0.1",))
        tool = DescribeImageTool(
            llm=vision_model(server, timeout=30), image_policy=policy
        )
        gate = asyncio.Semaphore(CONCURRENCY)
        outcomes: Counter[str] = Counter()

        async def one(index: int) -> None:
            async with gate:
                args = _arguments(index, images.url("/tiny.png"))
                message = await acall_tool(tool, args, call_id=f"call_{index}")
            outcomes[_outcome(message)] += 1

        fds_at_start = open_fds()
        fds: list[int] = []
        rss: list[int] = []
        for start in range(0, CALLS, WINDOW):
            await asyncio.gather(*(one(i) for i in range(start, start + WINDOW)))
            server.requests.clear()  # the stand-in's own logs are not ours to measure
            server.seen.clear()
            images.seen.clear()
            gc.collect()
            fds.append(open_fds())
            rss.append(rss_bytes())

    assert outcomes == {"ok": CALLS * 9 // 10, "source_not_allowed": CALLS // 10}
    # Kept-alive connections come and go with load (both ends live in this
    # process, up to 2 x CONCURRENCY of them); a leak of even one fd per call
    # (200 a window) would show as steady growth far beyond that.
    spread = 2 * CONCURRENCY + FD_SLACK
    assert max(fds) - min(fds) <= spread, f"open fds per window: {fds}"
    assert fds[-1] - fds[0] <= spread, f"open fds per window: {fds}"
    assert fds[-1] - fds_at_start <= 2 * CONCURRENCY + FD_SLACK
    assert rss[-1] - rss[0] < RSS_SLACK, f"RSS per window (bytes): {rss}"
