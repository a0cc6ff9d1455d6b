"""A video source to sampled frames ready to send: ``prepare_video`` and its result.

source -> policy (path jail, SSRF-safe fetch, ``max_video_bytes``) -> sniffed
container -> declared limits -> sampled times (Qwen's rule, the budget,
keyframes) -> seek and decode only those -> upright, at the model's size ->
encoded -> ``PreparedVideo``: one ``PreparedImage`` per frame, each sent after
a text label with its time (``"t=12.0s"``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from PIL import Image

from langchain_gravix_vision.errors import ImageTooLarge, VideoTooLarge
from langchain_gravix_vision.images import ImagePolicy, PreparedImage, RawImage
from langchain_gravix_vision.images._blocks import FRAME_KEY, PREPARED_TOKEN
from langchain_gravix_vision.images._data_urls import decode_base64
from langchain_gravix_vision.images._encode import encode
from langchain_gravix_vision.images._paths import read_path
from langchain_gravix_vision.images._raw import SupportsRead
from langchain_gravix_vision.images._sources import (
    read_bytes,
    read_file_object,
    read_string,
)
from langchain_gravix_vision.resolution import (
    ImageResolution,
    default_resolution,
    image_prompt_tokens,
    target_size,
    token_budget,
)
from langchain_gravix_vision.video._blocks import parse_video_block
from langchain_gravix_vision.video._decode import (
    FrameReader,
    VideoInfo,
    check_video,
    open_container,
    sniff_container,
)
from langchain_gravix_vision.video._plan import (
    frame_count,
    frame_resolution,
    frames_within_budget,
    sample_times,
    scene_times,
    snap_times,
)

if TYPE_CHECKING:
    import av.video.frame

VideoSource = Union[
    str,
    "os.PathLike[str]",
    bytes,
    bytearray,
    memoryview,
    SupportsRead,
    Mapping[str, Any],
]
"""What ``prepare_video`` accepts: a path, an http(s) or data URL, bytes, a
binary file or a LangChain video content block."""

_TRANSPOSE = {
    90: Image.Transpose.ROTATE_90,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_270,
}


def frame_label(seconds: float) -> str:
    """The text sent before a frame: its time in the video.

    Example:
        >>> frame_label(12.04)
        't=12.0s'
    """
    return f"t={seconds:.1f}s"


@dataclass(frozen=True, repr=False)
class VideoFrame:
    """One sampled frame: its time (seconds from the start) and the image sent."""

    time: float
    image: PreparedImage

    @property
    def label(self) -> str:
        """``"t=12.0s"``: the text sent before the frame."""
        return frame_label(self.time)

    def __repr__(self) -> str:
        width, height = self.image.sent_size
        return f"VideoFrame({self.label}, {width}x{height})"


@dataclass(frozen=True, repr=False)
class PreparedVideo:
    """A video as the frames sent for it, with what was read and decoded.

    Attributes:
        frames: The sampled frames, in time order.
        duration: The video's declared duration in seconds.
        source_format: ``"MP4"``, ``"MKV"`` or ``"AVI"`` (the container).
        original_size: ``(width, height)`` of the video as displayed.
        source_bytes: Size of the video file.
        stream_frames: Frames the video declares (``None``: not declared).
        decoded_frames: Frames decoded to reach the sampled ones.
    """

    frames: tuple[VideoFrame, ...]
    duration: float
    source_format: str
    original_size: tuple[int, int]
    source_bytes: int
    stream_frames: int | None
    decoded_frames: int

    @property
    def image_tokens(self) -> int:
        """Image tokens all frames cost on the model they were prepared for."""
        return sum(frame.image.image_tokens or 0 for frame in self.frames)

    @property
    def sent_bytes(self) -> int:
        """Encoded bytes of all frames."""
        return sum(frame.image.sent_bytes for frame in self.frames)

    @property
    def times(self) -> list[float]:
        """The frames' times, in seconds."""
        return [frame.time for frame in self.frames]

    def to_content_blocks(self, detail: str | None = None) -> list[dict[str, Any]]:
        """OpenAI chat parts: a ``"t=…s"`` text part before each ``image_url`` part."""
        parts: list[dict[str, Any]] = []
        for frame in self.frames:
            parts.append({"type": "text", "text": frame.label})
            parts.append(frame.image.to_content_block(detail))
        return parts

    def to_message_blocks(self, detail: str | None = None) -> list[dict[str, Any]]:
        """LangChain blocks (label, then the frame marked prepared), for any model."""
        parts: list[dict[str, Any]] = []
        for frame in self.frames:
            block = frame.image.to_message_block(detail)
            block["extras"][FRAME_KEY] = PREPARED_TOKEN
            parts.append({"type": "text", "text": frame.label})
            parts.append(block)
        return parts

    def __repr__(self) -> str:
        width, height = self.original_size
        return (
            f"PreparedVideo({len(self.frames)} frames, {self.image_tokens:,} image"
            f" tokens; from {self.source_format} {width}x{height},"
            f" {self.duration:.1f} s, {self.decoded_frames} frames decoded)"
        )


