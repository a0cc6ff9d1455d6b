"""ChatGravixVision's base: its fields, clients, capability profile and token counts.

What a call does (images, request guards, typed errors, the answer) is in
``chat_models.ChatGravixVision``, the class to use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils import from_env, secret_from_env
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from typing_extensions import Self

from langchain_gravix_vision._version import __version__
from langchain_gravix_vision.chat_models import _guards
from langchain_gravix_vision.chat_models._http import attach_clients
from langchain_gravix_vision.chat_models._responses import PROVIDER
from langchain_gravix_vision.chat_models._tokens import (
    count_message_tokens,
    estimate_text_tokens,
)
from langchain_gravix_vision.images import ImagePolicy
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

DEFAULT_API_BASE = "https://api.gravixlayer.com/v1/inference"
API_KEY_ENV = "GRAVIXLAYER_API_KEY"
BASE_URL_ENV = "GRAVIXLAYER_BASE_URL"


class ChatGravixVisionBase(BaseChatOpenAI):
    """The settings and capabilities of ``ChatGravixVision`` (use that class)."""

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
        _guards.check_n(self.n)
        key = _guards.require_api_key(self.gravix_api_key, API_KEY_ENV)
        attach_clients(self, api_key=key, base_url=self.gravix_api_base)
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
            >>> from langchain_gravix_vision import ChatGravixVision
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
            >>> from langchain_gravix_vision import ChatGravixVision
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

    def get_num_tokens(self, text: str) -> int:
        """Estimated tokens of ``text``: four characters a token (no download).

        Example:
            >>> from langchain_gravix_vision import ChatGravixVision
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

        Images are prepared as for a request (paths read; URLs fetched if
        ``allow_fetching_images``) and cost what the model's resolution says
        for the size sent. Text is ``ceil(characters / 4)`` plus 4 tokens a
        message; tool calls and schemas count as their JSON text. Works with
        ``trim_messages(token_counter=llm)``.

        Example:
            >>> from langchain_core.messages import HumanMessage
            >>> from langchain_gravix_vision import ChatGravixVision
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
