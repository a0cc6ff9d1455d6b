"""ChatGravixVision: Gravix Layer's OpenAI-compatible chat completions for LangChain."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import openai
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils import from_env, secret_from_env
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from typing_extensions import Self

from langchain_gravix_vision import _guards
from langchain_gravix_vision._http import openai_clients
from langchain_gravix_vision._responses import (
    PROVIDER,
    finish_chunk,
    finish_result,
    has_finish_reason,
)
from langchain_gravix_vision._tokens import count_message_tokens, estimate_text_tokens
from langchain_gravix_vision._version import __version__
from langchain_gravix_vision.images import ImagePolicy, to_thread_cancellable
from langchain_gravix_vision.message_images import needs_reading, prepare_messages
from langchain_gravix_vision.profiles import (
    DEFAULT_MODEL,
    ImageResolution,
    get_image_resolution,
    get_model_profile,
    structured_output_method,
)

# LangChain reads the annotations of bind_tools / with_structured_output at run
# time (with_fallbacks, RunnableBinding): the names above must exist at run time.
if TYPE_CHECKING:
    from langchain_core.language_models import ModelProfile
    from langchain_core.language_models.chat_models import LangSmithParams
    from langchain_core.outputs import ChatGenerationChunk

DEFAULT_API_BASE = "https://api.gravixlayer.com/v1/inference"
API_KEY_ENV = "GRAVIXLAYER_API_KEY"
BASE_URL_ENV = "GRAVIXLAYER_BASE_URL"
_IMAGES_PREPARED = "_gravix_images_prepared"
"""Private call kwarg: the async paths prepared the images in a thread already."""


class ChatGravixVision(BaseChatOpenAI):
    """Gravix Layer vision-language chat model.

    Setup:
        Install ``langchain-gravix-vision`` and set ``GRAVIXLAYER_API_KEY``.
        ``GRAVIXLAYER_BASE_URL`` overrides the endpoint (any OpenAI-compatible
        server works, e.g. a local Ollama at ``http://localhost:11434/v1``).

        .. code-block:: bash

            pip install -U langchain-gravix-vision
            export GRAVIXLAYER_API_KEY="your-api-key"

    Key init args — completion params:
        model: Model name; any string (dedicated deployments have their own).
            Defaults to ``qwen2.5vl:7b``.
        temperature: Always sent (the Ollama backend otherwise uses 1.0).
        max_tokens: Sent as ``max_tokens`` (the backend ignores
            ``max_completion_tokens``).

    Key init args — client params:
        api_key / base_url: Read from ``GRAVIXLAYER_API_KEY`` /
            ``GRAVIXLAYER_BASE_URL`` when not given.
        timeout / max_retries: As in ``ChatOpenAI``.
        image_policy: How images are loaded, checked, fetched and resized;
            ``None`` turns preprocessing off (blocks are only re-shaped).
        profile_overrides / image_resolution: override any capability.
        tool_calls_need_null_content: send assistant tool calls with
            ``content: null`` (their text in a message just before), as the
            2025 Ollama backend needs; True by default.

    Guards (see the README's "Compatibility"): an image for a model whose
    profile has no image input, ``n > 1`` and image URLs the server would
    refuse raise before the request; an answer without a ``finish_reason``
    raises the retryable ``IncompleteResponseError``; known server refusals
    become typed errors (``ModelNotFoundError``, ``EndpointNotFoundError``,
    ``UnsupportedCapabilityError``, ``UnsupportedImageFormat``).

    Instantiate:
        .. code-block:: python

            from langchain_gravix_vision import ChatGravixVision

            llm = ChatGravixVision(model="qwen2.5vl:7b", temperature=0)

    Invoke:
        .. code-block:: python

            print(llm.invoke("Name three primary colours.").text)

    Stream:
        .. code-block:: python

            for chunk in llm.stream("Count from one to five."):
                print(chunk.text, end="")

    Async:
        .. code-block:: python

            import asyncio

            print(asyncio.run(llm.ainvoke("Say hello.")).text)

    Image input (a local path under the policy's roots, an http(s) URL, a data
    URL, or any LangChain image block; resized to what the server uses):
        .. code-block:: python

            from langchain_core.messages import HumanMessage

            msg = HumanMessage(
                [
                    {"type": "text", "text": "What is in this picture?"},
                    {"type": "image", "url": "tests/data/photos/chelsea.png"},
                ]
            )
            print(llm.invoke([msg]).text)

    Tool calling (models whose profile has tools, e.g. llama3.1):
        .. code-block:: python

            from langchain_core.tools import tool


            @tool
            def get_weather(city: str) -> str:
                '''Weather in a city.'''
                return "sunny"


            tools_llm = ChatGravixVision(model="llama3.1:8b-instruct-fp16")
            ai = tools_llm.bind_tools([get_weather]).invoke("Weather in Paris?")
            print(ai.tool_calls)

    Structured output (``json_schema`` on vision models, enforced by the server):
        .. code-block:: python

            from pydantic import BaseModel


            class Caption(BaseModel):
                caption: str


            print(llm.with_structured_output(Caption).invoke("Caption: a red square"))

    Token usage:
        .. code-block:: python

            ai = llm.invoke("Hello")
            print(ai.usage_metadata)  # input_tokens, output_tokens, total_tokens
    """

    model_name: str = Field(default=DEFAULT_MODEL, alias="model")
    """Model name, e.g. ``qwen2.5vl:7b``, ``gemma3:12b`` or a deployment name."""

    gravix_api_key: SecretStr | None = Field(
        alias="api_key",
        default_factory=secret_from_env(API_KEY_ENV, default=None),
    )
    """Gravix Layer API key; read from ``GRAVIXLAYER_API_KEY`` if not given."""

    gravix_api_base: str = Field(
        alias="base_url",
        default_factory=from_env(BASE_URL_ENV, default=DEFAULT_API_BASE),
    )
    """Base URL; read from ``GRAVIXLAYER_BASE_URL`` if not given."""

    openai_api_key: SecretStr | None = None
    openai_api_base: str | None = None

    temperature: float | None = 0.7
    """Sampling temperature, always sent to the server."""

    image_policy: ImagePolicy | None = Field(default_factory=ImagePolicy)
    """Policy applied to every outgoing image; ``None`` disables preprocessing."""

    profile_overrides: dict[str, Any] | None = None
    """Capabilities merged over the model's built-in profile."""

    image_resolution: ImageResolution | None = None
    """Overrides the server's image resolution for this model (see profiles)."""

    tool_calls_need_null_content: bool = True
    """The backend drops an assistant message's ``tool_calls`` unless its
    ``content`` is null (Ollama before v0.11.4, the version Gravix is known to
    have run). True sends such a message as two: its text, then its calls with
    ``content: null``. Set False only for a server known to be newer."""

    model_config = ConfigDict(populate_by_name=True)

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Map of constructor argument names to secret env vars."""
        return {"gravix_api_key": API_KEY_ENV}

    @property
    def _llm_type(self) -> str:
        """Return the type of chat model."""
        return "gravixlayer-chat"

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = PROVIDER
        return params

    @model_validator(mode="after")
    def _set_gravix_vision_version(self) -> Self:
        """Stamp the package version (named uniquely so parent validators still run)."""
        self._add_version("langchain-gravix-vision", __version__)
        return self

    @model_validator(mode="after")
    def validate_environment(self) -> Self:
        """Check the key and build OpenAI clients over shared, pooled HTTP clients.

        Replaces ``BaseChatOpenAI.validate_environment`` (same name on purpose):
        the ``OPENAI_*`` variables and gateway settings do not apply here.
        """
        if self.n is not None and self.n < 1:
            msg = "n must be at least 1."
            raise ValueError(msg)
        _guards.refuse_n(self.n)
        if self.gravix_api_key is None or not self.gravix_api_key.get_secret_value():
            msg = (
                f"Gravix Layer API key is not set. Set the {API_KEY_ENV} "
                "environment variable or pass api_key=... to ChatGravixVision."
            )
            raise ValueError(msg)
        if not self.client or not self.async_client:
            root, root_async = openai_clients(
                api_key=self.gravix_api_key.get_secret_value(),
                base_url=self.gravix_api_base,
                timeout=self.request_timeout,
                max_retries=self.max_retries,
                default_headers=self.default_headers,
                default_query=self.default_query,
                http_client=self.http_client,
                http_async_client=self.http_async_client,
            )
            if not self.client:
                self.root_client, self.client = root, root.chat.completions
            if not self.async_client:
                self.root_async_client = root_async
                self.async_client = root_async.chat.completions
        if self.stream_usage is not False:
            self.stream_usage = True
        return self

    def _resolve_model_profile(self) -> ModelProfile | None:
        return get_model_profile(self.model_name, self.profile_overrides)

    def _capabilities(self, model: str | None = None) -> ModelProfile:
        if model and model != self.model_name:
            return get_model_profile(model, self.profile_overrides)
        return self.profile or get_model_profile(
            self.model_name, self.profile_overrides
        )

    def get_image_resolution(self, model: str | None = None) -> ImageResolution:
        """Return the resolution the server uses for this model's images.

        Example:
            >>> llm = ChatGravixVision(model="qwen2.5vl:7b", api_key="k")
            >>> llm.get_image_resolution()["strategy"]
            'grid'
        """
        return get_image_resolution(model or self.model_name, self.image_resolution)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self:
        """Copy the model; a new ``model_name`` gets its own profile.

        ``llm.model_copy(update={"model_name": "llama3.1:8b-instruct-fp16"})``
        re-resolves the capability profile (unless ``profile`` was set by hand
        or is in ``update``).

        Example:
            >>> llm = ChatGravixVision(api_key="sk-x")
            >>> llm.model_copy(update={"model_name": "llama3.1:8b"}).profile[
            ...     "tool_calling"
            ... ]
            True
        """
        changes = dict(update or {})
        if "model" in changes and "model_name" not in changes:
            changes["model_name"] = changes.pop("model")
        copied = super().model_copy(update=changes, deep=deep)
        if "profile" not in changes and changes.keys() & {
            "model_name",
            "profile_overrides",
        }:
            resolved = get_model_profile(self.model_name, self.profile_overrides)
            if self.profile is None or self.profile == resolved:
                copied.profile = copied._resolve_model_profile()
        return copied

    def _get_request_payload(
        self,
        input_: LanguageModelInput,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> dict:
        messages = self._convert_input(input_).to_messages()
        if not kwargs.pop(_IMAGES_PREPARED, False):
            messages = self._prepare_images(messages, kwargs.get("model"))
        payload = super()._get_request_payload(messages, stop=stop, **kwargs)
        if "max_completion_tokens" in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        model = payload.get("model") or self.model_name
        if payload.get("tools"):
            _guards.refuse_tools(model, dict(self._capabilities(model)))
        _guards.refuse_n(payload.get("n"))
        if "messages" in payload:
            if self.image_policy is None:
                profile = dict(self._capabilities(model))
                _guards.check_sent_images(payload["messages"], model, profile)
            if self.tool_calls_need_null_content:
                payload["messages"] = _guards.keep_tool_calls(payload["messages"])
        return payload

    def _prepare_images(
        self, messages: list[BaseMessage], model: str | None
    ) -> list[BaseMessage]:
        name = model or self.model_name
        _guards.refuse_images_without_vision(
            messages, name, dict(self._capabilities(name))
        )
        return prepare_messages(
            messages,
            policy=self.image_policy,
            resolution=self.get_image_resolution(model),
        )

    async def _aprepare_once(
        self, messages: list[BaseMessage], kwargs: dict[str, Any]
    ) -> list[BaseMessage]:
        """Prepare images unless done (marks ``kwargs``), off the event loop.

        Reading, fetching and resizing images is blocking work: it runs in a
        thread, and cancelling the caller stops its decode.
        """
        if kwargs.get(_IMAGES_PREPARED):
            return messages
        kwargs[_IMAGES_PREPARED] = True
        if not needs_reading(messages):  # text, or blocks prepared already
            return self._prepare_images(messages, kwargs.get("model"))
        return await to_thread_cancellable(
            self._prepare_images, messages, kwargs.get("model")
        )

    # Images are prepared before LangChain's cache lookup, so cache keys follow
    # the bytes sent (a path and the same image's bytes hit; a file changed
    # behind the same path misses), never the unread source.

    def _generate_with_cache(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        if not kwargs.get(_IMAGES_PREPARED):
            messages = self._prepare_images(messages, kwargs.get("model"))
            kwargs[_IMAGES_PREPARED] = True
        return super()._generate_with_cache(messages, *args, **kwargs)

    async def _agenerate_with_cache(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        messages = await self._aprepare_once(messages, kwargs)
        return await super()._agenerate_with_cache(messages, *args, **kwargs)

    def _generate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        with self._typed_errors(kwargs):
            return super()._generate(messages, *args, **kwargs)

    async def _agenerate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        messages = await self._aprepare_once(messages, kwargs)
        with self._typed_errors(kwargs):
            return await super()._agenerate(messages, *args, **kwargs)

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        finished = False
        with self._typed_errors(kwargs):
            for chunk in super()._stream(messages, *args, **kwargs):
                finished = finished or has_finish_reason(chunk)
                yield chunk
        if not finished:
            raise _guards.incomplete(stream=True)

    async def _astream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        messages = await self._aprepare_once(messages, kwargs)
        finished = False
        with self._typed_errors(kwargs):
            async for chunk in super()._astream(messages, *args, **kwargs):
                finished = finished or has_finish_reason(chunk)
                yield chunk
        if not finished:
            raise _guards.incomplete(stream=True)

    @contextmanager
    def _typed_errors(self, kwargs: dict[str, Any]) -> Iterator[None]:
        """Known server refusals (both Ollama versions) become typed errors."""
        try:
            yield
        except openai.APIStatusError as exc:
            self._raise_typed(exc, kwargs)
            raise

    def _raise_typed(self, exc: openai.APIStatusError, kwargs: dict[str, Any]) -> None:
        """Raise this package's typed error if ``exc`` is a known refusal."""
        model = kwargs.get("model") or self.model_name
        typed = _guards.translate_status_error(exc, model, self.gravix_api_base)
        if typed is not None:
            raise typed from exc

    def get_num_tokens(self, text: str) -> int:
        """Estimated tokens of ``text``: four characters a token (no download).

        Example:
            >>> ChatGravixVision(api_key="sk-x").get_num_tokens("abcdefgh")
            2
        """
        return estimate_text_tokens(text)

    def get_num_tokens_from_messages(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[dict[str, Any] | type | Callable | BaseTool] | None = None,
        *,
        allow_fetching_images: bool = True,
    ) -> int:
        """Prompt tokens of ``messages``, offline: images exact, text estimated.

        Images are prepared as for a request (so paths are read and, if
        ``allow_fetching_images``, URLs fetched) and cost what the model's
        resolution says for the size sent: Qwen2.5-VL one token per 28 x 28
        cell plus two markers, Gemma 3 a fixed 256 plus two markers. Text is
        ``ceil(characters / 4)`` plus 4 tokens a message; tool calls and tool
        schemas count as their JSON text. Works with
        ``trim_messages(token_counter=llm)``.

        Example:
            >>> from langchain_core.messages import HumanMessage
            >>> ChatGravixVision(api_key="sk-x").get_num_tokens_from_messages(
            ...     [HumanMessage("Hello there!")]
            ... )
            7
        """
        resolution = get_image_resolution(self.model_name, self.image_resolution)
        return count_message_tokens(
            messages,
            tools,
            policy=self.image_policy,
            resolution=resolution,
            allow_fetching_images=allow_fetching_images,
        )

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable | BaseTool],
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Bind tools. Composing a chain never fails; sending it may.

        Raises (at invoke/stream/batch time, before any request is sent):
            UnsupportedCapabilityError: the model's profile says
                ``tool_calling=False`` (the server would answer 400).
        """
        return super().bind_tools(tools, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["function_calling", "json_mode", "json_schema"] | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict | BaseModel]:
        """Return a runnable whose output matches ``schema``.

        ``method=None`` picks the best method from the model profile:
        ``json_schema`` where the server enforces it (the vision models),
        ``function_calling`` where the model has tools, else ``json_mode``.

        Example:
            .. code-block:: python

                llm.with_structured_output(Caption).invoke("Caption a red square")
        """
        chosen = method or structured_output_method(self._capabilities())
        if chosen == "function_calling":
            strict = None
        return super().with_structured_output(
            schema, method=chosen, include_raw=include_raw, strict=strict, **kwargs
        )

    def _create_chat_result(
        self,
        response: dict | openai.BaseModel,
        generation_info: dict | None = None,
    ) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        key = self.gravix_api_key.get_secret_value() if self.gravix_api_key else ""
        return finish_result(result, response, key)

    def _convert_chunk_to_generation_chunk(
        self,
        chunk: dict,
        default_chunk_class: type,
        base_generation_info: dict | None,
    ) -> ChatGenerationChunk | None:
        generation = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        return None if generation is None else finish_chunk(generation, chunk)
