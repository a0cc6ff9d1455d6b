"""Which frames of a video to send, and at what size: the sampling maths (no decoding).

Qwen2.5-VL's rule (qwen-vl-utils ``vision_process.py``, ``smart_nframes`` and
``fetch_video``): ``fps`` frames a second, clamped to ``[min_frames,
max_frames]`` and to the frames the video has, rounded down to an even count,
spread evenly from the first frame to the last; each frame within
``frame_max_pixels`` and the total budget shared out. Here the budget is in
image tokens (markers included), since each frame is sent as its own image.

Example:
    >>> from langchain_gravix_vision.images import VideoPolicy
    >>> frame_count(60.0, 1800, VideoPolicy())
    120
    >>> sample_times(10.0, 4, 30.0)
    [0.0, 3.3333333333333335, 6.633333333333334, 9.966666666666667]
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

from langchain_gravix_vision.images import VideoPolicy
from langchain_gravix_vision.resolution import (
    IMAGE_MARKER_TOKENS,
    ImageResolution,
    image_prompt_tokens,
)

FRAME_FACTOR = 2
"""Qwen samples an even number of frames (its temporal patch is 2 frames)."""


def _even(n: int) -> int:
    return n - n % FRAME_FACTOR if n >= FRAME_FACTOR else max(1, n)


def frame_count(
    duration: float,
    stream_frames: int | None,
    policy: VideoPolicy,
    max_frames: int | None = None,
) -> int:
    """How many frames Qwen's rule samples from ``duration`` seconds.

    ``stream_frames`` (what the video holds, if known) caps the count;
    ``max_frames`` (a caller's own cap) applies on top of the policy's.

    Example:
        >>> p = VideoPolicy()
        >>> frame_count(1.0, 30, p), frame_count(1000.0, None, p), frame_count(
        ...     60.0, 1800, p, max_frames=9)
        (4, 768, 8)
    """
    top = min(policy.max_frames, max_frames or policy.max_frames)
    wanted = max(duration * policy.fps, policy.min_frames)
    n = min(wanted, top)
    if stream_frames:
        n = min(n, stream_frames)
    return _even(int(n))


def sample_times(duration: float, n: int, rate: float | None) -> list[float]:
    """``n`` times spread from the first frame to the last (Qwen's ``linspace``).

    With a frame ``rate`` the times are those of whole frames (Qwen rounds
    frame indices); without, the span is ``[0, duration)``.

    Example:
        >>> sample_times(2.0, 2, None)
        [0.0, 1.0]
    """
    if rate and rate > 0:
        last = max(0, math.ceil(duration * rate - 1e-6) - 1)
        if n == 1:
            return [0.0]
        return [round(i * last / (n - 1)) / rate for i in range(n)]
    if n == 1:
        return [0.0]
    return [i * duration / n for i in range(n)]


def snap_times(
    targets: Sequence[float], keyframes: Sequence[float], tolerance: float
) -> list[float]:
    """Each target moved to the nearest keyframe within ``tolerance`` s, if any.

    A keyframe decodes alone; any other frame needs the frames from the
    keyframe before it. Two targets never take the same keyframe.

    Example:
        >>> snap_times([0.0, 1.0, 2.0], [0.0, 0.9, 3.0], 0.25)
        [0.0, 0.9, 2.0]
    """
    if tolerance <= 0 or not keyframes:
        return list(targets)
    chosen: list[float] = []
    used: set[float] = set()
    for target in targets:
        i = bisect.bisect_left(keyframes, target)
        near = [k for k in keyframes[max(0, i - 1) : i + 1] if k not in used]
        best = min(near, key=lambda k: abs(k - target), default=None)
        if best is not None and abs(best - target) <= tolerance:
            used.add(best)
            chosen.append(best)
        else:
            chosen.append(target)
    return chosen


def scene_times(
    changes: Sequence[tuple[float, float]], n: int, threshold: float
) -> list[float]:
    """The times of at most ``n`` keyframes that start a scene, in time order.

    ``changes`` are ``(time, change)`` per keyframe; a change of at least
    ``threshold`` starts a scene (the first keyframe always does). With more
    scenes than ``n``, the largest changes are kept.

    Example:
        >>> scene_times([(0.0, 255.0), (2.0, 3.0), (4.0, 80.0), (6.0, 40.0)], 2, 20)
        [0.0, 4.0]
    """
    starts = [(t, c) for i, (t, c) in enumerate(changes) if i == 0 or c >= threshold]
    kept = sorted(starts, key=lambda tc: -tc[1])[: max(1, n)]
    return sorted(t for t, _ in kept)


def frames_within_budget(
    n: int, policy: VideoPolicy, resolution: ImageResolution, frame_cap: int | None
) -> int:
    """``n`` lowered until every frame, at its smallest, fits the total budget.

    ``frame_cap``: image tokens one frame may cost without its markers
    (``detail="low"``, ``ImagePolicy.max_image_tokens``), as for images.

    Example:
        >>> from langchain_gravix_vision.resolution import QWEN25VL_RESOLUTION
        >>> frames_within_budget(768, VideoPolicy(), QWEN25VL_RESOLUTION, None)
        188
    """
    smallest = _smallest_frame_tokens(policy, resolution, frame_cap)
    return _even(min(n, max(1, policy.max_video_tokens // smallest)))


def _smallest_frame_tokens(
    policy: VideoPolicy, resolution: ImageResolution, frame_cap: int | None
) -> int:
    if resolution.get("strategy") != "grid":
        return image_prompt_tokens(1, 1, resolution)
    factor = resolution.get("factor", 28)
    cells = policy.frame_min_pixels // (factor * factor)
    if frame_cap is not None:
        cells = min(cells, frame_cap)
    return cells + IMAGE_MARKER_TOKENS


def frame_resolution(
    n: int, policy: VideoPolicy, resolution: ImageResolution, frame_cap: int | None
) -> ImageResolution:
    """The model's resolution with each of ``n`` frames' share of the budget.

    ``"grid"`` models: ``max_pixels`` lowered to the smallest of the model's,
    ``frame_max_pixels``, ``frame_cap`` tokens and the total budget split
    ``n`` ways. ``"fit"`` models cost the same whatever the size: frames fit
    within the model's side and ``frame_max_pixels``.

    Example:
        >>> from langchain_gravix_vision.resolution import QWEN25VL_RESOLUTION
        >>> frame_resolution(120, VideoPolicy(), QWEN25VL_RESOLUTION, None)[
        ...     "max_pixels"]
        158368
    """
    if resolution.get("strategy") != "grid":
        side = min(
            resolution.get("max_side", 1536), math.isqrt(policy.frame_max_pixels)
        )
        return {**resolution, "max_side": side}
    factor = resolution.get("factor", 28)
    cells = policy.max_video_tokens // max(1, n) - IMAGE_MARKER_TOKENS
    if frame_cap is not None:
        cells = min(cells, frame_cap)
    pixels = min(
        resolution.get("max_pixels", 2 << 20),
        policy.frame_max_pixels,
        max(1, cells) * factor * factor,
    )
    return {**resolution, "max_pixels": max(factor * factor, pixels)}


__all__ = [
    "FRAME_FACTOR",
    "frame_count",
    "frame_resolution",
    "frames_within_budget",
    "sample_times",
    "scene_times",
    "snap_times",
]