def read_video(source: VideoSource, policy: ImagePolicy) -> RawImage:
    """Read a video source under the policy's path and URL rules, and its byte cap.

    Example:
        >>> read_video(b"abc", ImagePolicy()).data
        b'abc'
    """
    limit = policy.video.max_video_bytes
    capped = policy.model_copy(update={"max_source_bytes": limit})
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            return read_bytes(source, capped)
        if isinstance(source, str):
            return read_string(source, capped)
        if isinstance(source, os.PathLike):
            return read_path(os.fsdecode(os.fspath(source)), capped)
        if isinstance(source, Mapping):
            block = parse_video_block(source)
            if block.kind == "base64":
                return RawImage("base64 video", data=decode_base64(block.value, capped))
            return read_string(str(block.value), capped)
        return read_file_object(source, capped)
    except VideoTooLarge:
        raise
    except ImageTooLarge:
        raise VideoTooLarge(
            f"the video is over {limit:,} bytes (VideoPolicy.max_video_bytes);"
            " trim or compress it first"
        ) from None


class _Frames:
    """Turns decoded frames into upright images at the model's size, encoded."""

    def __init__(
        self,
        info: VideoInfo,
        policy: ImagePolicy,
        model: ImageResolution,
        sized: ImageResolution,
        source_bytes: int,
    ) -> None:
        self.info, self.policy, self.model, self.sized = info, policy, model, sized
        self.source_bytes = source_bytes

    def __call__(self, frame: av.video.frame.VideoFrame) -> PreparedImage:
        rotation = round(float(getattr(frame, "rotation", 0) or 0) / 90) * 90 % 360
        width, height = self.info.width, self.info.height
        if rotation in (90, 270):
            width, height = height, width
        target = (width, height)
        if self.policy.resize:
            target = target_size(width, height, self.sized, upscale=self.policy.upscale)
        stored = target if rotation in (0, 180) else (target[1], target[0])
        image = frame.to_image(width=stored[0], height=stored[1], interpolation="AREA")
        if rotation:
            image = image.transpose(_TRANSPOSE[rotation])
        data, mime_type = encode(image, self.policy)
        return PreparedImage(
            data=data,
            mime_type=mime_type,
            source_format=self.info.format,
            original_size=(width, height),
            sent_size=target,
            source_bytes=self.source_bytes,
            image_tokens=image_prompt_tokens(target[0], target[1], self.model),
        )


def prepare_video(
    source: VideoSource | RawImage,
    *,
    policy: ImagePolicy | None = None,
    resolution: ImageResolution | None = None,
    detail: str | None = None,
    max_frames: int | None = None,
) -> PreparedVideo:
    """Sample a video into frames for a vision model (the ``[video]`` extra).

    Frames follow Qwen2.5-VL's rule (``VideoPolicy``: 2 a second, 4 to 768,
    an even count), are sized to the model's ``resolution`` and their share
    of ``VideoPolicy.max_video_tokens``; ``detail="low"`` and
    ``ImagePolicy.max_image_tokens`` cap each frame, ``max_frames`` the
    count. Only the sampled frames are decoded (seeking to keyframes).

    Raises:
        MissingDependencyError: PyAV is not installed.
        VideoTooLarge: Over a byte, duration, frame or decode limit.
        UnsupportedVideoFormat: Not MP4/MOV, MKV/WebM or AVI (an image, say).
        InvalidVideoData: Corrupt, truncated, or without a video stream.
        ImageSourceNotAllowed, ImageNotFound, ImageFetchError: as for images.
    """
    policy = policy or ImagePolicy()
    model = resolution or default_resolution(policy.max_side_unknown)
    raw = source if isinstance(source, RawImage) else read_video(source, policy)
    data = raw.data or b""
    fmt = sniff_container(data, raw.name)
    container = open_container(data, fmt, raw.name)
    try:
        stream, info = check_video(container, fmt, raw.name, policy)
        cap = token_budget(detail, policy.max_image_tokens)
        n = frame_count(info.duration, info.frames, policy.video, max_frames)
        n = frames_within_budget(n, policy.video, model, cap)
        reader = FrameReader(container, stream, info, policy, raw.name)
        if policy.video.sampling == "scenes":
            changes = reader.keyframe_changes()
            targets = scene_times(changes, n, policy.video.scene_threshold)
        else:
            targets = sample_times(info.duration, n, info.rate)
            if len(targets) > 1:
                interval = targets[1] - targets[0]
                tolerance = policy.video.snap_to_keyframes * interval
                targets = snap_times(targets, info.keyframes, tolerance)
        sized = frame_resolution(len(targets), policy.video, model, cap)
        convert = _Frames(info, policy, model, sized, len(data))
        found = reader.frames_at(targets, convert)
    finally:
        container.close()
    return PreparedVideo(
        frames=tuple(VideoFrame(seconds, image) for seconds, image in found),
        duration=info.duration,
        source_format=info.format,
        original_size=found[0][1].original_size if found else (info.width, info.height),
        source_bytes=len(data),
        stream_frames=info.frames,
        decoded_frames=reader.decoded,
    )


__all__ = [
    "PreparedVideo",
    "VideoFrame",
    "VideoSource",
    "frame_label",
    "prepare_video",
    "read_video",
]
