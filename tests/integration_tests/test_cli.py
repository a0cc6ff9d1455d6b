"""The gravix-vision command on a folder of mixed good and bad images (replayed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_gravix_vision.cli import main
from langchain_gravix_vision.cli._parser import build_parser
from tests.scripted_answers import DATA
from tests.stand_in import Reply, StandInServer

pytestmark = pytest.mark.vcr

GOOD = ["chelsea.png", "coffee.png"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "batch"
    (root / "nested").mkdir(parents=True)
    shutil.copy(DATA / "photos" / GOOD[0], root / GOOD[0])
    shutil.copy(DATA / "photos" / GOOD[1], root / "nested" / GOOD[1])
    (root / "notes.png").write_text("this is not an image")
    (root / "empty.jpg").write_bytes(b"")
    jpeg = (DATA / "text" / "receipt_exif6.jpg").read_bytes()
    (root / "nested" / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    (root / "readme.txt").write_text("not an image suffix: skipped")
    return root


@pytest.fixture
def describe_everything(stand_in: StandInServer | None) -> Iterator[None]:
    """Recording only: the stand-in answers every vision call with a description."""
    if stand_in is None:
        yield
        return

    def answer(_request: dict[str, Any]) -> Reply:
        return Reply(
            content=json.dumps(
                {
                    "caption": "A photo.",
                    "description": "A photo of an everyday scene.",
                    "objects": [],
                    "people": [],
                    "text_present": [],
                    "answer": None,
                }
            )
        )

    stand_in.script(answer)
    yield
    stand_in.reset()


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_folder_batch_reports_each_failure_and_resumes(
    folder: Path,
    tmp_path: Path,
    describe_everything: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out.jsonl"
    argv = ["describe", str(folder), "--format", "jsonl", "--output", str(out)]
    assert main([*argv, "--concurrency", "2"]) == 1  # some images failed
    records = _records(out)
    by_name = {Path(r["source"]).name: r for r in records}
    assert sorted(by_name) == sorted([*GOOD, "notes.png", "empty.jpg", "truncated.jpg"])
    for name in GOOD:
        assert by_name[name]["status"] == "ok"
        assert by_name[name]["result"]["caption"]
    for name in ("notes.png", "empty.jpg", "truncated.jpg"):
        assert by_name[name]["status"] == "error"
        assert by_name[name]["command"] == "describe"
        assert len(by_name[name]["image_sha256"]) == 64
        assert str(tmp_path) not in by_name[name]["error"]
    summary = capsys.readouterr().err
    assert "2 done, 3 failed, 0 skipped" in summary
    assert "tokens" in summary

    # A second run continues where the first stopped: good images are skipped,
    # failed ones are tried again; the file keeps one current record per image.
    assert main(argv) == 1
    summary = capsys.readouterr().err
    assert "0 done, 3 failed, 2 skipped" in summary
    assert len(_records(out)) == 5


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_output_formats(
    fmt: str, describe_everything: None, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = str(DATA / "photos" / GOOD[0])
    assert main(["describe", photo, "--format", fmt, "--no-progress"]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        (record,) = json.loads(out)
        assert record["status"] == "ok"
    elif fmt == "markdown":
        assert out.startswith(f"## {photo}")
    else:
        assert out.startswith(f"== {photo}")


def test_missing_key_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GRAVIXLAYER_API_KEY")
    assert main(["text", "x.png"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "export GRAVIXLAYER_API_KEY=" in err


@pytest.mark.parametrize("command", ["describe", "chart", "text"])
def test_every_subcommand_has_help_with_examples(command: str) -> None:
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    text = sub.format_help()
    assert "examples:" in text
    assert f"gravix-vision {command}" in text
    assert "--rate-limit" in text
