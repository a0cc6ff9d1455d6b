"""Live eval of grounding quality (not a contract): skipped unless GRAVIX_VCR=live.

Whether the real model finds the cup is a property of the model, not of this
package; the mapping itself is checked offline (test_locate_mapping.py and the
replayed test in test_tools.py). No cassette: this talks to Gravix each run.
"""

from __future__ import annotations

import pytest

from langchain_gravix_vision import ChatGravixVision, LocateObjectsTool
from tests.cassette_setup import MODE
from tests.integration_tests.test_locate_mapping import iou
from tests.scripted_answers import PHOTO_BOXES

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(MODE != "live", reason="live eval: needs GRAVIX_VCR=live"),
]


def test_qwen_finds_the_cup_on_the_photo() -> None:
    tool = LocateObjectsTool(llm=ChatGravixVision(model="qwen2.5vl:7b", temperature=0))
    message = tool.invoke(
        {
            "args": {"image": "tests/data/photos/coffee.png", "query": "coffee cup"},
            "id": "live",
            "name": tool.name,
            "type": "tool_call",
        }
    )
    assert message.status == "success", message.content
    boxes = [d.box for d in message.artifact.objects if d.box is not None]
    truth = PHOTO_BOXES["coffee.png"]["cup"]
    assert max((iou(box, truth) for box in boxes), default=0.0) >= 0.5
