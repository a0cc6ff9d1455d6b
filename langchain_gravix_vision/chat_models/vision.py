"""ChatGravixVision: Gravix Layer's OpenAI-compatible chat completions for LangChain.

This module holds what a call does: images prepared before the cache lookup,
request guards, typed errors and the answer's checks. The fields, clients,
capability profile and token counts are in its base, ``chat_models._base``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import openai
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from langchain_gravix_vision.chat_models import _guards
from langchain_gravix_vision.chat_models._base import API_KEY_ENV as API_KEY_ENV
from langchain_gravix_vision.chat_models._base import BASE_URL_ENV as BASE_URL_ENV
from langchain_gravix_vision.chat_models._base import (
    DEFAULT_API_BASE as DEFAULT_API_BASE,
)
from langchain_gravix_vision.chat_models._base import ChatGravixVisionBase
from langchain_gravix_vision.chat_models._message_images import (
    needs_reading,
    prepare_messages,
)
from langchain_gravix_vision.chat_models._responses import (
    aredacted,
    finish_chunk,
    finish_result,
    has_finish_reason,
    redacted,
)
from langchain_gravix_vision.images import to_thread_cancellable

if TYPE_CHECKING:
    from langchain_core.outputs import ChatGenerationChunk

_IMAGES_PREPARED = "_gravix_images_prepared"
"""Private call kwarg: the async paths prepared the images in a thread already."""


class ChatGravixVision(ChatGravixVisionBase):
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

    Guards (see docs/compatibility.md): an image for a model whose
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

    def _get_request_payload(
        self,
        input_: LanguageModelInput,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> dict:
        if not kwargs.pop(_IMAGES_PREPARED, False):
            messages = self._convert_input(input_).to_messages()
            input_ = self._prepare_images(messages, kwargs.get("model"))
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "max_completion_tokens" in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        model = payload.get("model") or self.model_name
        if payload.get("tools"):
            _guards.refuse_tools(model, dict(self._capabilities(model)))
        _guards.refuse_n(payload.get("n"))
        _guards.refuse_reasoning(model, dict(self._capabilities(model)), payload)
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
        if all(isinstance(message.content, str) for message in messages):
            return messages  # text only: no image to prepare, check or move
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
        chunks = super()._stream(messages, *args, **kwargs)
        with self._typed_errors(kwargs):
            for chunk in redacted(chunks, self._api_key_text()):
                finished = finished or has_finish_reason(chunk)
                yield chunk
        if not finished:
            raise _guards.incomplete(stream=True)

    async def _astream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        messages = await self._aprepare_once(messages, kwargs)
        finished = False
        chunks = super()._astream(messages, *args, **kwargs)
        with self._typed_errors(kwargs):
            async for chunk in aredacted(chunks, self._api_key_text()):
                finished = finished or has_finish_reason(chunk)
                yield chunk
        if not finished:
            raise _guards.incomplete(stream=True)

    def _typed_errors(self, kwargs: dict[str, Any]) -> AbstractContextManager[None]:
        """Known server refusals (both Ollama versions) become typed errors."""
        model = kwargs.get("model") or self.model_name
        return _guards.typed_errors(model, self.gravix_api_base)

    def _create_chat_result(
        self,
        response: dict | openai.BaseModel,
        generation_info: dict | None = None,
    ) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        return finish_result(result, response, self._api_key_text())

    def _api_key_text(self) -> str:
        """The key, to redact from answers (a server may echo it)."""
        return self.gravix_api_key.get_secret_value() if self.gravix_api_key else ""

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
