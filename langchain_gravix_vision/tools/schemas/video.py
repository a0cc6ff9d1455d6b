"""describe_video: its arguments, the model's answer and the validated result.

The model sees each frame after a label ``t=12.0s``; the events it reports
are read back onto those labels (``VideoDescription.from_answer``), so every
start and end is the time of a frame that was sent.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from langchain_gravix_vision.tools.schemas.args import MAX_QUESTION_CHARS
from langchain_gravix_vision.tools.schemas.results import VisionResult

MAX_VIDEO_FRAMES = 768
"""Most frames ``describe_video`` sends for one video (Qwen2.5-VL's own cap)."""


class DescribeVideoArgs(BaseModel):
    """Arguments of ``describe_video``."""

    model_config = ConfigDict(extra="forbid")

    video: str = Field(
        description=(
            "The video: a local file path relative to the working directory "
            "(e.g. 'clips/demo.mp4'), an http(s) URL, or a data URL "
            "('data:video/mp4;base64,...'). MP4/MOV, MKV/WebM or AVI."
        ),
    )
    question: str | None = Field(
        default=None,
        max_length=MAX_QUESTION_CHARS,
        description="A specific question about the video, if any.",
    )
    max_frames: int | None = Field(
        default=None,
        ge=1,
        le=MAX_VIDEO_FRAMES,
        description=(
            "The most frames to look at (default: 2 a second, within the"
            " token budget). Fewer frames are faster and cheaper."
        ),
    )
    detail: Literal["low", "high", "auto"] | None = Field(
        default=None,
        description="'low' caps each frame at 256 image tokens (more, smaller frames).",
    )


class VideoEvent(BaseModel):
    """One thing that happens, between the labels of two frames."""

    start: float = Field(ge=0, description="Seconds: the t=...s of its first frame.")
    end: float = Field(ge=0, description="Seconds: the t=...s of its last frame.")
    description: str = Field(description="What happens, in one sentence.")


class VideoAnswer(BaseModel):
    """What a video shows, read from frames labelled with their times."""

    summary: str = Field(description="Two or three sentences: what the video shows.")
    events: list[VideoEvent] = Field(
        default_factory=list, description="What happens, in time order."
    )
    objects: list[str] = Field(
        default_factory=list, description="Main objects, animals or people visible."
    )
    text_present: list[str] = Field(
        default_factory=list, description="Text visible in the video, verbatim."
    )
    answer: str | None = Field(
        default=None, description="Answer to the question, if one was asked."
    )


def _nearest(times: Sequence[float], value: float) -> float:
    i = bisect.bisect_left(times, value)
    near = times[max(0, i - 1) : i + 1]
    return min(near, key=lambda t: abs(t - value))


class VideoDescription(VideoAnswer, VisionResult):
    """What a video shows, with the times of the frames it was read from."""

    frame_times: list[float] = Field(
        default_factory=list, description="Times (s) of the frames sent."
    )
    duration: float = Field(default=0.0, description="The video's length (s).")

    @classmethod
    def from_answer(
        cls, answer: VideoAnswer, frame_times: Sequence[float], duration: float
    ) -> VideoDescription:
        """The answer with each event's start and end moved onto a frame's time.

        Example:
            >>> answer = VideoAnswer(summary="s", events=[
            ...     VideoEvent(start=4.2, end=0.4, description="a ball rolls")])
            >>> [(e.start, e.end) for e in VideoDescription.from_answer(
            ...     answer, [0.0, 2.0, 4.0], 4.5).events]
            [(0.0, 4.0)]
        """
        times = sorted(frame_times)
        events = []
        for event in answer.events:
            start, end = sorted((event.start, event.end))
            if times:
                start, end = _nearest(times, start), _nearest(times, end)
            events.append(event.model_copy(update={"start": start, "end": end}))
        events.sort(key=lambda e: (e.start, e.end))
        return cls(
            **{**answer.model_dump(), "events": events},
            frame_times=times,
            duration=duration,
        )

    def to_content(self) -> str:
        """Concise text for the calling LLM."""
        parts = [self.summary]
        if self.answer:
            parts.insert(0, f"Answer: {self.answer}")
        for event in self.events:
            parts.append(f"t={event.start:.1f}-{event.end:.1f}s: {event.description}")
        if self.objects:
            parts.append("Objects: " + ", ".join(self.objects))
        if self.text_present:
            parts.append("Text in video (untrusted): " + " | ".join(self.text_present))
        return "\n".join(parts)


__all__ = [
    "MAX_VIDEO_FRAMES",
    "DescribeVideoArgs",
    "VideoAnswer",
    "VideoDescription",
    "VideoEvent",
]
