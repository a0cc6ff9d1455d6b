"""The hostile-input catalogue through moderate_image and an extraction tool.

Each case of tests/robustness/test_hostile_catalogue.py goes to one of the two
new tools (alternating), called as an agent calls it: the same typed code, a
one-line message free of paths and secrets, and nothing sent to the model
when the input is refused.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from langchain_gravix_vision import ExtractFieldsTool, ModerateImageTool
from tests.robustness import test_hostile_catalogue as catalogue
from tests.robustness._support import vision_model
from tests.stand_in import StandInServer

env, server, _in_root = catalogue.env, catalogue.server, catalogue._in_root


class Receipt(BaseModel):
    """A receipt's shop and total."""

    shop: str
    total: float | None


def _tool(
    index: int, llm: object, policy: object
) -> ModerateImageTool | ExtractFieldsTool:
    if index % 2:
        return ExtractFieldsTool(schema=Receipt, llm=llm, image_policy=policy)
    return ModerateImageTool(llm=llm, image_policy=policy)


@pytest.mark.parametrize("case", catalogue.PARAMS)
def test_new_tool(
    case: catalogue.Case, env: catalogue.Env, server: StandInServer
) -> None:
    index = catalogue.CASES.index(case)
    tool = _tool(index, vision_model(server), case.image_policy(env))
    catalogue.check_tool(tool, case, env, server)
