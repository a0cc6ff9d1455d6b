"""VisionTool: the one base the three tools share.

It owns the flow: tool args -> image source -> policy -> preprocessing ->
content block -> model (structured output) -> validated result, with one repair
retry, truncation handling and error mapping to ``ToolException``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Generator
from typing import Any, ClassVar, Literal

import openai
from langchain_core.callbacks import (
    AsyncCallbackManagerForToolRun,
    CallbackManagerForToolRun,
)
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, ToolException
from langchain_core.tools.base import ToolExceptionHandlerOutput
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.v1 import ValidationError as ValidationErrorV1

from langchain_gravix_vision.errors import (
    GravixVisionError,
    IncompleteResponseError,
    ModelOutputError,
    ModelResponseError,
)
from langchain_gravix_vision.images import ImagePolicy, PreparedImage, prepare_image
from langchain_gravix_vision.images.sources import read_source, read_string
from langchain_gravix_vision.profiles import ImageResolution, get_image_resolution
from langchain_gravix_vision.tools.prompts import REPAIR_PROMPT
from langchain_gravix_vision.tools.schemas import ImageArgs

logger = logging.getLogger(__name__)

DEFAULT_VISION_MODEL = "qwen2.5vl:7b"

# Raised by the model call itself when the answer is unusable (openai's parse()
# validates json_schema answers and refuses cut-off ones): the retry policy
# treats them like an unparsable answer. An answer without a finish_reason (the
# server failed mid-answer) is sent again as it was.
_OUTPUT_ERRORS = (
    IncompleteResponseError,
    openai.LengthFinishReasonError,
    ValidationError,
    json.JSONDecodeError,
    OutputParserException,
)


def _validation_message(error: ValidationError | ValidationErrorV1) -> str:
    """Tell the calling LLM which arguments were wrong, briefly."""
    problems = "; ".join(
        str(e.get("msg", "")).removeprefix("Value error, ") for e in error.errors()
    )
    return f"invalid_arguments: {_short(problems, 300)}"


class VisionTool(BaseTool):
    """Base of the vision tools; subclasses set a schema, prompts and a result type.

    Subclasses define ``name``, ``description``, ``args_schema``,
    ``result_schema``, ``system_prompt`` and :meth:`user_prompt` (plus
    :meth:`finish` to post-process a result) and nothing else.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llm: BaseChatModel | None = None
    """Vision model; defaults to ``ChatGravixVision(model="qwen2.5vl:7b")``."""

    image_policy: ImagePolicy = Field(default_factory=ImagePolicy)
    """Where images may come from and how they are prepared."""

    temperature: float | None = None
    """Sampling temperature for this tool's calls (``None``: the model's own)."""

    max_tokens: int = 1024
    """Output budget; doubled once if the answer is cut off."""

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: (
        bool | str | Callable[[ToolException], ToolExceptionHandlerOutput] | None
    ) = True
    handle_validation_error: (
        bool | str | Callable[[ValidationError | ValidationErrorV1], str] | None
    ) = _validation_message

    result_schema: ClassVar[type[BaseModel]]
    system_prompt: ClassVar[str]

    # ------------------------------------------------------------ subclass API

    def user_prompt(self, **task: Any) -> str:
        """The user prompt for one call, from the task arguments."""
        raise NotImplementedError

    def finish(self, result: BaseModel, **task: Any) -> BaseModel:
        """Post-process a validated result (default: unchanged)."""
        return result

    # ------------------------------------------------------------ the flow

    def _model(self, max_tokens: int) -> BaseChatModel:
        """The vision model with this tool's settings, images already prepared."""
        llm = self.llm
        if llm is None:
            from langchain_gravix_vision.chat_models import ChatGravixVision

            try:
                llm = ChatGravixVision(model=DEFAULT_VISION_MODEL)
            except ValueError as err:
                raise ToolException(str(err)) from None
            self.llm = llm
        update: dict[str, Any] = {}
        fields = type(llm).model_fields
        if "image_policy" in fields:
            update["image_policy"] = None  # this tool already applied its policy
        if "max_tokens" in fields:
            update["max_tokens"] = max_tokens
        if "temperature" in fields and self.temperature is not None:
            update["temperature"] = self.temperature
        return llm.model_copy(update=update) if update else llm

    def _resolution(self) -> ImageResolution:
        llm = self.llm
        model = getattr(llm, "model_name", None) or DEFAULT_VISION_MODEL
        return get_image_resolution(model, getattr(llm, "image_resolution", None))

    def _prepare(self, source: ImageArgs) -> PreparedImage:
        """Read the one image source (a URL field is never read as a path)."""
        policy = self.image_policy
        raw = (
            read_string(source.image_url, policy, allow_path=False)
            if source.image_url
            else read_source(source.image_path or "", policy)
        )
        return prepare_image(raw, policy=policy, resolution=self._resolution())

    def _messages(
        self, image: PreparedImage, task: dict[str, Any]
    ) -> list[BaseMessage]:
        return [
            SystemMessage(self.system_prompt),
            HumanMessage(
                [
                    {"type": "text", "text": self.user_prompt(**task)},
                    image.to_content_block(),
                ]
            ),
        ]

    def _structured(self, max_tokens: int) -> Any:
        return self._model(max_tokens).with_structured_output(
            self.result_schema, include_raw=True
        )

    def _check(
        self, output: dict[str, Any], messages: list[BaseMessage]
    ) -> tuple[BaseModel | None, list[BaseMessage] | None, bool]:
        """Return (result, repair messages, truncated) for one model answer."""
        raw = output.get("raw")
        parsed = output.get("parsed")
        error = output.get("parsing_error")
        if isinstance(parsed, BaseModel) and error is None:
            return parsed, None, False
        finish = getattr(raw, "response_metadata", {}).get("finish_reason")
        if finish == "length" or isinstance(error, openai.LengthFinishReasonError):
            return None, None, True
        if isinstance(error, IncompleteResponseError):
            return None, list(messages), False
        repair: list[BaseMessage] = list(messages)
        if isinstance(raw, AIMessage):
            repair.append(AIMessage(raw.text))
        note = _short(error or "no JSON object in the answer")
        repair.append(HumanMessage(REPAIR_PROMPT.format(error=note)))
        return None, repair, False

    def _attempts(
        self, messages: list[BaseMessage]
    ) -> Generator[tuple[int, list[BaseMessage]], dict[str, Any], tuple[Any, bool]]:
        """The retry policy, free of I/O: yields (token budget, messages) to send.

        One call; then either one retry with a doubled budget (the answer was
        cut off) or one repair retry (the answer did not validate).
        """
        budget = self.max_tokens
        result, repair, truncated = self._check((yield budget, messages), messages)
        if truncated:
            result, _, truncated = self._check((yield budget * 2, messages), messages)
        elif repair is not None:
            output = yield budget, repair
            if isinstance(output.get("parsing_error"), IncompleteResponseError):
                raise output["parsing_error"]  # cut twice: say so, not "invalid"
            result, _, truncated = self._check(output, messages)
        return result, truncated

    def _run_flow(
        self, source: ImageArgs, task: dict[str, Any], config: RunnableConfig
    ) -> tuple[str, BaseModel]:
        attempts = self._attempts(self._messages(self._prepare(source), task))
        budget, messages = next(attempts)
        try:
            while True:
                runnable = self._structured(budget)
                try:
                    output = runnable.invoke(messages, config)
                except Exception as exc:  # sorted by _as_output
                    output = _as_output(exc)
                budget, messages = attempts.send(output)
        except StopIteration as done:
            result, truncated = done.value
            return self._done(result, truncated, task)

    async def _arun_flow(
        self, source: ImageArgs, task: dict[str, Any], config: RunnableConfig
    ) -> tuple[str, BaseModel]:
        image = await asyncio.to_thread(self._prepare, source)
        attempts = self._attempts(self._messages(image, task))
        budget, messages = next(attempts)
        try:
            while True:
                runnable = self._structured(budget)
                try:
                    output = await runnable.ainvoke(messages, config)
                except Exception as exc:  # sorted by _as_output
                    output = _as_output(exc)
                budget, messages = attempts.send(output)
        except StopIteration as done:
            result, truncated = done.value
            return self._done(result, truncated, task)

    def _done(
        self, result: BaseModel | None, truncated: bool, task: dict[str, Any]
    ) -> tuple[str, BaseModel]:
        if result is None:
            reason = (
                "the answer was cut off even with a doubled token budget"
                if truncated
                else "the answer did not match the schema after one repair retry"
            )
            msg = f"The vision model's output was unusable: {reason}."
            raise ModelOutputError(msg)
        final = self.finish(result, **task)
        return final.to_content(), final  # type: ignore[attr-defined]

    def _secrets(self) -> list[str]:
        """Values that must never reach a message: the model's API key."""
        key = getattr(self.llm, "gravix_api_key", None)
        return [key.get_secret_value()] if isinstance(key, SecretStr) else []

    # ------------------------------------------------------------ BaseTool

    def _run(
        self,
        image_path: str | None = None,
        image_url: str | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
        **task: Any,
    ) -> tuple[str, BaseModel]:
        config: RunnableConfig = (
            {"callbacks": run_manager.get_child()} if run_manager else {}
        )
        try:
            return self._run_flow(
                ImageArgs(image_path=image_path, image_url=image_url), task, config
            )
        except ToolException:
            raise
        except Exception as exc:
            raise _tool_exception(exc, self._secrets()) from None

    async def _arun(
        self,
        image_path: str | None = None,
        image_url: str | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **task: Any,
    ) -> tuple[str, BaseModel]:
        config: RunnableConfig = (
            {"callbacks": run_manager.get_child()} if run_manager else {}
        )
        try:
            return await self._arun_flow(
                ImageArgs(image_path=image_path, image_url=image_url), task, config
            )
        except ToolException:
            raise
        except Exception as exc:
            raise _tool_exception(exc, self._secrets()) from None


