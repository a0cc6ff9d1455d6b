"""How tools ask for their answer (tools/_answers.py): same wire, fewer layers.

The tools bind ``ChatGravixVision`` to a JSON-schema ``response_format`` and
read the message themselves; the request must be the one
``with_structured_output`` sends, and every unusable answer must become a
parsing error the retry policy can act on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableBinding
from PIL import Image
from pydantic import BaseModel, ValidationError

from langchain_gravix_vision import (
    DescribeImageTool,
    ImageDescription,
    ImagePolicy,
    LocateObjectsTool,
)
from langchain_gravix_vision.chat_models._message_images import needs_reading
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.tools._answers import answer_format, ask_for, read
from langchain_gravix_vision.tools.schemas import GroundingAnswer
from tests.unit_tests.wire import Wire, completion

DESCRIPTION = {
    "caption": "A red square.",
    "description": "Red.",
    "objects": ["square"],
    "people": [],
    "text_present": [],
    "answer": None,
}


class Caption(BaseModel):
    caption: str


def _validate(answer: str | dict | list) -> BaseModel:
    if isinstance(answer, str):
        return Caption.model_validate_json(answer)
    return Caption.model_validate(answer)


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.mark.parametrize(
    ("schema", "strict"), [(ImageDescription, True), (GroundingAnswer, False)]
)
def test_the_request_is_the_one_with_structured_output_sends(
    wire: Wire, schema: type[BaseModel], strict: bool
) -> None:
    answer = {"objects": []} if schema is GroundingAnswer else DESCRIPTION
    wire.answer = lambda _b: httpx2.Response(200, json=completion(json.dumps(answer)))
    llm = wire.model(model="qwen2.5vl:7b")
    requested = schema if strict else schema.model_json_schema()
    llm.with_structured_output(requested, include_raw=True).invoke("x")
    ask_for(llm, schema, strict=strict).invoke("x")
    reference, ours = wire.bodies
    assert ours == reference
    assert ours["response_format"] == answer_format(schema, strict=strict)


def test_the_model_keeps_its_own_extra_body(wire: Wire) -> None:
    llm = wire.model(model="qwen2.5vl:7b", extra_body={"keep_alive": "5m"})
    ask_for(llm, Caption, strict=True).invoke("x")
    assert wire.last["keep_alive"] == "5m"
    assert wire.last["response_format"]["json_schema"]["name"] == "Caption"


def test_models_without_schema_support_use_their_structured_output(
    wire: Wire,
) -> None:
    no_schema = {"structured_output": False}
    llm = wire.model(model="qwen2.5vl:7b", profile_overrides=no_schema)
    runnable = ask_for(llm, Caption, strict=True)
    assert not isinstance(runnable, RunnableBinding)  # the structured-output chain
    wire.answer = lambda _b: httpx2.Response(200, json=completion('{"caption": "a"}'))
    assert read(runnable.invoke("x"), _validate)["parsed"] == Caption(caption="a")


@pytest.mark.parametrize(
    ("output", "parsed"),
    [
        (AIMessage('{"caption": "a cat"}'), Caption(caption="a cat")),
        ({"raw": AIMessage(""), "parsed": Caption(caption="b")}, Caption(caption="b")),
        ({"raw": AIMessage(""), "parsed": {"caption": "c"}}, Caption(caption="c")),
    ],
)
def test_usable_answers_are_read(output: Any, parsed: Caption) -> None:
    assert read(output, _validate) == {
        "raw": output if isinstance(output, AIMessage) else output["raw"],
        "parsed": parsed,
        "parsing_error": None,
    }


@pytest.mark.parametrize(
    "output",
    [
        AIMessage('{"caption": "cut'),
        AIMessage('{"title": "wrong field"}'),
        AIMessage("   "),
        {"raw": None, "parsed": None, "parsing_error": ValueError("from the call")},
    ],
)
def test_unusable_answers_become_parsing_errors(output: Any) -> None:
    result = read(output, _validate)
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], Exception)


def test_the_first_error_is_kept() -> None:
    first = ValidationError.from_exception_data("Caption", [])
    output = {"raw": AIMessage("not json"), "parsed": None, "parsing_error": first}
    assert read(output, _validate)["parsing_error"] is first


def test_a_tool_reads_its_answer_through_the_binding(
    wire: Wire, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (64, 64), "red").save("red.png")
    answer = json.dumps(DESCRIPTION)
    wire.answer = lambda _b: httpx2.Response(200, json=completion(answer))
    tool = DescribeImageTool(llm=wire.model(model="qwen2.5vl:7b"))
    assert tool.invoke({"image": "red.png"}).startswith("A red square.")
    assert wire.last["response_format"] == answer_format(ImageDescription, strict=True)


def test_locate_reads_its_answer_leniently() -> None:
    tool = LocateObjectsTool(llm=None)
    answer = tool.read_answer('Here: ```json\n[{"bbox_2d": [1, 2, 3, 4]}]\n```')
    assert isinstance(answer, GroundingAnswer)
    assert answer.objects[0].bbox_2d == [1.0, 2.0, 3.0, 4.0]


def test_only_blocks_that_need_reading_go_to_a_thread(tmp_path: Path) -> None:
    path = tmp_path / "red.png"
    Image.new("RGB", (8, 8), "red").save(path)
    prepared = load_image(path, policy=ImagePolicy(allow_any_path=True))
    assert not needs_reading([HumanMessage("Hi")])
    assert not needs_reading([HumanMessage([prepared.to_message_block()])])
    assert needs_reading([HumanMessage([prepared.to_content_block()])])
    assert needs_reading([HumanMessage([{"type": "image", "url": "red.png"}])])
