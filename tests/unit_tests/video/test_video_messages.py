"""Video content blocks in chat messages: frames and labels on the wire, counted.

The request is checked where it arrives: a stand-in server on 127.0.0.1
records what the client sent (no cassette: nothing here depends on an answer).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.messages import HumanMessage
from PIL import Image

from langchain_gravix_vision import ChatGravixVision, ImagePolicy, VideoPolicy
from langchain_gravix_vision.errors import (
    ImageSourceNotAllowed,
    UnsupportedImageFormat,
)
from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
from langchain_gravix_vision.video import prepare_video
from tests.stand_in import StandInServer

pytest.importorskip("av")

from tests.unit_tests.video._clips import frame_index, make_clip

KEY = "sk-video-test-key-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


@pytest.fixture(scope="module")
def clip() -> bytes:
    return make_clip(3.0, fps=30, gop=15)


def _llm(server: StandInServer, **kwargs: Any) -> ChatGravixVision:
    return ChatGravixVision(
        model="qwen2.5vl:7b", base_url=server.base_url, api_key=KEY, **kwargs
    )


def _user_parts(server: StandInServer) -> list[dict[str, Any]]:
    body = server.requests[-1]
    return [m for m in body["messages"] if m["role"] == "user"][-1]["content"]


def _shown(part: dict[str, Any]) -> int:
    data = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
    return frame_index(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))


def _b64(clip: bytes) -> str:
    return base64.b64encode(clip).decode()


@pytest.mark.parametrize(
    "form",
    ["v1_base64", "data_url", "video_url", "file_block", "path"],
)
def test_a_video_block_becomes_labelled_frames_on_the_wire(
    server: StandInServer,
    clip: bytes,
    form: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clip.mp4").write_bytes(clip)
    data_url = f"data:video/mp4;base64,{_b64(clip)}"
    block = {
        "v1_base64": {"type": "video", "base64": _b64(clip), "mime_type": "video/mp4"},
        "data_url": {"type": "video", "url": data_url},
        "video_url": {"type": "video_url", "video_url": {"url": data_url}},
        "file_block": {"type": "file", "mime_type": "video/mp4", "base64": _b64(clip)},
        "path": {"type": "video", "url": "clip.mp4"},
    }[form]
    _llm(server).invoke([HumanMessage([{"type": "text", "text": "What?"}, block])])
    parts = _user_parts(server)
    assert parts[0] == {"type": "text", "text": "What?"}
    frames = parts[1:]
    assert [p["type"] for p in frames] == ["text", "image_url"] * 6  # 3 s at 2 fps
    for label, image in zip(frames[::2], frames[1::2], strict=True):
        assert label["text"] == f"t={_shown(image) / 30:.1f}s"


def test_token_count_includes_every_frame(server: StandInServer, clip: bytes) -> None:
    llm = _llm(server)
    text = HumanMessage([{"type": "text", "text": "What happens?"}])
    block = {"type": "video", "base64": _b64(clip), "mime_type": "video/mp4"}
    with_video = HumanMessage([{"type": "text", "text": "What happens?"}, block])
    video = prepare_video(clip, resolution=QWEN25VL_RESOLUTION)
    added = llm.get_num_tokens_from_messages(
        [with_video]
    ) - llm.get_num_tokens_from_messages([text])
    labels = sum(len(f.label) for f in video.frames)
    assert video.image_tokens <= added <= video.image_tokens + labels


def test_frames_are_not_counted_as_images_but_the_frame_cap_holds(
    server: StandInServer, clip: bytes
) -> None:
    policy = ImagePolicy(max_images=1, video=VideoPolicy(max_frames=4))
    llm = _llm(server, image_policy=policy)
    block = {"type": "video", "base64": _b64(clip), "mime_type": "video/mp4"}
    llm.invoke([HumanMessage([block])])
    assert sum(p["type"] == "image_url" for p in _user_parts(server)) == 4


def test_block_extras_set_detail_and_max_frames(
    server: StandInServer, clip: bytes
) -> None:
    block = {
        "type": "video",
        "base64": _b64(clip),
        "mime_type": "video/mp4",
        "extras": {"max_frames": 2, "detail": "low"},
    }
    _llm(server).invoke([HumanMessage([block])])
    images = [p for p in _user_parts(server) if p["type"] == "image_url"]
    assert len(images) == 2
    assert all(p["image_url"]["detail"] == "low" for p in images)


def test_refusals_send_nothing(
    server: StandInServer, clip: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.mp4").write_bytes(clip)
    monkeypatch.chdir(root)
    before = len(server.requests)
    llm = _llm(server)
    cases = [
        ({"type": "video", "url": "../outside.mp4"}, ImageSourceNotAllowed),
        ({"type": "video", "file_id": "file-123"}, ImageSourceNotAllowed),
        (
            {
                "type": "video",
                "base64": base64.b64encode(b"GIF89a" + bytes(20)).decode(),
            },
            UnsupportedImageFormat,
        ),
    ]
    for block, error in cases:
        with pytest.raises(error):
            llm.invoke([HumanMessage([block])])
    deny = _llm(server, image_policy=ImagePolicy(url_mode="deny"))
    with pytest.raises(ImageSourceNotAllowed):
        deny.invoke([HumanMessage([{"type": "video", "url": "https://x.test/a.mp4"}])])
    off = _llm(server, image_policy=None)
    with pytest.raises(UnsupportedImageFormat):
        off.invoke([HumanMessage([{"type": "video", "url": "clip.mp4"}])])
    assert len(server.requests) == before
