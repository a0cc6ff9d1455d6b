"""gravix-vision locate: boxes in each image's own pixels, and annotated copies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from langchain_gravix_vision.cli import main
from tests.integration_tests.test_locate_mapping import iou, stored, truth_boxes
from tests.scripted_answers import locate_responder
from tests.stand_in import StandInServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.timeout(120)]
SIZE = (1999, 1333)


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        running.script(locate_responder)
        yield running


def test_locate_writes_boxes_and_annotated_pictures(
    server: StandInServer, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    stored(photos / "upright.jpg", SIZE, 1)
    stored(photos / "sideways.jpg", SIZE, 6)
    out, drawn = tmp_path / "out.json", tmp_path / "drawn"
    status = main(
        [
            "locate",
            str(photos),
            "--query",
            "the shapes",
            "--base-url",
            server.base_url,
            "--format",
            "json",
            "--output",
            str(out),
            "--annotate",
            str(drawn),
            "--no-progress",
        ]
    )
    assert status == 0
    records = json.loads(out.read_text())
    assert len(records) == 2
    truth = truth_boxes(SIZE)
    for record in records:
        assert record["status"] == "ok"
        assert record["args"] == {"query": "the shapes", "max_objects": 20}
        for item in record["result"]["objects"]:
            assert iou(item["box"], truth[item["label"]]) >= 0.9
        picture = Path(record["annotated"])
        assert picture.parent == drawn
        with Image.open(picture) as image:
            assert image.size == SIZE  # upright, as viewers show the photo
    assert len(list(drawn.iterdir())) == 2


def test_locate_needs_a_query(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["locate", "a.jpg"])
    assert exit_info.value.code == 2
    assert "--query" in capsys.readouterr().err
