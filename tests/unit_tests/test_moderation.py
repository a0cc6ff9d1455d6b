"""moderate_image: taxonomies, thresholds, custom policies, errors (in-memory wire)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_anthropic.chat_models import convert_to_anthropic_tool
from langchain_core.messages import ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from openai.types import Moderation

from langchain_gravix_vision import (
    GravixVisionToolkit,
    ImageModeration,
    ModerateImageTool,
    Policy,
    Taxonomy,
)
from tests.unit_tests import test_tools
from tests.unit_tests.wire import FAKE_KEY, Wire, completion

wire, image_file = test_tools.wire, test_tools.image_file  # the same fixtures

OPENAI_NAMES = [
    "sexual",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "violence",
    "violence/graphic",
]


def _scores(names: list[str], **given: float) -> dict[str, Any]:
    scores = {
        name: given.get(name.replace("/", "_").replace("-", "_"), 0.0) for name in names
    }
    return {"category_scores": scores, "rationale": "A flat colour."}


def _call(tool: ModerateImageTool, args: dict[str, Any]) -> ToolMessage:
    return tool.invoke(
        {"args": args, "id": "call_1", "name": tool.name, "type": "tool_call"}
    )


def test_default_taxonomy_is_openais_image_categories() -> None:
    tool = ModerateImageTool(llm=None)
    assert tool.taxonomy.names() == OPENAI_NAMES
    aliases = {
        f.alias or n
        for n, f in Moderation.model_fields[
            "categories"
        ].annotation.model_fields.items()
    }  # type: ignore[union-attr]
    assert set(OPENAI_NAMES) <= aliases  # a result lines up with openai's fields


def test_mlcommons_taxonomy_is_s1_to_s13() -> None:
    assert Taxonomy.mlcommons().names() == [f"S{i}" for i in range(1, 14)]


def test_request_asks_for_a_score_per_category(wire: Wire, image_file: str) -> None:
    wire.queue(completion(json.dumps(_scores(OPENAI_NAMES))))
    message = _call(ModerateImageTool(llm=wire.model()), {"image": image_file})
    assert message.status == "success", message.content
    body = wire.last
    schema = body["response_format"]["json_schema"]["schema"]
    scores = schema["$defs"]["CategoryScores"]
    assert scores["required"] == OPENAI_NAMES
    assert all(scores["properties"][n]["maximum"] == 1 for n in OPENAI_NAMES)
    images = [
        p
        for m in body["messages"]
        if isinstance(m["content"], list)
        for p in m["content"]
        if p["type"] == "image_url"
    ]
    assert len(images) == 1
    result = message.artifact
    assert isinstance(result, ImageModeration)
    assert result.flagged is False
    assert set(result.categories) == set(OPENAI_NAMES)
    assert result.violated == []
    assert message.content.startswith("Not flagged")


def test_thresholds_change_the_verdict(wire: Wire, image_file: str) -> None:
    answer = completion(json.dumps(_scores(OPENAI_NAMES, violence=0.4)))
    wire.queue(answer, answer)
    strict = ModerateImageTool(llm=wire.model(), thresholds={"violence": 0.3})
    lenient = ModerateImageTool(llm=wire.model())
    flagged = _call(strict, {"image": image_file}).artifact
    passed = _call(lenient, {"image": image_file}).artifact
    assert flagged.flagged
    assert flagged.violated == ["violence"]
    assert flagged.categories["violence"] is True
    assert flagged.thresholds["violence"] == 0.3
    assert passed.flagged is False
    assert flagged.category_scores == passed.category_scores  # same scores


def test_custom_policies_change_the_verdict(wire: Wire, image_file: str) -> None:
    policies = [
        Policy(name="weapons", description="Firearms or knives."),
        Policy(name="alcohol", description="Alcoholic drinks."),
    ]
    tool = ModerateImageTool(llm=wire.model(), taxonomy=Taxonomy.custom(policies))
    wire.queue(completion(json.dumps(_scores(["weapons", "alcohol"], alcohol=0.9))))
    message = _call(tool, {"image": image_file})
    result = message.artifact
    assert result.taxonomy == "custom"
    assert result.violated == ["alcohol"]
    assert "Alcoholic drinks." in json.dumps(wire.last["messages"])
    properties = wire.last["response_format"]["json_schema"]["schema"]["$defs"][
        "CategoryScores"
    ]["properties"]
    assert set(properties) == {"weapons", "alcohol"}


def test_categories_argument_narrows_the_result(wire: Wire, image_file: str) -> None:
    wire.queue(completion(json.dumps(_scores(OPENAI_NAMES, sexual=0.9, violence=0.1))))
    message = _call(
        ModerateImageTool(llm=wire.model()),
        {"image": image_file, "categories": ["violence"]},
    )
    result = message.artifact
    assert list(result.categories) == ["violence"]
    assert result.flagged is False


def test_unknown_category_is_refused_before_any_request(
    wire: Wire, image_file: str
) -> None:
    message = _call(
        ModerateImageTool(llm=wire.model()),
        {"image": image_file, "categories": ["hate/threatening"]},
    )
    assert message.status == "error"
    assert str(message.content).startswith("invalid_arguments:")
    assert wire.bodies == []


def test_bad_configuration_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="not in the openai taxonomy"):
        ModerateImageTool(llm=None, thresholds={"S1": 0.5})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ModerateImageTool(llm=None, thresholds={"violence": 1.5})
    with pytest.raises(ValueError, match="own name"):
        Taxonomy.custom([{"name": "a", "description": "x"}] * 2)


def test_errors_are_coded_path_free_and_secret_free(
    wire: Wire, tmp_path: Path, image_file: str
) -> None:
    missing = _call(ModerateImageTool(llm=wire.model()), {"image": "nope.png"})
    assert missing.status == "error"
    assert str(missing.content).startswith("not_found:")
    assert str(tmp_path) not in str(missing.content)
    wire.queue(completion(f"not json {FAKE_KEY}"), completion("still not json"))
    broken = _call(ModerateImageTool(llm=wire.model()), {"image": image_file})
    assert broken.status == "error"
    assert str(broken.content).startswith("invalid_model_output:")
    assert FAKE_KEY not in str(broken.content)
    assert len(wire.bodies) == 2  # one repair retry


def test_out_of_range_scores_are_repaired(wire: Wire, image_file: str) -> None:
    bad = _scores(OPENAI_NAMES, violence=3.0)
    wire.queue(
        completion(json.dumps(bad)), completion(json.dumps(_scores(OPENAI_NAMES)))
    )
    message = _call(ModerateImageTool(llm=wire.model()), {"image": image_file})
    assert message.status == "success"
    assert len(wire.bodies) == 2
    assert "could not be used" in json.dumps(wire.last["messages"][-1])


def test_schema_converts_for_openai_and_anthropic() -> None:
    tool = ModerateImageTool(llm=None)
    params = convert_to_openai_tool(tool)["function"]["parameters"]
    assert params["required"] == ["image"]
    assert {"image", "pages", "categories"} <= set(params["properties"])
    assert convert_to_anthropic_tool(tool)["input_schema"]["required"] == ["image"]


def test_toolkit_adds_moderation_on_request() -> None:
    default = [t.name for t in GravixVisionToolkit().get_tools()]
    assert "moderate_image" not in default
    names = [t.name for t in GravixVisionToolkit(moderation=True).get_tools()]
    assert names == [*default, "moderate_image"]


def test_result_comes_back_from_a_dict() -> None:
    tool = ModerateImageTool(llm=None)
    result = tool.verdict(dict.fromkeys(OPENAI_NAMES, 0.0) | {"violence": 0.8}, "x")
    restored = ImageModeration.model_validate(json.loads(result.model_dump_json()))
    assert restored == result
    assert restored.to_content().startswith("Flagged")


def test_the_description_names_the_categories_the_llm_may_pass() -> None:
    default = ModerateImageTool(llm=None)
    assert all(name in default.description for name in OPENAI_NAMES)
    mlcommons = ModerateImageTool(llm=None, taxonomy=Taxonomy.mlcommons())
    assert "S13" in mlcommons.description
    own = ModerateImageTool(llm=None, description="Check uploads.")
    assert own.description == "Check uploads."
