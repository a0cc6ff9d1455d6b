"""PyAV: open a video under the policy, check what it declares, decode sampled frames.

Nothing reaches FFmpeg before the bytes are sniffed as one of three containers
(ISO BMFF: MP4/MOV/M4V; Matroska/WebM; AVI), and the demuxer is forced to
that one: no playlist, concat or image demuxer ever reads the bytes, so a
video cannot make FFmpeg open another file or URL. The declared duration,
frame count and frame size are checked before any frame is decoded. Each
sampled time is reached by seeking to the keyframe before it and decoding
forward (or by decoding on, when that is no further); every decoded frame
counts against ``max_decoded_frames`` and the ``decode_timeout`` deadline.
"""

from __future__ import annotations

import bisect
import io
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import (
    InvalidVideoData,
    MissingDependencyError,
    UnsupportedVideoFormat,
    VideoTooLarge,
)
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.images._raw import sniff_mime_type

if TYPE_CHECKING:
    import av.container
    import av.video.frame
    import av.video.stream

T = TypeVar("T")
CONTAINERS = {"mov": "MP4", "matroska": "MKV", "avi": "AVI"}
"""FFmpeg demuxers a video may be read with, and how each is named to people."""
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"})
"""File types a folder is searched for videos (``gravix-vision video``)."""
_IMAGE_BRANDS = frozenset({b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"})
_FORWARD_FRAMES = 30
"""Without a keyframe index, decode on (not seek) to a time this many frames ahead."""


def require_av() -> Any:
    """The ``av`` module (PyAV), or ``MissingDependencyError`` naming the extra."""
    try:
        import av  # the [video] extra (PyAV, FFmpeg inside its wheels)
    except ImportError:
        raise MissingDependencyError(
            "videos need PyAV; install the extra: pip install"
            " 'langchain-gravix-vision[video]'"
        ) from None
    return av


def sniff_container(data: bytes, name: str) -> str:
    r"""The FFmpeg demuxer for ``data`` (a key of ``CONTAINERS``), else a typed error.

    Example:
        >>> sniff_container(b"\x00\x00\x00\x18ftypisom", "clip")
        'mov'
        >>> sniff_container(b"GIF89a" + bytes(10), "clip.gif")
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.UnsupportedVideoFormat: clip.gif is an image (image/gif), not a video; send it as an image, or convert an animation to MP4
    """  # noqa: E501
    head = bytes(data[:16])
    if head[4:8] == b"ftyp" and head[8:12] not in _IMAGE_BRANDS:
        return "mov"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    mime = sniff_mime_type(head)
    if mime.startswith("image/"):
        raise UnsupportedVideoFormat(
            f"{name} is an image ({mime}), not a video; send it as an image, or"
            " convert an animation to MP4"
        )
    raise UnsupportedVideoFormat(
        f"{name} is not a video this package reads; send MP4/MOV, MKV/WebM or AVI"
    )


@dataclass
class VideoInfo:
    """What a video's container declares, checked against the policy."""

    format: str
    width: int
    height: int
    duration: float
    rate: float | None
    frames: int | None
    keyframes: list[float] = field(default_factory=list)


def _duration(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    rate = stream.average_rate or stream.guessed_rate
    if stream.frames and rate:
        return float(stream.frames / rate)
    return None


def _keyframes(stream: av.video.stream.VideoStream, limit: int) -> list[float]:
    """Keyframe times from the container's index (empty when it has none)."""
    entries = stream.index_entries
    if not entries or not stream.time_base or len(entries) > limit:
        return []
    first = entries[0].timestamp
    base = stream.time_base
    return sorted(float((e.timestamp - first) * base) for e in entries if e.is_keyframe)


def check_video(
    container: av.container.InputContainer, fmt: str, name: str, policy: ImagePolicy
) -> tuple[av.video.stream.VideoStream, VideoInfo]:
    """The video stream and what it declares; refuses what the policy does not allow."""
    limits = policy.video
    if not container.streams.video:
        raise InvalidVideoData(f"{name} holds no video stream")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise InvalidVideoData(f"{name} declares no frame size; re-encode it")
    if width * height > policy.max_source_pixels:
        raise VideoTooLarge(
            f"{name} declares {width}x{height} frames; the limit is"
            f" {policy.max_source_pixels:,} pixels (ImagePolicy.max_source_pixels)."
            " Downscale the video first."
        )
    frames = stream.frames or None
    if frames is not None and frames > limits.max_stream_frames:
        raise VideoTooLarge(
            f"{name} declares {frames:,} frames; the limit is"
            f" {limits.max_stream_frames:,} (VideoPolicy.max_stream_frames)."
        )
    duration = _duration(container, stream)
    if duration is None or duration <= 0:
        raise InvalidVideoData(f"{name} declares no duration; re-encode it as MP4")
    if duration > limits.max_seconds:
        raise VideoTooLarge(
            f"{name} is {duration:,.0f} s long; the limit is"
            f" {limits.max_seconds:,.0f} s (VideoPolicy.max_seconds). Trim it first."
        )
    rate = stream.average_rate or stream.guessed_rate
    sar = stream.sample_aspect_ratio
    if sar and sar > 0 and sar != 1:  # anamorphic: shown wider or narrower
        width = max(1, min(width * 4, round(width * sar)))
    info = VideoInfo(
        format=CONTAINERS[fmt],
        width=width,
        height=height,
        duration=duration,
        rate=float(rate) if rate else None,
        frames=frames,
        keyframes=_keyframes(stream, limits.max_stream_frames),
    )
    return stream, info


def open_container(data: bytes, fmt: str, name: str) -> av.container.InputContainer:
    """Open ``data`` with the one demuxer ``fmt`` (corrupt data: a typed error)."""
    av = require_av()
    try:
        return av.open(io.BytesIO(data), mode="r", format=fmt)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise InvalidVideoData(
            f"{name} could not be opened as {CONTAINERS[fmt]} ({short(exc, 80)})"
        ) from None


class FrameReader:
    """Decodes the frames nearest to given times, seeking as little as it can."""

    def __init__(
        self,
        container: av.container.InputContainer,
        stream: av.video.stream.VideoStream,
        info: VideoInfo,
        policy: ImagePolicy,
        name: str,
    ) -> None:
        self.container, self.stream, self.info = container, stream, info
        self.name = name
        self.limits = policy.video
        self.decoded = 0
        self.deadline = time.monotonic() + self.limits.decode_timeout
        self._base = stream.time_base or Fraction(1, 1000)
        self._start = stream.start_time or 0
        self._frames: Iterator[av.video.frame.VideoFrame] | None = None
        self._last: float | None = None
        stream.thread_type = "AUTO"

    def _seconds(self, frame: av.video.frame.VideoFrame) -> float | None:
        if frame.pts is None:
            return None
        return float((frame.pts - self._start) * self._base)

    def _continues(self, target: float) -> bool:
        """Whether decoding on from the last frame is no more work than a seek."""
        if self._frames is None or self._last is None or target < self._last:
            return False
        keys = self.info.keyframes
        if keys:
            before = keys[max(0, bisect.bisect_right(keys, target + 1e-6) - 1)]
            return before <= self._last + 1e-6
        rate = self.info.rate or 30.0
        return (target - self._last) * rate <= _FORWARD_FRAMES

    def _seek(self, target: float) -> None:
        offset = self._start + int(target / self._base)
        try:
            self.container.seek(offset, stream=self.stream, backward=True)
        except Exception as exc:
            raise InvalidVideoData(
                f"{self.name} cannot be seeked ({short(exc, 80)}); re-encode it"
            ) from None
        self._frames = self.container.decode(self.stream)

    @contextmanager
    def _decoding(self) -> Iterator[None]:
        """Turn a decoder failure into ``InvalidVideoData`` (typed errors pass)."""
        try:
            yield
        except (VideoTooLarge, InvalidVideoData):
            raise
        except Exception as exc:
            raise InvalidVideoData(
                f"{self.name} is corrupt ({short(exc, 80)}); re-encode it"
            ) from None

    def _count(self) -> None:
        self.decoded += 1
        if self.decoded > self.limits.max_decoded_frames:
            raise VideoTooLarge(
                f"{self.name} needs more than {self.limits.max_decoded_frames:,}"
                " frames decoded to reach the sampled times (too few keyframes;"
                " VideoPolicy.max_decoded_frames). Re-encode it, or sample fewer"
                " frames."
            )
        if time.monotonic() > self.deadline:
            raise VideoTooLarge(
                f"{self.name} took over {self.limits.decode_timeout:g} s to sample"
                " (VideoPolicy.decode_timeout)"
            )

    def frame_at(self, target: float) -> tuple[float, av.video.frame.VideoFrame]:
        """The first frame at or after ``target`` (the last one at the end)."""
        if not self._continues(target):
            self._seek(target)
        frames = self._frames
        assert frames is not None
        half = 0.5 / (self.info.rate or 30.0)
        last: tuple[float, av.video.frame.VideoFrame] | None = None
        with self._decoding():
            for frame in frames:
                self._count()
                seconds = self._seconds(frame)
                if seconds is None:
                    continue
                last = (seconds, frame)
                if seconds >= target - half:
                    break
            else:
                self._frames = None  # at the end: the next target seeks
        if last is None:
            raise InvalidVideoData(
                f"{self.name} has no decodable frame near {target:.1f} s"
            )
        self._last = last[0]
        return last

    def keyframe_changes(self) -> list[tuple[float, float]]:
        """``(time, change)`` of every keyframe, decoding keyframes only.

        ``change`` is the mean absolute difference (0 to 255) of a 32 x 18
        grey thumbnail from the previous keyframe's (the first: 255).
        Encoders put keyframes at cuts, so large changes mark new scenes.
        """
        import numpy as np  # PyAV's own dependency, with the [video] extra

        self._seek(0.0)
        context = self.stream.codec_context
        context.skip_frame = "NONKEY"
        changes: list[tuple[float, float]] = []
        previous = None
        try:
            with self._decoding():
                for frame in self._frames or ():
                    self._count()
                    seconds = self._seconds(frame)
                    if seconds is None:
                        continue
                    grey = frame.to_ndarray(width=32, height=18, format="gray")
                    small = grey.astype(np.int16)
                    change = (
                        255.0
                        if previous is None
                        else float(np.abs(small - previous).mean())
                    )
                    changes.append((seconds, change))
                    previous = small
        finally:
            context.skip_frame = "DEFAULT"
            self._frames = None  # the next frame_at seeks
        return changes

    def frames_at(
        self,
        targets: Sequence[float],
        convert: Callable[[av.video.frame.VideoFrame], T],
    ) -> list[tuple[float, T]]:
        """One converted frame per target (in time order), a frame never twice.

        Each frame is converted as soon as it is decoded, so no decoded
        full-size frame is kept.
        """
        found: list[tuple[float, T]] = []
        for target in sorted(targets):
            seconds, frame = self.frame_at(target)
            if not found or seconds > found[-1][0]:
                found.append((seconds, convert(frame)))
        return found


__all__ = [
    "CONTAINERS",
    "VIDEO_SUFFIXES",
    "FrameReader",
    "VideoInfo",
    "check_video",
    "open_container",
    "require_av",
    "sniff_container",
]
