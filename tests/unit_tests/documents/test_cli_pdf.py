"""``gravix-vision text report.pdf --pages 1-5`` against the stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_gravix_vision import ExtractTextTool, cli
from langchain_gravix_vision.cli._output import Progress
from tests.stand_in import StandInServer
from tests.unit_tests.documents import pdfs


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInServer]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "report.pdf").write_bytes(pdfs.text_pdf(6))
    (tmp_path / "docs" / "scan.pdf").write_bytes(pdfs.scanned_pdf(1))
    with StandInServer(ollama="2025") as running:
        monkeypatch.setenv("GRAVIXLAYER_BASE_URL", running.base_url)
        monkeypatch.setenv("GRAVIXLAYER_API_KEY", "sk-fake")
        yield running


def _records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_text_with_pages_reads_the_text_layer(
    server: StandInServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["text", "docs/report.pdf", "--pages", "1-5", "--format", "jsonl",
         "--no-progress"]
    )  # fmt: skip
    (record,) = _records(capsys.readouterr().out)
    assert code == 0
    assert [p["page"] for p in record["result"]["pages"]] == [1, 2, 3, 4, 5]
    assert {p["method"] for p in record["result"]["pages"]} == {"text_layer"}
    assert server.requests == []


def test_folders_include_pdfs(
    server: StandInServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["text", "docs", "--format", "jsonl", "--no-progress"])
    records = _records(capsys.readouterr().out)
    assert code == 0
    assert sorted(Path(r["source"]).name for r in records) == [
        "report.pdf",
        "scan.pdf",
    ]
    assert len(server.requests) == 1  # only the scanned page


def test_bad_pages_are_a_failed_record(
    server: StandInServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["text", "docs/report.pdf", "--pages", "9", "--format", "jsonl",
         "--no-progress"]
    )  # fmt: skip
    (record,) = _records(capsys.readouterr().out)
    assert code == 1
    assert record["error"].startswith("invalid_pages")


def test_progress_counts_pages_as_they_finish(
    server: StandInServer, capsys: pytest.CaptureFixture[str]
) -> None:
    progress = Progress(2, enabled=True)
    tool = ExtractTextTool(on_page=progress.page)
    tool.invoke({"image": "docs/report.pdf", "pages": "1-3"})
    progress.step()
    err = capsys.readouterr().err
    assert "pages read: 3" in err
    assert "1/2, pages read: 3" in err
