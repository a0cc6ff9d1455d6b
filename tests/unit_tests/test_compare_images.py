"""compare_images on an in-memory wire: its one request, its budget, its errors.

What the client controls is asserted: the labels before each image and their
order, the image count, the sizes for the model's resolution, the token
budget, refusals before anything is sent, and the artifact's one note per
image. The model's words are scripted here and never asserted.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage, ToolMessage
from PIL import Image

from langchain_gravix_vision import (
    CompareImagesTool,
    GravixVisionToolkit,
    ImageComparison,
    ImagePolicy,
    ImageResolution,
    load_image,
)
from langchain_gravix_vision.profiles import GEMMA3_RESOLUTION, QWEN25VL_RESOLUTION
from langchain_gravix_vision.resolution import (
    IMAGE_MARKER_TOKENS,
    image_prompt_tokens,
    target_size,
)
from langchain_gravix_vision.tools.prompts import COMPARE_SYSTEM, image_label
from langchain_gravix_vision.tools.schemas import MAX_COMPARE_IMAGES
from tests.unit_tests.documents import pdfs
from tests.unit_tests.wire import Wire, completion, image_parts

SIZES = [(4000, 3000), (640, 480), (300, 200)]
COLOURS = ["red", "green", "blue", "white", "black", "gray", "cyan", "pink", "navy"]


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Nine PNGs of known sizes, made once."""
    root = tmp_path_factory.mktemp("compare")
    for index, colour in enumerate(COLOURS):
        width, height = SIZES[index % len(SIZES)]
        Image.new("RGB", (width, height), colour).save(root / f"{colour}.png")
    return root