def _short(error: object, limit: int = 300) -> str:
    text = str(error)
    return text if len(text) <= limit else text[:limit] + "..."


def _as_output(exc: Exception) -> dict[str, Any]:
    """Sort an exception from the model call: retryable output, or raised."""
    if isinstance(exc, _OUTPUT_ERRORS):
        return {"raw": None, "parsed": None, "parsing_error": exc}
    if isinstance(exc, (openai.OpenAIError, GravixVisionError)):
        raise exc
    # langchain-openai fails with ValueError/KeyError/AttributeError on a 200
    # answer that is not a chat completion (an HTML page, another JSON shape).
    msg = (
        "the vision API returned a malformed response "
        f"({type(exc).__name__}); check base_url, or retry later"
    )
    raise ModelResponseError(msg) from exc


_SECRET_SHAPES = re.compile(r"(?i)\bbearer\s+\S+|\bsk-[A-Za-z0-9_\-]{6,}")


def _redact(text: str, secrets: list[str]) -> str:
    """Remove the API key and anything shaped like a key or bearer token."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    return _SECRET_SHAPES.sub("[REDACTED]", text)


def _tool_exception(exc: Exception, secrets: list[str]) -> ToolException:
    """A short, path-free, secret-free ``ToolException`` for any failure."""
    message = _tool_message(exc)
    if message is None:
        logger.error("vision tool: unexpected %s", type(exc).__name__, exc_info=exc)
        message = (
            f"internal_error: unexpected {type(exc).__name__} in the vision tool; "
            "try another image or report the problem."
        )
    message = _redact(message, secrets)
    logger.info("vision tool failed: %s", message)
    return ToolException(message)


def _tool_message(exc: BaseException) -> str | None:
    if isinstance(exc, GravixVisionError):
        return f"{exc.code}: {exc}"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited: the vision API is rate limited; wait and retry."
    if isinstance(exc, openai.AuthenticationError):
        return "model_error: the vision API rejected the API key (HTTP 401)."
    if isinstance(exc, openai.APIStatusError):
        return (
            f"model_error: the vision API answered HTTP {exc.status_code}: "
            f"{_short(_api_message(exc), 200)}"
        )
    if isinstance(exc, openai.APITimeoutError):
        return "model_error: the vision API timed out; retry later."
    if isinstance(exc, openai.APIConnectionError):
        return "model_error: could not reach the vision API; retry later."
    if isinstance(exc, ValidationError):
        return f"invalid_model_output: {_short(exc, 200)}"
    return None


def _api_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("message") or inner)
        return str(inner)
    return str(exc.message)
