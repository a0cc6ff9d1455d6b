"""gravix-vision moderate and extract (replayed), and their option checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from langchain_gravix_vision import Taxonomy
from langchain_gravix_vision.cli import main
from tests.scripted_answers import DATA, json_reply, moderation

RECEIPT_SCHEMA = {
    "title": "Receipt",
    "type": "object",
    "properties": {
        "shop": {"type": "string"},
        "total": {"anyOf": [{"type": "number"}, {"type": "null"}]},
    },
    "required": ["shop", "total"],
}


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.vcr
def test_moderate_writes_one_verdict_per_image(
    tmp_path: Path, script: Callable[..., None]
) -> None:
    names = Taxonomy.openai().names()
    script(*(json_reply(moderation(names)) for _ in range(2)))
    out = tmp_path / "verdicts.jsonl"
    photos = [str(DATA / "photos" / p) for p in ("chelsea.png", "coffee.png")]
    argv = ["moderate", *photos, "--format", "jsonl", "--output", str(out)]
    assert main([*argv, "--concurrency", "1", "--categories", "violence,sexual"]) == 0
    records = _records(out)
    assert len(records) == 2
    for record in records:
        assert record["status"] == "ok"
        result = record["result"]
        assert set(result["categories"]) == {"violence", "sexual"}
        assert result["flagged"] is bool(result["violated"])
        assert record["args"]["taxonomy"] == "openai"


@pytest.mark.vcr
def test_extract_reads_each_file_into_the_schema(
    tmp_path: Path, script: Callable[..., None]
) -> None:
    script(
        json_reply({"shop": "CORNER CAFE", "total": 9.7}),
        json_reply({"shop": "Quarterly report", "total": None}),
    )
    schema = tmp_path / "receipt.json"
    schema.write_text(json.dumps(RECEIPT_SCHEMA))
    out = tmp_path / "fields.jsonl"
    files = [str(DATA / "text" / "receipt.png"), str(DATA / "documents" / "mixed.pdf")]
    argv = ["extract", *files, "--schema", str(schema), "--pages", "1"]
    assert main([*argv, "--format", "jsonl", "-o", str(out), "--concurrency", "1"]) == 0
    records = _records(out)
    assert len(records) == 2
    for record in records:
        assert record["status"] == "ok", record
        assert set(record["result"]) == {"shop", "total"}
        assert "untrusted" in record["content"]


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "object", "properties": {"a": {"format": "email"}}}, "unsupported"),
        ("not json", "not JSON"),
    ],
    ids=["unenforceable", "not-json"],
)
def test_a_bad_schema_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], schema: Any, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(schema if isinstance(schema, str) else json.dumps(schema))
    with pytest.raises(SystemExit) as exited:
        main(["extract", str(DATA / "text" / "receipt.png"), "--schema", str(path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert str(tmp_path) not in err


def test_a_bad_threshold_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["moderate", "x.png", "--threshold", "2"])
    assert "between 0 and 1" in capsys.readouterr().err
