"""moderate_image: whether an image violates a content policy, per category.

The model scores every category of the taxonomy; the tool decides, per
category, against its threshold. Scores are the vision model's own estimate,
not calibrated probabilities: tune ``thresholds`` on your own images.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel, Field, field_validator

from langchain_gravix_vision.errors import GravixVisionError
from langchain_gravix_vision.images import PreparedImage, to_thread_cancellable
from langchain_gravix_vision.images._blocks import (
    is_file_block,
    parse_file_block,
    parse_image_block,
)
from langchain_gravix_vision.images._sources import read_block
from langchain_gravix_vision.inputs import open_pages
from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.prompts import MODERATE_SYSTEM, moderate_prompt
from langchain_gravix_vision.tools.schemas import (
    ImageModeration,
    ModerateImageArgs,
    Taxonomy,
    moderation_answer,
)


class UnknownCategoryError(GravixVisionError, ValueError):
    """A category that the tool's taxonomy does not hold."""

    code = "invalid_arguments"


class ModerateImageTool(VisionTool[ModerateImageArgs, ImageModeration]):
    """Check an image against content policies: a score and a verdict per category.

    The default taxonomy is the image-applicable part of OpenAI's moderation
    categories (``sexual``, ``self-harm``, ``self-harm/intent``,
    ``self-harm/instructions``, ``violence``, ``violence/graphic``), named
    exactly as ``openai.types.Moderation``'s fields, so a result lines up with
    OpenAI's. ``Taxonomy.mlcommons()`` gives Llama Guard 4's S1-S13 hazards;
    ``Taxonomy.custom([...])`` your own policies (a name and a description
    each, as ShieldGemma 2 takes them).

    A category is violated when its score reaches its threshold
    (``thresholds[name]``, else ``default_threshold``). The scores are the
    vision model's own estimate, **not calibrated probabilities**: measure
    thresholds on your own images before relying on them.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import ModerateImageTool

            tool = ModerateImageTool(thresholds={"violence": 0.3})
            verdict = tool.invoke(
                {"args": {"image": "upload.jpg"}, "id": "1",
                 "name": "moderate_image", "type": "tool_call"}
            ).artifact
            verdict.flagged, verdict.violated
    """

    name: str = "moderate_image"
    description: str = (
        "Check one image (or one PDF page) against content policies (sexual, "
        "self-harm, violence, ...): whether it is flagged, which categories it "
        "violates, a 0-1 score per category and a short rationale."
    )
    args_schema: type[BaseModel] = ModerateImageArgs
    result_schema = ImageModeration
    system_prompt = MODERATE_SYSTEM
    temperature: float | None = 0.0

    taxonomy: Taxonomy = Field(default_factory=Taxonomy.openai)
    """The categories checked (default: OpenAI's image categories)."""
    thresholds: dict[str, float] = Field(default_factory=dict)
    """Per-category thresholds (0-1), by category name."""
    default_threshold: float = Field(default=0.5, ge=0, le=1)
    """The threshold of every category not in ``thresholds``."""

    @field_validator("thresholds")
    @classmethod
    def _in_range(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [name for name, v in value.items() if not 0 <= v <= 1]
        if bad:
            raise ValueError(f"thresholds must lie in [0, 1]: {', '.join(bad)}")
        return value

    def model_post_init(self, context: Any, /) -> None:
        """Refuse unknown thresholds; name the categories in the description."""
        super().model_post_init(context)
        unknown = sorted(set(self.thresholds) - set(self.taxonomy.names()))
        if unknown:
            msg = (
                f"thresholds name categories not in the {self.taxonomy.name} "
                f"taxonomy: {', '.join(unknown)}"
            )
            raise ValueError(msg)
        if self.description == type(self).model_fields["description"].default:
            # the calling LLM learns the names it may pass as ``categories``
            self.description += f" Categories: {', '.join(self.taxonomy.names())}."

    @property
    def asked_schema(self) -> type[BaseModel]:
        """One score per category of this tool's taxonomy, and a rationale."""
        return moderation_answer(self.taxonomy)

    def user_prompt(self, args: ModerateImageArgs) -> str:
        """Every category of the taxonomy, with its description."""
        return moderate_prompt(
            [(p.name, p.description) for p in self.taxonomy.policies]
        )

    def _checked(self, names: list[str] | None) -> list[str]:
        every = self.taxonomy.names()
        unknown = [n for n in names or () if n not in every]
        if unknown:
            msg = (
                f"not in the {self.taxonomy.name} taxonomy: "
                f"{', '.join(n[:40] for n in unknown[:5])}; known: {', '.join(every)}"
            )
            raise UnknownCategoryError(msg)
        return [n for n in every if n in names] if names else every

    def _prepare(self, args: ModerateImageArgs) -> PreparedImage:
        self._checked(args.categories)  # before reading anything
        return super()._prepare(args)

    def finish(self, answer: BaseModel, args: ModerateImageArgs) -> ImageModeration:
        """Apply the thresholds to the model's scores."""
        return self.verdict(
            answer.model_dump(by_alias=True)["category_scores"],
            str(getattr(answer, "rationale", "")),
            args.categories,
        )

    def verdict(
        self,
        scores: Mapping[str, float],
        rationale: str = "",
        categories: list[str] | None = None,
    ) -> ImageModeration:
        """The result for ``scores`` under this tool's thresholds."""
        names = self._checked(categories)
        thresholds = {n: self.thresholds.get(n, self.default_threshold) for n in names}
        clipped = {n: min(1.0, max(0.0, float(scores[n]))) for n in names}
        violated = [n for n in names if clipped[n] >= thresholds[n]]
        return ImageModeration(
            flagged=bool(violated),
            categories={n: n in violated for n in names},
            category_scores=clipped,
            violated=violated,
            rationale=rationale,
            taxonomy=self.taxonomy.name,
            thresholds=thresholds,
        )

    # ------------------------------------------------------------ blocks

    def _block_images(self, block: Mapping[str, Any]) -> list[PreparedImage]:
        """The image a content block carries, or each page of a PDF ``file`` block."""
        source = (
            parse_file_block(block)
            if is_file_block(block)
            else parse_image_block(block)
        )
        raw = read_block(source, self.image_policy)
        with open_pages(raw, self.image_policy) as opened:
            count = min(opened.page_count, self.image_policy.max_pages)
        return [
            self._prepare_raw(raw, ModerateImageArgs(image="block", pages=str(n)))
            for n in range(1, count + 1)
        ]

    def _merged(
        self, verdicts: list[ImageModeration], categories: list[str] | None
    ) -> ImageModeration:
        """One verdict for many pages: each category's highest score."""
        if len(verdicts) == 1:
            return verdicts[0]
        names = self._checked(categories)
        scores = {n: max(v.category_scores[n] for v in verdicts) for n in names}
        rationale = " ".join(v.rationale for v in verdicts if v.flagged)[:300]
        return self.verdict(scores, rationale, categories)

    def moderate_block(
        self,
        block: Mapping[str, Any],
        *,
        categories: list[str] | None = None,
        config: RunnableConfig | None = None,
    ) -> ImageModeration:
        """Moderate one content block: an image in any LangChain form, or a PDF.

        A PDF ``file`` block is moderated page by page (up to the policy's
        cap); the verdict takes each category's highest score. Raises
        ``ToolException`` with the tool's short, coded message on failure.
        """
        args = ModerateImageArgs(image="block", categories=categories)
        with self._failures():
            self._checked(categories)
            images = self._block_images(block)
            verdicts = [self._answer(image, args, config or {}) for image in images]
            return self._merged(verdicts, categories)

    async def amoderate_block(
        self,
        block: Mapping[str, Any],
        *,
        categories: list[str] | None = None,
        config: RunnableConfig | None = None,
    ) -> ImageModeration:
        """Async :meth:`moderate_block`."""
        args = ModerateImageArgs(image="block", categories=categories)
        with self._failures():
            self._checked(categories)
            images = await to_thread_cancellable(self._block_images, block)
            verdicts = [await self._aanswer(i, args, config or {}) for i in images]
            return self._merged(verdicts, categories)


__all__ = ["ModerateImageTool", "UnknownCategoryError"]
