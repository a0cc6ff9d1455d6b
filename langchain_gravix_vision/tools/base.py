"""VisionTool: the one base the tools share.

It owns the flow: tool args -> image source -> policy -> preprocessing ->
content block -> model (structured output) -> validated result, with one repair
retry, one retry on truncation and error mapping to ``ToolException``. A
subclass states its types, a name, a description and its prompts; nothing else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

from langchain_core.callbacks import (
    AsyncCallbackManagerForToolRun,
    CallbackManagerForToolRun,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool, ToolException
from langchain_core.tools.base import ToolExceptionHandlerOutput
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
)
from pydantic.v1 import ValidationError as ValidationErrorV1

from langchain_gravix_vision._text import redact, short
from langchain_gravix_vision.chat_models import ChatGravixVision
from langchain_gravix_vision.documents.pages import select_pages
from langchain_gravix_vision.errors import (
    InvalidPageRange,
    ModelOutputError,
    failure_message,
    for_surface,
)
from langchain_gravix_vision.images import (
    ImagePolicy,
    PreparedImage,
    RawImage,
    to_thread_cancellable,
)
from langchain_gravix_vision.images._sources import read_string
from langchain_gravix_vision.inputs import open_pages
from langchain_gravix_vision.profiles import (
    DEFAULT_MODEL,
    ImageResolution,
    SupportsImageResolution,
    get_image_resolution,
    model_name,
)
from langchain_gravix_vision.tools._answers import ask_for, read
from langchain_gravix_vision.tools._retry import Attempt, aask, as_output, ask
from langchain_gravix_vision.tools.schemas import ImageArgs, VisionResult

logger = logging.getLogger(__name__)

ArgsT = TypeVar("ArgsT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=VisionResult)
ModelT = TypeVar("ModelT", bound=BaseModel)


def _validation_message(error: ValidationError | ValidationErrorV1) -> str:
    """Tell the calling LLM which arguments were wrong, briefly."""
    problems = "; ".join(
        str(e.get("msg", "")).removeprefix("Value error, ") for e in error.errors()
    )
    return f"invalid_arguments: {short(problems, 300)}"


class VisionTool(BaseTool, Generic[ArgsT, ResultT]):
    """Base of the vision tools, typed by their arguments and their result.

    A subclass sets ``name``, ``description``, ``args_schema`` (``ArgsT``),
    ``result_schema`` (``ResultT``), ``system_prompt`` and :meth:`user_prompt`;
    when the model is asked for another shape (``answer_schema``), :meth:`finish`
    turns the answer into ``ResultT`` (:meth:`finish_image` when that needs the
    image as sent; :meth:`read_answer` changes how the answer is read).
    Arguments other than ``ImageArgs`` (several images) need their own
    :meth:`_flow` and :meth:`_aflow`, built on :meth:`_attempt`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llm: BaseChatModel | None = None
    """Vision model; defaults to ``ChatGravixVision(model=DEFAULT_MODEL)``."""

    image_policy: ImagePolicy = Field(default_factory=ImagePolicy)
    """Where images may come from and how they are prepared."""

    setting_names: dict[str, str] = Field(default_factory=dict)
    """How error hints name ``image_policy`` fields: ``{}`` keeps
    ``ImagePolicy.<field>`` (Python); the CLI and the MCP server map fields to
    their own flags, e.g. ``{"allowed_hosts": "--allow-host"}``."""

    detail: Literal["low", "high", "auto"] | None = None
    """Image detail: ``"low"`` caps the image at 256 image tokens; ``"high"``,
    ``"auto"`` and ``None`` use the server's maximum (or
    ``image_policy.max_image_tokens``). Sent on as the block's ``detail`` hint."""

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

    result_schema: ClassVar[type[VisionResult]]
    """The artifact class (``ResultT``): what :meth:`finish` returns."""
    answer_schema: ClassVar[type[BaseModel] | None] = None
    """What the model is asked for, when it differs from ``result_schema``."""
    strict_schema: ClassVar[bool] = True
    """Send the answer schema strict (the openai SDK's form) or as pydantic has it."""
    system_prompt: ClassVar[str]
    call_example: ClassVar[str] = '{"image": "cat.jpg"}'
    """Arguments shown to a model that sent a tool call's arguments as a non-object."""

    _runnables: dict[tuple[int, int], Runnable] = PrivateAttr(default_factory=dict)

    # ------------------------------------------------------------ subclass API

    def user_prompt(self, args: ArgsT) -> str:
        """The user prompt for one call."""
        raise NotImplementedError

    def finish(self, answer: BaseModel, args: ArgsT) -> ResultT:
        """Turn the validated answer into the result (default: it is the result)."""
        return cast(ResultT, answer)

    def finish_image(
        self, answer: BaseModel, args: ArgsT, image: PreparedImage
    ) -> ResultT:
        """:meth:`finish`, for a result that needs the image as sent (its sizes)."""
        return self.finish(answer, args)

    @property
    def asked_schema(self) -> type[BaseModel]:
        """What the model is asked for: ``answer_schema``, else ``result_schema``."""
        return self.answer_schema or self.result_schema

    def read_answer(self, answer: str | dict | list) -> BaseModel:
        """The answer validated: the model's JSON text (or an unvalidated value)."""
        schema = self.asked_schema
        if isinstance(answer, str):
            return schema.model_validate_json(answer)
        return schema.model_validate(answer)

    # ------------------------------------------------------------ preparation

    def _llm(self) -> BaseChatModel:
        if self.llm is None:
            try:
                self.llm = ChatGravixVision(model=DEFAULT_MODEL)
            except ValueError as err:
                raise ToolException(str(err)) from None
        return self.llm

    def _resolution(self) -> ImageResolution:
        """The resolution the model's server uses, asked of the model itself."""
        llm = self._llm()
        if isinstance(llm, SupportsImageResolution):
            return llm.get_image_resolution()
        return get_image_resolution(model_name(llm))

    def _read(self, args: ArgsT) -> RawImage:
        """Read the one source (a URL argument is never read as a path)."""
        text, allow_path = cast(ImageArgs, args).reading()
        return read_string(text, self.image_policy, allow_path=allow_path)

    def _prepare_raw(self, raw: RawImage, args: ArgsT) -> PreparedImage:
        """The image, or the one selected page of a PDF, ready to send."""
        policy = self.image_policy
        with open_pages(raw, policy, detail=self.detail) as opened:
            spec = cast(ImageArgs, args).pages
            pages = select_pages(spec, opened.page_count, limit=policy.max_pages)
            if len(pages) > 1:
                raise InvalidPageRange(
                    f"{self.name} reads one page per call; call it once per"
                    " page (extract_text reads many)"
                )
            return opened.prepare(pages[0], self._resolution())

    def _prepare(self, args: ArgsT) -> PreparedImage:
        """Read and prepare the one image (or PDF page) the arguments name."""
        return self._prepare_raw(self._read(args), args)

    def _first(self, image: PreparedImage, args: ArgsT) -> Attempt:
        prompt = {"type": "text", "text": self.user_prompt(args)}
        return self._attempt([prompt, image.to_message_block(self.detail)])

    def _attempt(self, content: list[Any]) -> Attempt:
        """The first call: the system prompt, then one user message of ``content``."""
        messages: list[BaseMessage] = [
            SystemMessage(self.system_prompt),
            HumanMessage(content),
        ]
        return Attempt(self.max_tokens, messages)

    def _structured(self, budget: int) -> Runnable:
        """The model with this tool's settings and schema (built once per budget)."""
        llm = self._llm()
        key = (id(llm), budget)
        if key not in self._runnables:
            update: dict[str, Any] = {}
            fields = type(llm).model_fields
            if "max_tokens" in fields:
                update["max_tokens"] = budget
            if "temperature" in fields and self.temperature is not None:
                update["temperature"] = self.temperature
            model = llm.model_copy(update=update) if update else llm
            self._runnables[key] = ask_for(
                model, self.asked_schema, strict=self.strict_schema
            )
        return self._runnables[key]

    # ------------------------------------------------------------ retry policy

    def _result(
        self, step: BaseModel | Attempt, args: ArgsT, image: PreparedImage
    ) -> ResultT:
        if isinstance(step, Attempt):  # next_step raises first; kept for the type
            raise ModelOutputError("The vision model's output was unusable.")
        return self._redacted(self.finish_image(step, args, image))

    def _redacted(self, result: ModelT) -> ModelT:
        """``result`` with any secret the model echoed removed (never passed on)."""
        dumped = result.model_dump_json()
        secrets = [s for s in self._secrets() if s in dumped]
        if secrets:
            result = result.model_validate_json(redact(dumped, secrets, shapes=False))
        return result

    def _call(self, attempt: Attempt, config: RunnableConfig) -> dict[str, Any]:
        try:
            output = self._structured(attempt.budget).invoke(attempt.messages, config)
        except Exception as exc:  # sorted by as_output
            return as_output(exc)
        return read(output, self.read_answer)

    async def _acall(self, attempt: Attempt, config: RunnableConfig) -> dict[str, Any]:
        try:
            runnable = self._structured(attempt.budget)
            output = await runnable.ainvoke(attempt.messages, config)
        except Exception as exc:  # sorted by as_output
            return as_output(exc)
        return read(output, self.read_answer)

    def _answer(
        self, image: PreparedImage, args: ArgsT, config: RunnableConfig
    ) -> ResultT:
        """Ask the model about one prepared image (one retry at most)."""
        step = ask(self._first(image, args), partial(self._call, config=config))
        return self._result(step, args, image)

    async def _aanswer(
        self, image: PreparedImage, args: ArgsT, config: RunnableConfig
    ) -> ResultT:
        """Async :meth:`_answer`."""
        step = await aask(self._first(image, args), partial(self._acall, config=config))
        return self._result(step, args, image)

    def _flow(self, args: ArgsT, config: RunnableConfig) -> tuple[str, ResultT]:
        result = self._answer(self._prepare(args), args, config)
        return result.to_content(), result

    async def _aflow(self, args: ArgsT, config: RunnableConfig) -> tuple[str, ResultT]:
        image = await to_thread_cancellable(self._prepare, args)
        result = await self._aanswer(image, args, config)
        return result.to_content(), result

    # ------------------------------------------------------------ BaseTool

    def invoke(
        self,
        input: str | dict | ToolCall,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run the tool; a tool call whose ``args`` is not an object gets an error."""
        input, refusal = self._checked_call(input)
        return refusal or super().invoke(input, config, **kwargs)

    async def ainvoke(
        self,
        input: str | dict | ToolCall,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Any:
        """Async :meth:`invoke`."""
        input, refusal = self._checked_call(input)
        return refusal or await super().ainvoke(input, config, **kwargs)

    def _checked_call(
        self, call: str | dict | ToolCall
    ) -> tuple[str | dict | ToolCall, ToolMessage | None]:
        """A tool call with JSON-text ``args`` parsed, or an error ToolMessage.

        langchain-core expects ``args`` to be a dict and fails with an
        ``AttributeError`` otherwise; models do send strings, ``null`` or numbers.
        """
        if not (isinstance(call, dict) and call.get("type") == "tool_call"):
            return call, None
        args = call.get("args")
        if isinstance(args, str):
            with suppress(json.JSONDecodeError):
                args = json.loads(args) if args.strip() else {}
        if isinstance(args, dict):
            return (
                {**call, "args": args} if args is not call.get("args") else call
            ), None
        refusal = ToolMessage(
            "invalid_arguments: the tool call's arguments must be a JSON object,"
            f" not {type(args).__name__}; pass e.g. {self.call_example}.",
            tool_call_id=str(call.get("id") or ""),
            name=self.name,
            status="error",
        )
        return call, refusal

    def _args(self, kwargs: dict[str, Any]) -> ArgsT:
        """The validated arguments, defaults filled in from the schema."""
        schema = cast(type[ImageArgs], self.args_schema)
        return cast(ArgsT, schema.model_validate(kwargs))

    def _secrets(self) -> list[str]:
        """Values that must never reach a message: the model's secrets."""
        llm = self.llm
        if llm is None:
            return []
        values = (getattr(llm, name, None) for name in llm.lc_secrets)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]

    def _failure(self, exc: Exception) -> ToolException:
        """A short, path-free, secret-free ``ToolException`` for any failure."""
        message = failure_message(exc)
        if message is None:
            logger.error("vision tool: unexpected %s", type(exc).__name__, exc_info=exc)
            message = (
                f"internal_error: unexpected {type(exc).__name__} in the vision tool; "
                "try another image or report the problem."
            )
        message = redact(for_surface(message, self.setting_names), self._secrets())
        logger.info("vision tool failed: %s", message)
        return ToolException(message)

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """Turn every failure into a short, safe ``ToolException``."""
        try:
            yield
        except ToolException:
            raise
        except Exception as exc:
            raise self._failure(exc) from None

    def _run(
        self, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, ResultT]:
        with self._failures():
            return self._flow(self._args(kwargs), _config(run_manager))

    async def _arun(
        self, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, ResultT]:
        with self._failures():
            return await self._aflow(self._args(kwargs), _config(run_manager))


def _config(
    run_manager: CallbackManagerForToolRun | AsyncCallbackManagerForToolRun | None,
) -> RunnableConfig:
    """The config for the model call: the tool run's child callbacks."""
    return {"callbacks": run_manager.get_child()} if run_manager else {}


__all__ = ["VisionTool"]
