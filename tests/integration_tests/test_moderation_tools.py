"""moderate_image's contract on real photos, replayed from cassettes.

What the client controls: one image per request, one bounded score per
category of the taxonomy in the enforced schema, and the verdict the
thresholds make of the scores. What a model scores is not asserted here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from langchain_gravix_vision import (
    ImageModeration,
    ModerateImageTool,
    Policy,
    Taxonomy,
)
from tests.integration_tests._standard import StandardToolSuite
from tests.integration_tests.test_tools import VISION_MODEL, _call, _llm
from tests.scripted_answers import json_reply, moderation

pytestmark = pytest.mark.vcr


def _consistent(result: ImageModeration) -> None:
    """The verdict is what the thresholds make of the scores."""
    assert set(result.categories) == set(result.category_scores)
    for name, score in result.category_scores.items():
        assert 0 <= score <= 1
        assert result.categories[name] is (score >= result.thresholds[name])
    assert result.violated == [n for n, hit in result.categories.items() if hit]
    assert result.flagged is bool(result.violated)


def test_moderate_image_sends_the_photo_and_scores_every_category(
    script: Callable[..., None], vcr: Any
) -> None:
    tool = ModerateImageTool(llm=_llm())
    script(json_reply(moderation(tool.taxonomy.names())))
    message = _call(tool, {"image": "tests/data/photos/chelsea.png"})
    body = json.loads(vcr.requests[-1].body)
    assert body["model"] == VISION_MODEL
    parts = [
        p
        for m in body["messages"]
        if isinstance(m["content"], list)
        for p in m["content"]
    ]
    assert sum(p["type"] == "image_url" for p in parts) == 1
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["$defs"]["CategoryScores"]["required"] == tool.taxonomy.names()
    result = message.artifact
    assert isinstance(result, ImageModeration)
    assert result.taxonomy == "openai"
    _consistent(result)
    assert message.content == result.to_content()
    # Thresholds decide, not the model: 0 flags every category, above 1 none.
    scores = result.category_scores
    every = ModerateImageTool(llm=None, default_threshold=0.0).verdict(scores)
    assert every.violated == tool.taxonomy.names()
    strict = dict.fromkeys((n for n in scores if scores[n] < 1.0), 1.0)
    none = ModerateImageTool(llm=None, thresholds=strict).verdict(scores)
    assert set(none.violated) == {n for n in scores if scores[n] >= 1.0}


def test_moderate_image_with_custom_policies(
    script: Callable[..., None], vcr: Any
) -> None:
    policies = [
        Policy(name="animals", description="Any animal, pet or wildlife."),
        Policy(name="weapons", description="Firearms, knives or explosives."),
    ]
    tool = ModerateImageTool(llm=_llm(), taxonomy=Taxonomy.custom(policies))
    script(json_reply(moderation(["animals", "weapons"], animals=0.95)))
    message = _call(tool, {"image": "tests/data/photos/chelsea.png"})
    body = json.loads(vcr.requests[-1].body)
    sent = json.dumps(body["messages"])
    assert all(p.description in sent for p in policies)
    properties = body["response_format"]["json_schema"]["schema"]["$defs"][
        "CategoryScores"
    ]["properties"]
    assert set(properties) == {"animals", "weapons"}
    result = message.artifact
    assert result.taxonomy == "custom"
    assert set(result.categories) == {"animals", "weapons"}
    _consistent(result)


class TestModerateImageToolIntegration(StandardToolSuite):
    constructor = ModerateImageTool
    example: ClassVar[dict[str, Any]] = {"image": "tests/data/photos/coffee.png"}
