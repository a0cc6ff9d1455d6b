"""Reading grounding answers as models write them, and mapping them to the original."""

from __future__ import annotations

import pytest
from PIL import Image

from langchain_gravix_vision import Detections, annotate
from langchain_gravix_vision.profiles import get_grounding
from langchain_gravix_vision.tools.grounding import parse_grounding, to_detections
from langchain_gravix_vision.tools.prompts import locate_prompt
from langchain_gravix_vision.tools.schemas import (
    Detection,
    GroundingAnswer,
    LocateObjectsArgs,
)

BOX = [10, 20, 50, 60]


def _boxes(answer: GroundingAnswer) -> list[list[float] | None]:
    return [item.bbox_2d for item in answer.objects]


@pytest.mark.parametrize(
    "text",
    [
        '```json\n[{"bbox_2d": [10, 20, 50, 60], "label": "cup"}]\n```',
        '[{"bbox_2d": [10, 20, 50, 60], "label": "cup"}]',
        '{"bbox_2d": [10, 20, 50, 60], "label": "cup"}',
        '{"objects": [{"bbox_2d": [10, 20, 50, 60], "label": "cup"}]}',
        'Here they are:\n[{"bbox": [10, 20, 50, 60], "name": "cup"}]\nDone.',
        '```\n[{"bbox_2d": [10, 20, 50, 60], "label": "cup", "label": "mug"}]\n```',
    ],
    ids=["fenced", "bare-list", "one-object", "wrapped", "prose", "repeated-key"],
)
def test_every_answer_shape_is_read(text: str) -> None:
    answer = parse_grounding(text)
    assert _boxes(answer) == [BOX]
    assert answer.objects[0].label == "cup"  # a repeated key keeps its first value


def test_points_and_confidence_are_read() -> None:
    answer = parse_grounding('[{"point_2d": [5, 6], "label": "eye", "score": 0.7}]')
    assert answer.objects[0].point_2d == [5, 6]
    assert answer.objects[0].confidence == 0.7


def test_an_empty_list_means_nothing_found() -> None:
    assert parse_grounding("[]").objects == []
    assert parse_grounding({"objects": []}).objects == []


@pytest.mark.parametrize(
    "text", ["no boxes here", '[{"label": "cup"}]', '"cup"', "[1, 2, 3]"]
)
def test_unreadable_answers_raise(text: str) -> None:
    with pytest.raises(ValueError, match=r"no JSON|no object|not a list"):
        parse_grounding(text)


def _map(items: list[dict], **kwargs: object) -> Detections:
    settings: dict = {
        "query": "cup",
        "convention": "absolute",
        "sent_size": (100, 50),
        "original_size": (400, 200),
        **kwargs,
    }
    return to_detections(parse_grounding(items), **settings)


def test_boxes_scale_from_sent_to_original_pixels() -> None:
    found = _map([{"bbox_2d": [10, 5, 20, 25], "point_2d": [15, 15], "label": "cup"}])
    (cup,) = found.objects
    assert cup.box == (40, 20, 80, 100)
    assert cup.point == (60, 60)
    assert cup.sent_box == (10, 5, 20, 25)
    assert not cup.clipped
    assert found.notes == []


def test_normalized_1000_coordinates() -> None:
    found = _map(
        [{"bbox_2d": [100, 100, 500, 1000], "label": "cup"}],
        convention="normalized_1000",
    )
    assert found.objects[0].sent_box == (10, 5, 50, 50)
    assert found.objects[0].box == (40, 20, 200, 200)


def test_swapped_corners_are_reordered_and_noted() -> None:
    found = _map([{"bbox_2d": [20, 25, 10, 5], "label": "cup"}])
    assert found.objects[0].box == (40, 20, 80, 100)
    assert any("swapped" in note for note in found.notes)


def test_out_of_bounds_is_clipped_and_flagged() -> None:
    found = _map([{"bbox_2d": [-5, 10, 130, 60], "label": "cup"}])
    (cup,) = found.objects
    assert cup.sent_box == (0, 10, 100, 50)
    assert cup.box == (0, 40, 400, 200)
    assert cup.clipped
    assert any("clipped" in note for note in found.notes)


def test_boxes_wholly_outside_or_without_area_are_dropped() -> None:
    found = _map(
        [
            {"bbox_2d": [120, 60, 150, 90], "label": "ghost"},
            {"bbox_2d": [10, 10, 10, 30], "label": "line"},
            {"bbox_2d": [1, 2, 3], "label": "short"},
        ]
    )
    assert found.objects == []
    assert sum("dropped" in note for note in found.notes) == 2


def test_max_objects_keeps_the_first() -> None:
    items = [{"bbox_2d": [i, i, i + 5, i + 5], "label": f"o{i}"} for i in range(5)]
    found = _map(items, max_objects=2)
    assert [d.label for d in found.objects] == ["o0", "o1"]
    assert any("3 more" in note for note in found.notes)


def test_content_lists_each_object_in_original_pixels() -> None:
    found = _map(
        [
            {"bbox_2d": [10, 5, 20, 25], "label": "cup"},
            {"bbox_2d": [30, 5, 40, 25], "label": "cup", "confidence": 0.9},
        ]
    )
    content = found.to_content()
    assert content.splitlines()[0].startswith("2 found for 'cup'")
    assert "[40,20,80,100]" in content
    assert "0.90" in content
    assert "No 'cup' found" in _map([]).to_content()


def test_detections_round_trip_through_json() -> None:
    found = _map([{"bbox_2d": [10, 5, 20, 25], "label": "cup"}])
    assert Detections.model_validate_json(found.model_dump_json()) == found


def test_grounding_conventions_per_model() -> None:
    assert get_grounding("qwen2.5vl:7b") == "absolute"
    assert get_grounding(" Qwen2.5VL:7B ") == "absolute"
    assert get_grounding("gemma3:12b") is None
    assert get_grounding("unknown-model") is None


def test_prompt_uses_the_query_and_the_limit() -> None:
    prompt = locate_prompt(
        LocateObjectsArgs(image="a.png", query="red cup", max_objects=3)
    )
    assert "red cup" in prompt
    assert "3" in prompt
    assert "JSON" in prompt


@pytest.mark.parametrize("kwargs", [{"query": ""}, {"query": "x", "max_objects": 0}])
def test_arguments_are_validated(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        LocateObjectsArgs(image="a.png", **kwargs)


def test_annotate_applies_exif_orientation_and_draws() -> None:
    stored = Image.new("RGB", (40, 80), "white")  # shown as 80 x 40 (orientation 6)
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.info["exif"] = exif.tobytes()
    found = Detections(
        query="cup",
        original_size=(80, 40),
        sent_size=(80, 40),
        objects=[Detection(label="cup", box=(10, 10, 70, 35), point=(40, 20))],
    )
    picture = annotate(stored, found, width=2)
    assert picture.size == (80, 40)
    assert picture.getpixel((10, 25)) != (255, 255, 255)  # the box's left edge
    assert picture.getpixel((40, 20)) != (255, 255, 255)  # the point
    assert picture.getpixel((60, 30)) == (255, 255, 255)  # inside, untouched


def test_to_supervision() -> None:
    sv = pytest.importorskip("supervision")
    found = _map(
        [
            {"bbox_2d": [10, 5, 20, 25], "label": "cup"},
            {"point_2d": [3, 3], "label": "dot"},
        ]
    )
    converted = found.to_supervision()
    assert isinstance(converted, sv.Detections)
    assert converted.xyxy.tolist() == [[40, 20, 80, 100]]
    assert list(converted.data["class_name"]) == ["cup"]
