"""compare_images: one question about several images, sent in one request.

Each image goes through the same policy and preparation as the other tools'
one image (a PDF gives its first page); a refused or broken image fails the
call with its own code, naming which item it was (``images[1]``), before
anything is sent. The images share one image-token budget: each is prepared
within its share of ``max_total_image_tokens`` (and within ``detail`` and
``ImagePolicy.max_image_tokens``). In the request each image is preceded by
its label, ``Image 1:``, ``Image 2:``, ..., and the prompt comes last.
"""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel, Field

from langchain_gravix_vision.errors import (
    GravixVisionError,
    ImageTooLarge,
    ModelOutputError,
)
from langchain_gravix_vision.images import (
    ImagePolicy,
    PreparedImage,
    to_thread_cancellable,
)
from langchain_gravix_vision.images._sources import read_string
from langchain_gravix_vision.inputs import prepare_page
from langchain_gravix_vision.resolution import (
    IMAGE_MARKER_TOKENS,
    ImageResolution,
    image_prompt_tokens,
    token_budget,
)
from langchain_gravix_vision.tools._retry import Attempt, aask, ask
from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.prompts import (
    COMPARE_SYSTEM,
    compare_prompt,
    image_label,
)
from langchain_gravix_vision.tools.schemas import (
    CompareImagesArgs,
    ComparisonAnswer,
    ImageComparison,
    ImageNote,
)

DEFAULT_TOTAL_IMAGE_TOKENS = 16384
"""Image tokens one ``compare_images`` request may carry, all images together."""
MIN_IMAGE_SHARE = 64
"""Fewest image tokens an image may be given (64: about 224 x 224 px on Qwen2.5-VL)."""


