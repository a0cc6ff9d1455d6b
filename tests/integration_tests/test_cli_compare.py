"""gravix-vision compare: one request and one JSON record for several inputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from langchain_gravix_vision.cli import main
from langchain_gravix_vision.cli._output import image_sha256
from langchain_gravix_vision.tools.schemas import MAX_COMPARE_IMAGES
from tests.stand_in import StandInServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


@pytest.fixture
def photos(tmp_path: Path) -> list[str]:
    names = []
    for colour, size in (("red", (120, 90)), ("blue", (90, 120)), ("gray", (64, 64))):
        path = tmp_path / f"{colour}.png"
        Image.new("RGB", size, colour).save(path)
        names.append(str(path))
    return names


def _image_parts(body: dict) -> int:
    return sum(p["type"] == "image_url" for p in body["messages"][-1]["content"])


def test_compare_prints_one_record_for_all_inputs(
    server: StandInServer, photos: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(server.requests)
    argv = ["compare", *photos, "--question", "Which is square?"]
    status = main([*argv, "--base-url", server.base_url, "--detail", "low"])
    out = capsys.readouterr().out
    assert status == 0
    (line,) = out.splitlines()  # one JSON record
    record = json.loads(line)
    assert record["status"] == "ok"
    assert record["command"] == "compare"
    assert record["sources"] == photos
    assert record["image_sha256"] == [image_sha256(p) for p in photos]
    assert record["args"] == {"question": "Which is square?", "detail": "low"}
    result = record["result"]
    assert result["image_count"] == 3
    assert [n["image"] for n in result["notes"]] == [1, 2, 3]
    assert len(server.requests) == before + 1  # one request for all of them
    assert _image_parts(server.requests[-1]) == 3


def test_compare_writes_the_record_to_output_whole(
    server: StandInServer, photos: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "best.json"
    out.write_text("old content\n")
    argv = ["compare", *photos[:2], "--output", str(out)]
    assert main([*argv, "--base-url", server.base_url]) == 0
    record = json.loads(out.read_text())  # replaced, not appended to
    assert record["sources"] == photos[:2]
    assert record["status"] == "ok"


def test_a_folder_adds_its_images_in_order(
    server: StandInServer, photos: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(Path(photos[0]).parent)
    assert main(["compare", folder, "--base-url", server.base_url]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["sources"] == sorted(photos)


def test_a_bad_input_is_a_failed_record_naming_it(
    server: StandInServer, photos: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(server.requests)
    argv = ["compare", photos[0], "missing.png", "--base-url", server.base_url]
    assert main(argv) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "error"
    assert record["error"].startswith("not_found: images[1] (image 2): ")
    assert len(server.requests) == before


@pytest.mark.parametrize("count", [1, MAX_COMPARE_IMAGES + 1])
def test_too_few_or_too_many_inputs_are_a_usage_error(
    photos: list[str], count: int, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = (photos * MAX_COMPARE_IMAGES)[:count]
    assert main(["compare", *inputs]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"2 to {MAX_COMPARE_IMAGES}" in captured.err


def test_help_says_it_does_not_resume(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "does not resume" in text
    assert "--question" in text
