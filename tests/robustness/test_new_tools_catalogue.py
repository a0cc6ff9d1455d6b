"""The hostile-input catalogue through moderate_image, extraction and compare_images.

Each case of tests/robustness/test_hostile_catalogue.py goes to one of the two
new tools (alternating), called as an agent calls it: the same typed code, a
one-line message free of paths and secrets, and nothing sent to the model
when the input is refused. compare_images gets each case as the second of
two images (the first a good data URL): the same code, the message naming
``images[1]``, and nothing sent, not even the good image.
"""

from __future__ import annotations

import base64
import time

import pytest
from langchain_core.messages import ToolMessage
from pydantic import BaseModel

from langchain_gravix_vision import (
    CompareImagesTool,
    ExtractFieldsTool,
    ModerateImageTool,
)
from langchain_gravix_vision.images._sources import source_kind
from tests.robustness import test_hostile_catalogue as catalogue
from tests.robustness._support import (
    assert_no_leak,
    call_tool,
    sent_images,
    vision_model,
)
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


GOOD = "data:image/png;base64," + base64.b64encode(catalogue.PNG).decode()

# compare_images reads every item as ``image`` does (a path or a URL): an
# ``image_url`` case whose source is not a URL has no equivalent item.
COMPARE_PARAMS = [
    param
    for param, case in zip(catalogue.PARAMS, catalogue.CASES, strict=True)
    if case.arg == "image_path"
    or callable(case.source)
    or source_kind(case.source) != "path"
]


@pytest.mark.parametrize("case", COMPARE_PARAMS)
def test_compare_images_second_item(
    case: catalogue.Case, env: catalogue.Env, server: StandInServer
) -> None:
    tool = CompareImagesTool(
        llm=vision_model(server), image_policy=case.image_policy(env)
    )
    before = len(server.requests)
    started = time.monotonic()
    given = case.resolve(env)
    message = call_tool(tool, {"images": [GOOD, given]})
    assert time.monotonic() - started < case.budget_s
    assert isinstance(message, ToolMessage)
    text = str(message.content)
    assert_no_leak([text], [env.root, env.outside, env.root.parent], given=str(given))
    if case.expect is None:
        assert message.status == "success", text
        assert len(server.requests) == before + 1
        images = sent_images(server.requests[-1])
        assert len(images) == 2
        for image in images:
            assert getattr(image, "n_frames", 1) == 1
            assert image.width * image.height <= 2 << 20
        return
    assert message.status == "error"
    assert not set(text) & set("\n\r\x1b")  # one plain line
    assert text.startswith(f"{case.expect.code}: images[1] (image 2): "), text
    assert case.match in text
    assert len(server.requests) == before  # refused before the model was called