class CompareImagesTool(VisionTool[CompareImagesArgs, ImageComparison]):
    """Compare 2 to 8 images in one request: an answer, a note each, the differences.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import CompareImagesTool

            tool = CompareImagesTool()
            tool.invoke({"images": ["before.jpg", "after.jpg"],
                         "question": "What changed?"})
    """

    name: str = "compare_images"
    description: str = (
        "Look at 2 to 8 images together and answer one question about them: "
        "what differs, what is the same, which one is best for something. "
        "Returns the answer, a note per image (by number, in the order given) "
        "and the differences. For one image use describe_image."
    )
    args_schema: type[BaseModel] = CompareImagesArgs
    result_schema = ImageComparison
    answer_schema = ComparisonAnswer
    system_prompt = COMPARE_SYSTEM
    call_example = '{"images": ["before.jpg", "after.jpg"]}'

    max_total_image_tokens: int = Field(
        default=DEFAULT_TOTAL_IMAGE_TOKENS, ge=2 * MIN_IMAGE_SHARE
    )
    """Image tokens the request may carry, all images together (markers
    included); each image is shrunk to its share, and a request that cannot
    fit (too many images, or fixed-cost images over the total) is refused."""

    def user_prompt(self, args: CompareImagesArgs) -> str:
        """Prompt from the number of images and ``question``."""
        return compare_prompt(args)

    # ------------------------------------------------------------ preparation

    def _detail(self, args: CompareImagesArgs) -> str | None:
        return args.detail or self.detail

    def _share(self, args: CompareImagesArgs) -> int:
        """Image tokens each image may cost: its share of the total, capped."""
        count = len(args.images)
        policy = self.image_policy
        if count > policy.max_images:
            raise ImageTooLarge(
                f"{count} images; the limit is {policy.max_images}"
                " (ImagePolicy.max_images). Compare fewer images."
            )
        share = self.max_total_image_tokens // count - IMAGE_MARKER_TOKENS
        if share < MIN_IMAGE_SHARE:
            raise ImageTooLarge(
                f"{count} images do not fit in {self.max_total_image_tokens} image"
                f" tokens (max_total_image_tokens): each would get {share}, the"
                f" least is {MIN_IMAGE_SHARE}. Compare fewer images."
            )
        cap = token_budget(self._detail(args), policy.max_image_tokens)
        return share if cap is None else min(share, cap)

    def _prepare_item(
        self,
        index: int,
        source: str,
        policy: ImagePolicy,
        resolution: ImageResolution,
        detail: str | None,
    ) -> PreparedImage:
        """Image ``images[index]`` ready to send; its errors name the item."""
        try:
            raw = read_string(source, policy, allow_path=True)
            return prepare_page(
                raw, policy=policy, resolution=resolution, detail=detail
            )
        except GravixVisionError as exc:
            raise _naming(exc, index) from None

    def _prepare_all(self, args: CompareImagesArgs) -> list[PreparedImage]:
        """Every image, in order, within the request's budget (else refused)."""
        share = self._share(args)
        policy = self.image_policy.model_copy(update={"max_image_tokens": share})
        resolution = self._resolution()
        detail = self._detail(args)
        images = [
            self._prepare_item(index, source, policy, resolution, detail)
            for index, source in enumerate(args.images)
        ]
        total = _tokens(images, resolution)
        if total > self.max_total_image_tokens:  # fixed-cost or unresized images
            raise ImageTooLarge(
                f"the {len(images)} images cost {total} image tokens; the limit is"
                f" {self.max_total_image_tokens} (max_total_image_tokens)."
                " Compare fewer images."
            )
        return images

    def _content(
        self, images: list[PreparedImage], args: CompareImagesArgs
    ) -> list[Any]:
        """Each image after its label, then the prompt."""
        detail = self._detail(args)
        content: list[Any] = []
        for number, image in enumerate(images, 1):
            content.append({"type": "text", "text": image_label(number)})
            content.append(image.to_message_block(detail))
        content.append({"type": "text", "text": self.user_prompt(args)})
        return content

    # ------------------------------------------------------------ the call

    def _compared(
        self,
        step: BaseModel | Attempt,
        args: CompareImagesArgs,
        images: list[PreparedImage],
    ) -> ImageComparison:
        if not isinstance(step, ComparisonAnswer):  # next_step raises first
            raise ModelOutputError("The vision model's output was unusable.")
        given: dict[int, str] = {}
        for note in step.notes:
            given.setdefault(note.image, note.note)
        result = ImageComparison(
            answer=step.answer,
            notes=[
                ImageNote(image=n, note=given.get(n, ""))
                for n in range(1, len(images) + 1)
            ],
            differences=step.differences,
            image_count=len(images),
            image_tokens=_tokens(images, self._resolution()),
        )
        return self._redacted(result)

    def _flow(
        self, args: CompareImagesArgs, config: RunnableConfig
    ) -> tuple[str, ImageComparison]:
        images = self._prepare_all(args)
        first = self._attempt(self._content(images, args))
        step = ask(first, partial(self._call, config=config))
        result = self._compared(step, args, images)
        return result.to_content(), result

    async def _aflow(
        self, args: CompareImagesArgs, config: RunnableConfig
    ) -> tuple[str, ImageComparison]:
        images = await to_thread_cancellable(self._prepare_all, args)
        first = self._attempt(self._content(images, args))
        step = await aask(first, partial(self._acall, config=config))
        result = self._compared(step, args, images)
        return result.to_content(), result


def _tokens(images: list[PreparedImage], resolution: ImageResolution) -> int:
    """The image tokens of ``images`` on ``resolution`` (markers included)."""
    return sum(
        image.image_tokens
        if image.image_tokens is not None
        else image_prompt_tokens(*image.sent_size, resolution)
        for image in images
    )


def _naming(exc: GravixVisionError, index: int) -> GravixVisionError:
    """``exc`` (same class and code) with ``images[index]`` in front of its text."""
    named = copy.copy(exc)
    named.args = (f"images[{index}] (image {index + 1}): {exc}",)
    return named


__all__ = [
    "DEFAULT_TOTAL_IMAGE_TOKENS",
    "MIN_IMAGE_SHARE",
    "CompareImagesTool",
]
