"""LangChain video content blocks, parsed into one ``VideoBlock``.

Accepted: LangChain v1 ``{"type": "video", "url" | "base64", "mime_type"?}``,
v0 ``{"type": "video", "source_type": "url" | "base64", ...}``, the
``{"type": "video_url", "video_url": {"url": ...}}`` form of vLLM and Qwen's
OpenAI servers, and ``file`` blocks whose ``mime_type`` is ``video/...``. A URL
field is read by the rule image blocks follow: an http(s) URL, a data URL, or
a local path under the policy's roots.

Example:
    >>> parse_video_block({"type": "video", "url": "clips/a.mp4"})
    VideoBlock(kind='url', value='clips/a.mp4', detail=None, max_frames=None)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import ImageSourceNotAllowed, InvalidVideoData


@dataclass(frozen=True)
class VideoBlock:
    """What one video block carries: a URL (or path) or base64 text.

    ``detail`` and ``max_frames`` come from the block's ``extras`` (or its
    top level): a per-video frame detail and frame cap.
    """

    kind: Literal["url", "base64"]
    value: str
    detail: str | None = None
    max_frames: int | None = None

    def __repr__(self) -> str:
        return (
            f"VideoBlock(kind={self.kind!r}, value={short(self.value, 40)!r},"
            f" detail={self.detail!r}, max_frames={self.max_frames!r})"
        )


def _kind(block: Mapping[str, Any]) -> str:
    kind = block.get("type")
    return kind.strip().lower() if isinstance(kind, str) else ""


def is_video_block(block: object) -> bool:
    """Whether ``block`` is a video content block in any form this package reads.

    Example:
        >>> is_video_block({"type": "video", "base64": "AA==", "mime_type": "x"})
        True
        >>> is_video_block({"type": "file", "mime_type": "video/webm", "url": "a.webm"})
        True
        >>> is_video_block({"type": "image", "url": "a.png"})
        False
    """
    if not isinstance(block, Mapping):
        return False
    kind = _kind(block)
    if kind in ("video", "video_url", "input_video"):
        return True
    mime = block.get("mime_type")
    return (
        kind == "file"
        and isinstance(mime, str)
        and mime.strip().lower().startswith("video/")
    )


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidVideoData(
            f"video block field {field!r} must be a non-empty string"
        )
    return value.strip()


def _options(block: Mapping[str, Any]) -> tuple[str | None, int | None]:
    extras = block.get("extras")
    places = [extras, block] if isinstance(extras, Mapping) else [block]
    detail = next(
        (p["detail"] for p in places if isinstance(p.get("detail"), str)), None
    )
    frames = next(
        (p["max_frames"] for p in places if isinstance(p.get("max_frames"), int)),
        None,
    )
    if frames is not None and frames < 1:
        raise InvalidVideoData("a video block's max_frames must be at least 1")
    return detail, frames


def parse_video_block(block: Mapping[str, Any]) -> VideoBlock:
    """Parse a video block; a file-id reference is refused (nothing to read).

    Example:
        >>> parse_video_block({"type": "video_url", "video_url": {"url": "https://x/a.mp4"}}).kind
        'url'
    """
    if not is_video_block(block):
        raise InvalidVideoData("not a video content block")
    detail, frames = _options(block)
    kind = _kind(block)
    if kind in ("video_url", "input_video"):
        value = block.get("video_url")
        url = value.get("url") if isinstance(value, Mapping) else value
        return VideoBlock("url", _text(url, "video_url.url"), detail, frames)
    source_type = block.get("source_type")
    if source_type == "base64" or (source_type is None and "base64" in block):
        data = block.get("base64", block.get("data"))
        return VideoBlock("base64", _text(data, "base64"), detail, frames)
    if block.get("url") is not None:
        return VideoBlock("url", _text(block["url"], "url"), detail, frames)
    if block.get("data") is not None:
        return VideoBlock("base64", _text(block["data"], "data"), detail, frames)
    if block.get("file_id") is not None or block.get("id") is not None:
        raise ImageSourceNotAllowed(
            "video blocks that reference a file id cannot be read; send the video"
            " as base64 or a URL"
        )
    raise InvalidVideoData("video block has no url or base64 data")


__all__ = ["VideoBlock", "is_video_block", "parse_video_block"]
