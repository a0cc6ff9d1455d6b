"""The Ray Data stage against the stand-in on 127.0.0.1, on a local 2-CPU Ray.

What is asserted is what the client controls: the rows of the output schema,
request counts and times, attempts, error codes; never the scripted wording.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import ray

from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.ray import (
    limiter_stats,
    output_schema,
    read_output,
    vision_map,
)
from langchain_gravix_vision.tools import DescribeImageTool
from tests.ray_stage._driver import job
from tests.ray_stage.conftest import (
    SECRET,
    TimedStandIn,
    make_images,
    most_in_one_second,
)
from tests.stand_in import Reply

LIMIT_PER_S = 20
ROOT = Path(__file__).resolve().parents[2]


def _stage_settings(server: TimedStandIn) -> dict[str, Any]:
    return {"base_url": server.base_url, "api_key": SECRET, "max_in_flight": 8}


def _echo_secret(request: dict[str, Any]) -> Reply | None:
    """A model that repeats the key it must never see (row 7 only)."""
    if "ROW7Q" not in json.dumps(request):
        return None
    answer = {
        "caption": f"the key is {SECRET}",
        "description": SECRET,
        "objects": [],
        "people": [],
        "text_present": [SECRET],
        "answer": None,
    }
    return Reply(content=json.dumps(answer))


def test_200_rows_two_workers_one_rate_limit_retries_counted(
    cluster: Any, server: TimedStandIn, tmp_path: Path
) -> None:
    paths = make_images(tmp_path / "in", 200)
    server.fail_next(429, headers={"Retry-After": "1"}, times=2)
    server.fail_next(500, times=3)
    server.script(_echo_secret)
    items = [{"path": p, "q": f"ROW{i}Q"} for i, p in enumerate(paths)]
    ds = ray.data.from_items(items, override_num_blocks=8)
    limiter_name = "rate-limit-test-200"
    from langchain_gravix_vision.ray import create_rate_limiter

    create_rate_limiter(LIMIT_PER_S * 60, name=limiter_name)
    out = vision_map(
        ds,
        "describe",
        workers=2,
        rate_limiter=limiter_name,
        arg_columns={"question": "q"},
        **_stage_settings(server),
    )
    table = pa.Table.from_pylist(out.take_all(), schema=output_schema())

    assert table.num_rows == 200
    rows = table.to_pylist()
    assert sorted(r["source"] for r in rows) == sorted(paths)
    assert all(r["ok"] for r in rows), [r["error_message"] for r in rows if not r["ok"]]
    # Every request that reached the server was counted for its row, the
    # refused and failed ones too, and none was sent past the limit.
    assert sum(r["attempts"] for r in rows) == len(server.arrivals) >= 205
    assert sum(r["attempts"] > 1 for r in rows) >= 2
    assert most_in_one_second(server.arrivals) <= LIMIT_PER_S
    stats = limiter_stats(limiter_name)
    assert stats["granted"] >= len(server.arrivals)  # a late grant is dropped
    assert stats["pauses"] >= 1  # the 429s paused every worker
    assert all(r["prompt_tokens"] > 0 and r["completion_tokens"] > 0 for r in rows)
    assert {r["model"] for r in rows} == {"qwen2.5vl:7b"}
    # The key the model echoed is gone from the result, like every other key.
    assert SECRET not in json.dumps(rows)


def _tool_code(image: str) -> str:
    """The error code the describe tool itself gives for ``image``."""
    tool = DescribeImageTool(image_policy=ImagePolicy(allow_any_path=True))
    call = {"args": {"image": image}, "id": "t", "name": tool.name, "type": "tool_call"}
    message = asyncio.run(tool.ainvoke(call))
    assert message.status == "error"
    return str(message.content).split(":", 1)[0]


def test_bad_inputs_are_error_rows_with_the_tools_codes(
    cluster: Any, server: TimedStandIn, tmp_path: Path
) -> None:
    good = make_images(tmp_path / "in", 2)
    corrupt = tmp_path / "in" / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 20)
    missing = str(tmp_path / "in" / "missing.png")
    loopback = f"http://127.0.0.1:{server.port}/cat.png"
    rows = [
        {"image": good[0]},
        {"bytes": corrupt.read_bytes()},  # bytes with no path: source is null
        {"image": missing},
        {"image": loopback},
    ]
    stage = _stage_settings(server)
    named = vision_map(ray.data.from_items(rows), "describe", rate_limit=0, **stage)
    # read_binary_files(include_paths=True) rows: bytes, with the path as source
    files = ray.data.read_binary_files(str(tmp_path / "in"), include_paths=True)
    read = vision_map(files, "describe", rate_limit=0, **stage)
    named_rows = named.take_all()  # each take_all runs the dataset again
    results = named_rows + read.take_all()
    by_source = {r["source"]: r for r in results}

    assert by_source[good[0]]["ok"]
    assert by_source[good[1]]["ok"]
    assert by_source[str(corrupt)]["ok"] is False
    corrupt_code = _tool_code(str(corrupt))
    assert by_source[str(corrupt)]["error_code"] == corrupt_code
    bytes_row = next(r for r in named_rows if r["source"] is None)
    assert bytes_row["error_code"] == corrupt_code
    assert by_source[missing]["error_code"] == _tool_code(missing) == "not_found"
    assert by_source[loopback]["error_code"] == _tool_code(loopback)
    assert by_source[loopback]["error_code"] == "source_not_allowed"
    for row in by_source.values():
        if not row["ok"]:
            assert row["attempts"] == 0  # refused before any request
            assert row["error_message"].startswith(row["error_code"] + ":")
    # Only the good images' requests reached the server: the loopback URL was
    # refused before any fetch (which would have reached it too).
    assert len(server.arrivals) == sum(r["attempts"] for r in results)
    assert all(r["attempts"] >= 1 for r in results if r["ok"])


def _row_ids(requests: list[Any]) -> set[int]:
    found = (re.search(r"ROW(\d+)Q", json.dumps(r)) for r in requests)
    return {int(m.group(1)) for m in found if m}


def _wait_quiet(server: TimedStandIn, quiet_s: float = 1.5) -> None:
    """Until no request has arrived for ``quiet_s`` (a killed job's stragglers)."""
    while True:
        count = len(server.arrivals)
        time.sleep(quiet_s)
        if len(server.arrivals) == count:
            return


def test_a_stopped_run_resumes_with_only_the_unfinished_inputs(
    cluster: Any, server: TimedStandIn, tmp_path: Path
) -> None:
    images = make_images(tmp_path / "in", 80)
    out = str(tmp_path / "out.parquet")
    env = {**os.environ, "RAY_STAGE_TEST_KEY": SECRET}
    driver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.ray_stage._driver",
            cluster.address_info["address"],
            server.base_url,
            out,
            *images,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # stop it once half is done and saved
            written = list(Path(out).glob("*.parquet")) if Path(out).is_dir() else []
            if len(server.requests) >= 40 and written:
                break
            assert driver.poll() is None, "the first run ended before it was stopped"
            time.sleep(0.1)
        driver.send_signal(signal.SIGKILL)
    finally:
        driver.wait(timeout=30)
    _wait_quiet(server)
    first = read_output(out)
    done_first = {
        int(re.search(r"ROW(\d+)Q", a).group(1)) for a in first["args"].to_pylist()
    }
    assert 0 < len(done_first) < 80
    assert all(first["ok"].to_pylist())
    sent_before = len(server.requests)

    job(out, images, server.base_url, SECRET).write_parquet(out)

    resumed = _row_ids(server.requests[sent_before:])
    assert resumed == set(range(80)) - done_first  # only the unfinished reached it
    final = read_output(out)
    assert final.num_rows == 80  # exactly one row per input
    assert len(set(final["key"].to_pylist())) == 80
    assert sorted(final["source"].to_pylist()) == sorted(images)
    assert all(final["ok"].to_pylist())


def test_secrets_reach_neither_the_output_nor_rays_logs(cluster: Any) -> None:
    """Runs after the jobs above: the key they used is in none of Ray's files."""
    session = Path(ray._private.worker._global_node.get_session_dir_path())
    logs = [p for p in (session / "logs").rglob("*") if p.is_file()]
    assert logs, "no Ray logs to check"
    for path in logs:
        assert SECRET.encode() not in path.read_bytes(), path.name


def test_cli_engine_ray_writes_one_parquet_row_per_image(
    cluster: Any, server: TimedStandIn, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    make_images(folder, 6)
    out = tmp_path / "out.parquet"
    command = [
        sys.executable,
        "-m",
        "langchain_gravix_vision.cli",
        "describe",
        str(folder),
        "--engine",
        "ray",
        "--address",
        cluster.address_info["address"],
        "--output",
        str(out),
        "--base-url",
        server.base_url,
        "--no-progress",
    ]
    env = {**os.environ, "GRAVIXLAYER_API_KEY": SECRET}
    first = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert first.returncode == 0, first.stderr[-2000:]
    table = read_output(str(out))
    assert table.num_rows == 6
    assert all(table["ok"].to_pylist())
    assert set(table["command"].to_pylist()) == {"describe"}
    assert len(server.requests) == sum(table["attempts"].to_pylist())
    assert "6 done, 0 failed" in first.stderr
    assert SECRET not in first.stderr + first.stdout
