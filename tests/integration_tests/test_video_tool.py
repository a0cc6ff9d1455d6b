"""describe_video's contract, replayed from cassettes recorded against the stand-in.

What the client controls: the frames it samples (each a data-URL image after
its ``t=…s`` label, times read back from the frames' own pixels), the answer
schema, and the events moved onto the labels sent. The answers are scripted;
nothing here reads their wording.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.messages import ToolMessage
from PIL import Image

from langchain_gravix_vision import (
    ChatGravixVision,
    DescribeVideoTool,
    VideoDescription,
)
from tests.scripted_answers import json_reply

pytest.importorskip("av")

from tests.unit_tests.video._clips import frame_index, make_clip

pytestmark = pytest.mark.vcr
FPS = 30


def _llm() -> ChatGravixVision:
    return ChatGravixVision(model="qwen2.5vl:7b", temperature=0, max_retries=1)


@pytest.fixture
def clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    Path("clip.mp4").write_bytes(make_clip(4.0, fps=FPS, gop=15))
    return "clip.mp4"


def _frames_sent(vcr: Any) -> list[tuple[str, int]]:
    """(label, index the frame shows) for each frame of the last request."""
    body = json.loads(vcr.requests[-1].body)
    (user,) = [m for m in body["messages"] if m["role"] == "user"]
    parts = user["content"][1:]
    sent = []
    for label, image in zip(parts[::2], parts[1::2], strict=True):
        data = base64.b64decode(image["image_url"]["url"].split(",", 1)[1])
        pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        sent.append((label["text"], frame_index(pixels)))
    return sent


def _call(tool: DescribeVideoTool, args: dict[str, Any]) -> ToolMessage:
    message = tool.invoke(
        {"args": args, "id": "call_1", "name": tool.name, "type": "tool_call"}
    )
    assert isinstance(message, ToolMessage)
    assert message.status == "success", message.content
    return message


def test_describe_video_sends_labelled_frames_and_validates_the_answer(
    clip: str, vcr: Any
) -> None:
    message = _call(DescribeVideoTool(llm=_llm()), {"video": clip})
    sent = _frames_sent(vcr)
    assert len(sent) == 8  # 4 s at 2 frames a second
    for label, index in sent:
        assert label == f"t={index / FPS:.1f}s"
    body = json.loads(vcr.requests[-1].body)
    assert body["response_format"]["json_schema"]["name"] == "VideoAnswer"
    result = message.artifact
    assert isinstance(result, VideoDescription)
    assert [f"t={t:.1f}s" for t in result.frame_times] == [s[0] for s in sent]
    for event in result.events:
        assert event.start in result.frame_times
        assert event.end in result.frame_times
        assert event.start <= event.end
    assert message.content == result.to_content()


def test_describe_video_places_events_on_the_frames_sent(
    clip: str, script: Callable[..., None], vcr: Any
) -> None:
    script(
        json_reply(
            {
                "summary": "[scripted] A clip.",
                "events": [
                    {"start": 3.1, "end": 3.9, "description": "[scripted] later"},
                    {"start": 0.4, "end": 0.2, "description": "[scripted] first"},
                ],
                "objects": [],
                "text_present": [],
                "answer": "[scripted] An answer.",
            }
        )
    )
    question = "What happens first?"
    tool = DescribeVideoTool(llm=_llm())
    message = _call(tool, {"video": clip, "question": question, "max_frames": 4})
    assert len(_frames_sent(vcr)) == 4
    assert question in json.dumps(json.loads(vcr.requests[-1].body)["messages"])
    result = message.artifact
    times = result.frame_times
    assert [e.start for e in result.events] == sorted(e.start for e in result.events)
    for event in result.events:
        assert {event.start, event.end} <= set(times)
    assert result.answer
    assert message.content.startswith(f"Answer: {result.answer}")


async def test_describe_video_async_with_low_detail(clip: str, vcr: Any) -> None:
    tool = DescribeVideoTool(llm=_llm())
    message = await tool.ainvoke(
        {
            "args": {"video": clip, "detail": "low", "max_frames": 2},
            "id": "call_1",
            "name": tool.name,
            "type": "tool_call",
        }
    )
    assert message.status == "success", message.content
    body = json.loads(vcr.requests[-1].body)
    images = [
        p
        for m in body["messages"]
        if isinstance(m["content"], list)
        for p in m["content"]
        if p["type"] == "image_url"
    ]
    assert len(images) == 2
    assert all(p["image_url"]["detail"] == "low" for p in images)
