"""The Ray stage's parts that need no cluster: bucket, keys, schema, resume, one batch.

``VisionStage`` is a plain class: called on a batch in this process (no rate
limiter, so no actor) it runs the same rows against the stand-in on loopback.
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import importlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from langchain_gravix_vision.cli._output import Record, record_key
from langchain_gravix_vision.ray import (
    COLUMNS,
    TokenBucket,
    VisionStage,
    done_keys,
    output_schema,
    read_results,
)
from langchain_gravix_vision.ray._limiter import retry_after_s
from langchain_gravix_vision.ray._schema import error_code
from tests.stand_in import StandInServer


@pytest.fixture
def server() -> Any:
    with StandInServer() as running:
        yield running


def _png(path: Path, shade: int) -> str:
    Image.new("RGB", (40, 30), (shade, 80, 160)).save(path)
    return str(path)


def test_the_bucket_spaces_every_grant_and_a_pause_holds_them_all() -> None:
    bucket = TokenBucket(requests_per_minute=60)
    interval = bucket.interval
    assert 1.0 < interval < 1.1  # a little under the limit, never over it
    waits = [bucket.reserve(now=100.0) for _ in range(3)]
    assert waits == pytest.approx([0.0, interval, 2 * interval])
    assert bucket.claim(now=100.0) == 0.0
    assert bucket.claim(now=100.5) == pytest.approx(interval - 0.5)
    bucket.pause(5.0, now=100.5)
    assert bucket.claim(now=101.5) == pytest.approx(4.0)
    assert bucket.reserve(now=101.5) >= 4.0
    assert bucket.stats() == {"granted": 1, "pauses": 1}
    with pytest.raises(ValueError, match="requests_per_minute"):
        TokenBucket(0)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s("7") == 7.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_s("") == retry_after_s("later") == 1.0


def test_error_codes_come_from_the_message_prefix() -> None:
    assert error_code("not_found: a.png was not found") == "not_found"
    assert error_code("HTTP 500: boom") == "internal_error"
    assert error_code("no colon here") == "internal_error"


def test_the_schema_is_fixed() -> None:
    schema = output_schema()
    assert schema.names == [name for name, _ in COLUMNS]
    assert schema.field("ok").type == pa.bool_()
    assert schema.field("attempts").type == pa.int32()


def test_the_stage_keys_rows_as_the_cli_keys_records(tmp_path: Path) -> None:
    path = _png(tmp_path / "a.png", 10)
    stage = VisionStage("describe", args={"question": "q?"}, api_key="sk-x")
    from_path = stage._keys(path, None, {"question": "q?"})
    from_bytes = stage._keys(None, Path(path).read_bytes(), {"question": "q?"})
    assert from_path.key == from_bytes.key  # a path and its bytes: one input
    record = Record(
        source=path,
        status="ok",
        command="describe",
        model="qwen2.5vl:7b",
        args={"question": "q?"},
        image_sha256=from_path.image_sha256,
    )
    cli_key = hashlib.sha256(record_key(record.to_json()).encode()).hexdigest()
    assert from_path.key == cli_key


def test_a_batch_runs_each_row_with_its_own_arguments(
    server: StandInServer, tmp_path: Path
) -> None:
    paths = [_png(tmp_path / f"{i}.png", i * 40) for i in range(3)]
    stage = VisionStage(
        "describe",
        arg_columns={"question": "q"},
        base_url=server.base_url,
        api_key="sk-parts-secret",
    )
    batch = {
        "path": paths,
        "bytes": [Path(p).read_bytes() for p in paths],  # read_binary_files rows
        "q": ["first?", "second?", None],
    }
    table = asyncio.run(stage(batch))
    assert table.schema == output_schema()
    rows = table.to_pylist()
    assert [r["source"] for r in rows] == paths
    assert all(r["ok"] and r["attempts"] == 1 for r in rows)
    assert [json.loads(r["args"]) for r in rows] == [
        {"question": "first?"},
        {"question": "second?"},
        {},
    ]
    prompts = [json.dumps(r) for r in server.requests]
    assert sum("first?" in p for p in prompts) == 1
    assert sum("second?" in p for p in prompts) == 1
    assert all(isinstance(json.loads(r["artifact"]), dict) for r in rows)


def test_resume_skips_rows_done_in_the_output(
    server: StandInServer, tmp_path: Path
) -> None:
    paths = [_png(tmp_path / f"{i}.png", i * 40) for i in range(4)]
    settings = {"base_url": server.base_url, "api_key": "sk-x"}
    first = asyncio.run(VisionStage("describe", **settings)({"image": paths[:2]}))
    out = tmp_path / "out.parquet"
    out.mkdir()
    pq.write_table(first, out / "part-0.parquet")
    (out / "part-1.parquet").write_bytes(b"PAR1 cut off by a stopped run")
    assert done_keys(str(out)) == set(first["key"].to_pylist())
    sent = len(server.requests)

    stage = VisionStage("describe", resume_from=str(out), **settings)
    second = asyncio.run(stage({"image": paths}))
    assert second["source"].to_pylist() == paths[2:]
    assert len(server.requests) - sent == 2
    pq.write_table(second, out / "part-2.parquet")
    assert read_results(str(out)).num_rows == 4


def test_a_failure_tried_again_leaves_one_row_per_key(tmp_path: Path) -> None:
    rows = [
        {"key": "a", "ok": False, "error_code": "model_error"},
        {"key": "a", "ok": True},
        {"key": "b", "ok": True},
        {"key": "b", "ok": False, "error_code": "model_error"},
        {"key": "c", "ok": False, "error_code": "x"},
    ]
    out = tmp_path / "out.parquet"
    out.mkdir()
    full = pa.Table.from_pylist(
        [{**dict.fromkeys(output_schema().names), **r} for r in rows],
        schema=output_schema(),
    )
    pq.write_table(full, out / "part.parquet")
    kept = read_results(str(out)).to_pylist()
    assert [(r["key"], r["ok"]) for r in kept] == [
        ("a", True),
        ("b", True),
        ("c", False),
    ]


def test_without_ray_the_import_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    requires = importlib.import_module("langchain_gravix_vision.ray._requires")
    with pytest.raises(ImportError, match=r"langchain-gravix-vision\[ray\]"):
        requires.require_ray()
