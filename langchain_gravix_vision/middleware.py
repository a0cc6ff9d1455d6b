"""GravixImageModerationMiddleware: no flagged image reaches the agent's model.

A LangChain agent middleware (``langchain.agents.middleware.AgentMiddleware``,
the ``[agents]`` extra) shaped like langchain-openai's
``OpenAIModerationMiddleware``, for images: before every model call it screens
each image (and each PDF ``file`` block, page by page) in the user messages
and the tool results with ``moderate_image``. A flagged image never reaches
the agent's model: the run ends with a message (``exit_behavior="end"``), the
image is swapped for a short text (``"replace"``), or
:class:`ImageModerationError` is raised (``"error"``). The flagged image is
removed from the state in every case except ``"error"``, so a resumed thread
does not send it later either.

When the moderation call itself fails, the middleware fails closed by default
(``fail_closed=True``): the image is handled as flagged, under the category
``moderation_unavailable``, and ``"error"`` raises
:class:`ImageModerationUnavailable`. ``fail_closed=False`` lets it through.

Example:
    .. code-block:: python

        from langchain.agents import create_agent
        from langchain_gravix_vision.middleware import GravixImageModerationMiddleware

        agent = create_agent(
            "openai:gpt-5", tools=[],
            middleware=[GravixImageModerationMiddleware(exit_behavior="replace")],
        )
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain.agents.middleware.types import AgentMiddleware, AgentState, hook_config
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import ToolException
from langgraph.runtime import Runtime

from langchain_gravix_vision.errors import GravixVisionError
from langchain_gravix_vision.images._blocks import is_file_block, is_image_block
from langchain_gravix_vision.tools.moderate import ModerateImageTool
from langchain_gravix_vision.tools.schemas import ImageModeration, Taxonomy

logger = logging.getLogger(__name__)

Stage = Literal["input", "tool"]
UNAVAILABLE = "moderation_unavailable"
DEFAULT_VIOLATION_TEMPLATE = (
    "I'm sorry, but I can't look at that image. It was flagged for {categories}."
)
DEFAULT_REPLACEMENT = "[image removed by moderation: flagged for {categories}]"
MAX_REMEMBERED = 4096
"""Most verdicts kept (by image content), so a long run re-screens nothing."""


class ImageModerationError(GravixVisionError, RuntimeError):
    """An image was flagged and ``exit_behavior`` is ``"error"``.

    ``stage`` says where (``"input"``: a user message, ``"tool"``: a tool
    result); ``results`` holds each flagged image's ``ImageModeration``.
    """

    code = "image_flagged"

    def __init__(self, message: str, *, stage: Stage, results: list[Any]) -> None:
        super().__init__(message)
        self.stage = stage
        self.results = results


class ImageModerationUnavailable(ImageModerationError):
    """Moderation itself failed and the middleware fails closed.

    ``reason`` is the tool's short, coded, path- and secret-free message.
    """

    code = UNAVAILABLE

    def __init__(self, message: str, *, stage: Stage, reason: str) -> None:
        super().__init__(message, stage=stage, results=[])
        self.reason = reason


@dataclass(frozen=True)
class _Slot:
    """One image block in the state: which message, which block, where from."""

    message: int
    block: int
    stage: Stage
    key: str


def _key(block: Any) -> str:
    text = json.dumps(block, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class GravixImageModerationMiddleware(AgentMiddleware[AgentState[Any], Any]):
    """Screen every image with ``moderate_image`` before the agent's model sees it."""

    def __init__(
        self,
        *,
        tool: ModerateImageTool | None = None,
        llm: BaseChatModel | None = None,
        taxonomy: Taxonomy | None = None,
        thresholds: dict[str, float] | None = None,
        categories: list[str] | None = None,
        check_input: bool = True,
        check_tool_results: bool = True,
        exit_behavior: Literal["error", "end", "replace"] = "end",
        violation_message: str | None = None,
        replacement_text: str = DEFAULT_REPLACEMENT,
        fail_closed: bool = True,
    ) -> None:
        """Create the middleware.

        Args:
            tool: The moderation tool to use; else one is built from ``llm``,
                ``taxonomy`` and ``thresholds``.
            llm: The vision model that moderates (default: from the environment).
            taxonomy: The categories (default: OpenAI's image categories).
            thresholds: Per-category thresholds, by name.
            categories: Only these categories of the taxonomy.
            check_input: Screen images in user messages.
            check_tool_results: Screen images in tool results.
            exit_behavior: ``"end"`` the run with ``violation_message``,
                ``"replace"`` the image with ``replacement_text``, or raise
                (``"error"``).
            violation_message: Template of the end message; ``{categories}``
                is replaced by the flagged categories.
            replacement_text: What a flagged image becomes (``{categories}``).
            fail_closed: When moderation fails, treat the image as flagged.
        """
        super().__init__()
        if tool is None:
            settings: dict[str, Any] = {"llm": llm, "thresholds": thresholds or {}}
            if taxonomy is not None:
                settings["taxonomy"] = taxonomy
            tool = ModerateImageTool(**settings)
        self.tool = tool
        self.categories = categories
        self.check_input = check_input
        self.check_tool_results = check_tool_results
        self.exit_behavior = exit_behavior
        self.violation_message = violation_message or DEFAULT_VIOLATION_TEMPLATE
        self.replacement_text = replacement_text
        self.fail_closed = fail_closed
        self._verdicts: dict[str, ImageModeration] = {}

    # ------------------------------------------------------------ hooks

    @hook_config(can_jump_to=["end"])
    def before_model(
        self, state: AgentState[Any], runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        """Screen the images before the model is called."""
        messages = list(state.get("messages", []))
        slots = self._slots(messages)
        known = self._known(slots)
        failures: dict[str, str] = {}
        for slot in slots:
            if slot.key not in known and slot.key not in failures:
                block = messages[slot.message].content[slot.block]
                try:
                    verdict = self.tool.moderate_block(
                        block, categories=self.categories
                    )
                except ToolException as exc:
                    failures[slot.key] = str(exc)
                else:
                    known[slot.key] = self._remember(slot.key, verdict)
        return self._decide(messages, slots, known, failures)

    def _known(self, slots: list[_Slot]) -> dict[str, ImageModeration]:
        """The verdicts already made on these images (by content)."""
        return {s.key: self._verdicts[s.key] for s in slots if s.key in self._verdicts}

    def _remember(self, key: str, verdict: ImageModeration) -> ImageModeration:
        if len(self._verdicts) >= MAX_REMEMBERED:
            self._verdicts.clear()
        self._verdicts[key] = verdict
        return verdict

    @hook_config(can_jump_to=["end"])
    async def abefore_model(
        self, state: AgentState[Any], runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        """Async :meth:`before_model`: the images are screened concurrently."""
        messages = list(state.get("messages", []))
        slots = self._slots(messages)
        known = self._known(slots)
        todo = {s.key: s for s in slots if s.key not in known}
        answers = await asyncio.gather(
            *(
                self.tool.amoderate_block(
                    messages[s.message].content[s.block], categories=self.categories
                )
                for s in todo.values()
            ),
            return_exceptions=True,
        )
        failures: dict[str, str] = {}
        for key, answer in zip(todo, answers, strict=True):
            if isinstance(answer, ImageModeration):
                known[key] = self._remember(key, answer)
            elif isinstance(answer, ToolException):
                failures[key] = str(answer)
            else:
                raise answer  # cancellation and the like are not verdicts
        return self._decide(messages, slots, known, failures)

    # ------------------------------------------------------------ decisions

    def _slots(self, messages: Sequence[BaseMessage]) -> list[_Slot]:
        """Every image block the model would be sent, in order."""
        slots = []
        for index, message in enumerate(messages):
            if isinstance(message, HumanMessage) and self.check_input:
                stage: Stage = "input"
            elif isinstance(message, ToolMessage) and self.check_tool_results:
                stage = "tool"
            else:
                continue
            if isinstance(message.content, str):
                continue
            for number, block in enumerate(message.content):
                if is_image_block(block) or is_file_block(block):
                    slots.append(_Slot(index, number, stage, _key(block)))
        return slots

    def _decide(
        self,
        messages: list[BaseMessage],
        slots: list[_Slot],
        verdicts: dict[str, ImageModeration],
        failures: dict[str, str],
    ) -> dict[str, Any] | None:
        """What happens to the flagged images (``None``: every image passed)."""
        labels: dict[_Slot, list[str]] = {}
        for slot in slots:
            if slot.key in failures:
                if self.fail_closed:
                    labels[slot] = [UNAVAILABLE]
                else:
                    logger.warning("image moderation failed; passing the image")
            elif verdicts[slot.key].flagged:
                labels[slot] = verdicts[slot.key].violated
        if not labels:
            return None
        names = sorted({name for found in labels.values() for name in found})
        text = self._format(self.violation_message, names)
        if self.exit_behavior == "error":
            stage = next(iter(labels)).stage
            reasons = [failures[s.key] for s in labels if s.key in failures]
            if reasons:
                raise ImageModerationUnavailable(text, stage=stage, reason=reasons[0])
            results = [verdicts[s.key] for s in labels]
            raise ImageModerationError(text, stage=stage, results=results)
        replaced = self._replaced(messages, labels, failures)
        if self.exit_behavior == "end":
            return {"jump_to": "end", "messages": [*replaced, AIMessage(text)]}
        return {"messages": replaced}

    def _replaced(
        self,
        messages: list[BaseMessage],
        labels: dict[_Slot, list[str]],
        failures: dict[str, str],
    ) -> list[BaseMessage]:
        """Copies of the messages with each flagged image swapped for a text."""
        changed: dict[int, list[Any]] = {}
        for slot, names in labels.items():
            content = changed.setdefault(
                slot.message, list(messages[slot.message].content)
            )
            note = self._format(self.replacement_text, names)
            if slot.key in failures:
                note += f" ({failures[slot.key]})"
            content[slot.block] = {"type": "text", "text": note}
        return [
            messages[index].model_copy(update={"content": content})
            for index, content in sorted(changed.items())
        ]

    @staticmethod
    def _format(template: str, names: list[str]) -> str:
        try:
            return template.format(categories=", ".join(names))
        except (KeyError, IndexError, ValueError):
            return template


__all__ = [
    "GravixImageModerationMiddleware",
    "ImageModerationError",
    "ImageModerationUnavailable",
]
