"""describe_video: what a video shows, read from sampled frames labelled with times.

The server takes images only, so the video is sampled on the client
(``video.prepare_video``: Qwen2.5-VL's rule, the token budget, keyframes) and
sent as frames, each after its ``t=…s`` label, in one request. The answer's
events are moved onto those labels (``VideoDescription.from_answer``).
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, cast

from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel

from langchain_gravix_vision.errors import ModelOutputError
from langchain_gravix_vision.images import to_thread_cancellable
from langchain_gravix_vision.tools._retry import Attempt, aask, ask
from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.prompts import VIDEO_SYSTEM, video_prompt
from langchain_gravix_vision.tools.schemas import (
    DescribeVideoArgs,
    VideoAnswer,
    VideoDescription,
)
from langchain_gravix_vision.video import PreparedVideo, prepare_video


class DescribeVideoTool(VisionTool[Any, VideoDescription]):
    """Describe a video (summary, timed events, objects, text) or answer a question.

    Needs the ``[video]`` extra (PyAV). The limits are the image policy's
    ``video`` (``VideoPolicy``): bytes, seconds, frames, the token budget.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import DescribeVideoTool

            tool = DescribeVideoTool()
            tool.invoke({"video": "clips/demo.mp4", "question": "When does it rain?"})
    """

    name: str = "describe_video"
    description: str = (
        "Watch a video (MP4/MOV, MKV/WebM or AVI) through frames sampled from it "
        "and describe it: a summary, what happens with start and end times, the "
        "main objects and any visible text; optionally answer a question about "
        "it. For a single image use describe_image."
    )
    args_schema: type[BaseModel] = DescribeVideoArgs
    result_schema = VideoDescription
    answer_schema = VideoAnswer
    system_prompt = VIDEO_SYSTEM
    max_tokens: int = 2048
    source_arg: ClassVar[str] = "video"
    """The argument naming the source (``image`` for the image tools)."""

    def _detail(self, args: DescribeVideoArgs) -> str | None:
        return args.detail or self.detail

    def prepare(self, args: DescribeVideoArgs) -> PreparedVideo:
        """Read and sample the video the arguments name (no model call)."""
        return prepare_video(
            args.video,
            policy=self.image_policy,
            resolution=self._resolution(),
            detail=self._detail(args),
            max_frames=args.max_frames,
        )

    def _video_attempt(self, video: PreparedVideo, args: DescribeVideoArgs) -> Attempt:
        """The first call: the prompt, then each frame after its time label."""
        prompt = video_prompt(args.question, len(video.frames), video.duration)
        return self._attempt(
            [
                {"type": "text", "text": prompt},
                *video.to_message_blocks(self._detail(args)),
            ]
        )

    def _video_result(
        self, step: BaseModel | Attempt, video: PreparedVideo
    ) -> VideoDescription:
        if isinstance(step, Attempt):  # next_step raises first; kept for the type
            raise ModelOutputError("The vision model's output was unusable.")
        answer = self._redacted(step)
        described = VideoDescription.from_answer(
            cast(VideoAnswer, answer), video.times, video.duration
        )
        return self._redacted(described)

    def finish_image(self, answer: BaseModel, args: Any, image: Any) -> Any:
        """The model's answer as it came (events are placed by the flow)."""
        return answer

    def _flow(self, args: Any, config: RunnableConfig) -> tuple[str, VideoDescription]:
        video = self.prepare(args)
        step = ask(self._video_attempt(video, args), partial(self._call, config=config))
        result = self._video_result(step, video)
        return result.to_content(), result

    async def _aflow(
        self, args: Any, config: RunnableConfig
    ) -> tuple[str, VideoDescription]:
        video = await to_thread_cancellable(self.prepare, args)
        attempt = self._video_attempt(video, args)
        step = await aask(attempt, partial(self._acall, config=config))
        result = self._video_result(step, video)
        return result.to_content(), result


__all__ = ["DescribeVideoTool"]