@pytest.fixture
def files(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The nine PNGs, inside the working directory (the policy root)."""
    monkeypatch.chdir(tmp_path)
    for colour in COLOURS:
        shutil.copyfile(folder / f"{colour}.png", tmp_path / f"{colour}.png")
    return [f"{colour}.png" for colour in COLOURS]


def _answer(count: int, **changes: Any) -> dict[str, Any]:
    payload = {
        "answer": "scripted answer",
        "notes": [{"image": n, "note": f"note {n}"} for n in range(1, count + 1)],
        "differences": ["scripted difference"],
        **changes,
    }
    return completion(json.dumps(payload))


def _call(tool: Any, args: dict[str, Any]) -> ToolMessage:
    message = tool.invoke(
        {"args": args, "id": "call_1", "name": tool.name, "type": "tool_call"}
    )
    assert isinstance(message, ToolMessage)
    return message


def _parts(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["messages"][-1]["content"]


def _sent_sizes(body: dict[str, Any]) -> list[tuple[int, int]]:
    sizes = []
    for part in _parts(body):
        if part["type"] == "image_url":
            data = part["image_url"]["url"].split(";base64,", 1)[1]
            sizes.append(Image.open(io.BytesIO(base64.b64decode(data))).size)
    return sizes


def _prepared(name: str, resolution: ImageResolution) -> tuple[int, int]:
    return load_image(name, resolution=resolution).sent_size


def _tool(wire: Wire, **settings: Any) -> CompareImagesTool:
    model = settings.pop("model", "qwen2.5vl:7b")
    return CompareImagesTool(llm=wire.model(model=model), **settings)


# ------------------------------------------------------------ the request


def test_one_request_labels_each_image_in_order_and_asks_last(
    wire: Wire, files: list[str]
) -> None:
    wire.queue(_answer(3))
    question = "Which picture is the widest?"
    message = _call(_tool(wire), {"images": files[:3], "question": question})
    assert message.status == "success", message.content
    (body,) = wire.bodies
    assert body["messages"][0] == {"role": "system", "content": COMPARE_SYSTEM}
    parts = _parts(body)
    assert [p["type"] for p in parts] == ["text", "image_url"] * 3 + ["text"]
    labels = [p["text"] for p in parts[:-1] if p["type"] == "text"]
    assert labels == [image_label(n) for n in (1, 2, 3)]
    assert question in parts[-1]["text"]
    assert "3 images" in parts[-1]["text"]
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert set(schema["required"]) == {"answer", "notes", "differences"}
    # In the order given, each as load_image prepares it for the model.
    expected = [_prepared(name, QWEN25VL_RESOLUTION) for name in files[:3]]
    assert _sent_sizes(body) == expected
    assert _sent_sizes(body)[0] == target_size(*SIZES[0], QWEN25VL_RESOLUTION)


def test_the_artifact_has_one_note_per_image_in_order(
    wire: Wire, files: list[str]
) -> None:
    notes = [
        {"image": 3, "note": "third"},
        {"image": 1, "note": "first"},
        {"image": 1, "note": "again"},
        {"image": 7, "note": "no such image"},
    ]
    wire.queue(_answer(3, notes=notes))
    message = _call(_tool(wire), {"images": files[:3]})
    result = message.artifact
    assert isinstance(result, ImageComparison)
    assert [n.image for n in result.notes] == [1, 2, 3]
    assert [n.note for n in result.notes] == ["first", "", "third"]
    assert result.image_count == 3
    assert message.content == result.to_content()
    restored = ImageComparison.model_validate(result.model_dump(mode="json"))
    assert restored == result


def test_gemma_images_are_fitted_to_its_square(wire: Wire, files: list[str]) -> None:
    wire.queue(_answer(2))
    _call(_tool(wire, model="gemma3:12b"), {"images": files[:2]})
    sizes = _sent_sizes(wire.last)
    assert sizes == [_prepared(name, GEMMA3_RESOLUTION) for name in files[:2]]
    assert max(sizes[0]) == GEMMA3_RESOLUTION["max_side"]


def test_a_pdf_item_sends_its_first_page(
    wire: Wire, files: list[str], tmp_path: Path
) -> None:
    (tmp_path / "two.pdf").write_bytes(pdfs.text_pdf(pages=2))
    wire.queue(_answer(2))
    message = _call(_tool(wire), {"images": [files[0], "two.pdf"]})
    assert message.status == "success", message.content
    assert image_parts(wire.last) == 2


async def test_async_sends_the_same_request(wire: Wire, files: list[str]) -> None:
    wire.queue(_answer(2), _answer(2))
    tool = _tool(wire)
    call = {"images": files[:2], "question": "Same colour?"}
    sync = _call(tool, call)
    message = await tool.ainvoke(
        {"args": call, "id": "call_2", "name": tool.name, "type": "tool_call"}
    )
    assert message.status == "success", message.content
    assert wire.bodies[0] == wire.bodies[1]
    assert message.artifact == sync.artifact


def test_an_invalid_answer_is_repaired_once_with_the_same_images(
    wire: Wire, files: list[str]
) -> None:
    wire.queue(completion("not json"), _answer(2))
    message = _call(_tool(wire), {"images": files[:2]})
    assert message.status == "success", message.content
    first, repair = wire.bodies
    assert image_parts(first) == image_parts(repair) == 2
    assert len(repair["messages"]) == len(first["messages"]) + 2


# ------------------------------------------------------------ the budget


def _tokens(body: dict[str, Any]) -> list[int]:
    return [
        image_prompt_tokens(w, h, QWEN25VL_RESOLUTION) for w, h in _sent_sizes(body)
    ]


def test_the_images_share_the_total_budget(wire: Wire, files: list[str]) -> None:
    budget = 1000
    wire.queue(_answer(4))
    message = _call(_tool(wire, max_total_image_tokens=budget), {"images": files[:4]})
    assert message.status == "success", message.content
    tokens = _tokens(wire.last)
    assert len(tokens) == 4
    assert all(t <= budget // 4 for t in tokens)
    assert sum(tokens) <= budget
    assert message.artifact.image_tokens == sum(tokens)
    # The largest image is shrunk to its share, not to nothing.
    assert tokens[0] > budget // 4 - IMAGE_MARKER_TOKENS - 40


def test_detail_low_and_the_policy_cap_each_image(wire: Wire, files: list[str]) -> None:
    wire.queue(_answer(2), _answer(2))
    _call(_tool(wire), {"images": files[:2], "detail": "low"})
    assert max(_tokens(wire.last)) <= 256 + IMAGE_MARKER_TOKENS
    assert wire.last["messages"][-1]["content"][1]["image_url"]["detail"] == "low"
    capped = _tool(wire, image_policy=ImagePolicy(max_image_tokens=100))
    _call(capped, {"images": files[:2]})
    assert max(_tokens(wire.last)) <= 100 + IMAGE_MARKER_TOKENS


@pytest.mark.parametrize(
    ("count", "settings", "code", "match"),
    [
        (1, {}, "invalid_arguments", "at least 2"),
        (
            MAX_COMPARE_IMAGES + 1,
            {},
            "invalid_arguments",
            f"at most {MAX_COMPARE_IMAGES}",
        ),
        (
            4,
            {"max_total_image_tokens": 200},
            "image_too_large",
            "max_total_image_tokens",
        ),
        (
            3,
            {"image_policy": ImagePolicy(max_images=2)},
            "image_too_large",
            "ImagePolicy.max_images",
        ),
    ],
    ids=["one", "nine", "over-the-budget", "over-the-policy"],
)
def test_too_few_or_too_many_images_are_refused_before_sending(
    wire: Wire,
    files: list[str],
    count: int,
    settings: dict[str, Any],
    code: str,
    match: str,
) -> None:
    message = _call(_tool(wire, **settings), {"images": files[:count]})
    assert message.status == "error"
    assert str(message.content).startswith(f"{code}: ")
    assert match in str(message.content)
    assert wire.bodies == []


def test_fixed_cost_images_over_the_total_are_refused(
    wire: Wire, files: list[str]
) -> None:
    tool = _tool(wire, model="gemma3:12b", max_total_image_tokens=600)
    message = _call(tool, {"images": files[:3]})  # 3 x 258 tokens > 600
    assert message.status == "error"
    assert str(message.content).startswith("image_too_large: ")
    assert "600" in str(message.content)
    assert wire.bodies == []


# ------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("missing.png", "not_found"),
        ("../outside.png", "source_not_allowed"),
        ("ftp://example.com/a.png", "source_not_allowed"),
        ("data:image/png;base64,!!!", "invalid_image_data"),
    ],
)
def test_one_bad_image_is_named_by_its_index(
    wire: Wire, files: list[str], bad: str, code: str
) -> None:
    message = _call(_tool(wire), {"images": [files[0], files[1], bad]})
    assert message.status == "error"
    text = str(message.content)
    assert text.startswith(f"{code}: images[2] (image 3): ")
    assert "\n" not in text
    assert str(Path.cwd()) not in text  # no resolved path the caller did not give
    assert wire.bodies == []


def test_a_tool_error_reaches_the_agent_as_a_message(
    files: list[str],
) -> None:
    vision, agent_wire = Wire(), Wire()
    call = {
        "id": "call_9",
        "type": "function",
        "function": {
            "name": "compare_images",
            "arguments": json.dumps({"images": [files[0], "missing.png"]}),
        },
    }
    turn = completion("", tool_calls=[call])
    turn["choices"][0]["finish_reason"] = "tool_calls"
    agent_wire.queue(turn, completion("I could not read the second image."))
    model = agent_wire.model(
        model="qwen2.5vl:7b", profile_overrides={"tool_calling": True}
    )
    tools = GravixVisionToolkit(llm=vision.model(), comparison=True).get_tools()
    agent = create_agent(model, tools)
    state = agent.invoke({"messages": [HumanMessage("Compare the two photos.")]})
    (tool_message,) = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert tool_message.status == "error"
    assert str(tool_message.content).startswith("not_found: images[1] (image 2): ")
    assert vision.bodies == []  # nothing reached the vision model
    sent = json.dumps(agent_wire.last["messages"])
    assert "images[1]" in sent  # the agent's model saw the error and could act


@pytest.mark.parametrize(
    "args", ['["a.png", "b.png"]', 5, {"images": ["a.png", 5]}, {"images": "a.png"}]
)
def test_malformed_arguments_are_refused_with_a_hint(wire: Wire, args: Any) -> None:
    message = _tool(wire).invoke(
        {"args": args, "id": "c", "name": "compare_images", "type": "tool_call"}
    )
    assert message.status == "error"
    assert str(message.content).startswith("invalid_arguments: ")
    if not isinstance(args, dict):
        assert '"images"' in str(message.content)
    assert wire.bodies == []


def test_a_server_error_is_a_coded_message(wire: Wire, files: list[str]) -> None:
    wire.queue(httpx2.Response(500, json={"error": {"message": "runner died"}}))
    message = _call(_tool(wire), {"images": files[:2]})
    assert message.status == "error"
    assert str(message.content).startswith("model_error: ")
