"""Per-model capabilities as data: LangChain model profiles plus the image resolution.

Model differences live here and nowhere else. Each entry says what the Gravix
server (an Ollama backend, see docs/compatibility.md) really does with a model:
whether it takes images, whether it accepts http image URLs itself, whether it has tool
calling, whether ``response_format`` JSON schema is enforced, its context size,
and the resolution its image processor resizes to.

Example:
    >>> from langchain_gravix_vision.profiles import get_model_profile
    >>> get_model_profile("qwen2.5vl:7b")["image_inputs"]
    True
    >>> get_image_resolution("gemma3:12b")["max_side"]
    896
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from langchain_core.language_models import ModelProfile

from langchain_gravix_vision._profile_file import file_overrides
from langchain_gravix_vision.resolution import (
    DEFAULT_RESOLUTION,
    GEMMA3_RESOLUTION,
    QWEN25VL_RESOLUTION,
    ImageResolution,
)

_VISION_BASE: ModelProfile = {
    "text_inputs": True,
    "text_outputs": True,
    "image_inputs": True,
    # The Ollama layer rejects http(s) image URLs ("invalid image input"); the
    # client fetches URLs itself by default, see ImagePolicy.url_mode.
    "image_url_inputs": False,
    "image_tool_message": False,
    "pdf_inputs": False,
    "audio_inputs": False,
    "video_inputs": False,
    "tool_calling": False,
    "tool_choice": False,
    # response_format json_schema is turned into a grammar by the server.
    "structured_output": True,
    "temperature": True,
    # No thinking capability: current Ollama answers a reasoning effort with 400.
    "reasoning_output": False,
}

_GEMMA3: ModelProfile = {**_VISION_BASE, "max_input_tokens": 131072}
_QWEN25VL: ModelProfile = {**_VISION_BASE, "max_input_tokens": 128000}
_LLAMA31: ModelProfile = {
    "text_inputs": True,
    "text_outputs": True,
    "image_inputs": False,
    "image_url_inputs": False,
    "image_tool_message": False,
    "tool_calling": True,
    # Ollama ignores tool_choice: forcing a tool is best effort only.
    "tool_choice": False,
    "tool_call_streaming": True,
    "structured_output": True,
    "max_input_tokens": 131072,
    "temperature": True,
    "reasoning_output": False,
}

_PROFILES: dict[str, ModelProfile] = {
    "gemma3:12b": _GEMMA3,
    "google/gemma-3-12b-it": _GEMMA3,
    "qwen2.5vl:7b": _QWEN25VL,
    "qwen/qwen-2.5-vl-7b-instruct": _QWEN25VL,
    "llama3.1:8b-instruct-fp16": _LLAMA31,
    "llama3.1:8b": _LLAMA31,
    "meta-llama/llama-3.1-8b-instruct": _LLAMA31,
}

_RESOLUTIONS: dict[str, ImageResolution] = {
    "gemma3:12b": GEMMA3_RESOLUTION,
    "google/gemma-3-12b-it": GEMMA3_RESOLUTION,
    "qwen2.5vl:7b": QWEN25VL_RESOLUTION,
    "qwen/qwen-2.5-vl-7b-instruct": QWEN25VL_RESOLUTION,
}

CONSERVATIVE_PROFILE: ModelProfile = {
    "text_inputs": True,
    "text_outputs": True,
    "image_inputs": True,
    "image_url_inputs": False,
    # Tool-message images are moved into a user message by the client.
    "image_tool_message": True,
    "tool_calling": True,
    "tool_choice": False,
    "structured_output": False,
}
"""Unknown models (e.g. dedicated deployments): allow images and tools, send
images as data URLs, and use function calling rather than a JSON schema the
server may not enforce."""


GroundingConvention = Literal["absolute", "normalized_1000"]
"""How a model writes box and point coordinates: ``"absolute"`` pixels of the
image it was sent (Qwen2.5-VL), or ``"normalized_1000"`` (0-1000 on each axis,
later Qwen-VL generations)."""

_GROUNDING: dict[str, GroundingConvention] = {
    "qwen2.5vl:7b": "absolute",
    "qwen/qwen-2.5-vl-7b-instruct": "absolute",
}
"""Models that can point at things (Gemma 3 cannot: no entry)."""

DEFAULT_MODEL = "qwen2.5vl:7b"
"""The model ``ChatGravixVision``, the tools and the CLI use unless told otherwise."""


@runtime_checkable
class SupportsImageResolution(Protocol):
    """A chat model that says which resolution its server sends images at."""

    def get_image_resolution(self) -> ImageResolution:
        """The resolution the server uses for this model's images."""
        ...


def _key(model: str) -> str:
    return model.strip().lower()


def get_model_profile(
    model: str, overrides: dict[str, Any] | None = None
) -> ModelProfile:
    """Return a copy of ``model``'s profile with ``overrides`` merged on top.

    Between the two: what ``GRAVIX_PROFILE_FILE`` measured for the model (see
    ``gravix-vision doctor``).

    Unknown model names get ``CONSERVATIVE_PROFILE``, never an error.

    Example:
        >>> get_model_profile("my-deployment-x1", {"tool_calling": False})[
        ...     "tool_calling"
        ... ]
        False
    """
    base = _PROFILES.get(_key(model), CONSERVATIVE_PROFILE)
    merged: dict[str, Any] = {**base, **file_overrides(model), **(overrides or {})}
    return merged  # type: ignore[return-value]


def get_image_resolution(
    model: str, override: ImageResolution | None = None
) -> ImageResolution:
    """Return the resolution the server uses for ``model`` (``override`` wins).

    Example:
        >>> get_image_resolution("qwen2.5vl:7b")["factor"]
        28
    """
    if override:
        return {**_RESOLUTIONS.get(_key(model), DEFAULT_RESOLUTION), **override}
    return dict(_RESOLUTIONS.get(_key(model), DEFAULT_RESOLUTION))  # type: ignore[return-value]


def get_grounding(model: str) -> GroundingConvention | None:
    """Return how ``model`` writes box coordinates, or ``None`` if it cannot ground.

    Example:
        >>> get_grounding("qwen2.5vl:7b"), get_grounding("gemma3:12b")
        ('absolute', None)
    """
    return _GROUNDING.get(_key(model))


def model_name(llm: Any) -> str:
    """The model name a chat model is configured with (``""`` when it has none).

    ``model_name`` (langchain-openai's field) when set, else LangChain's
    ``ls_model_name`` tracing parameter, so any ``BaseChatModel`` answers.

    Example:
        >>> from langchain_core.language_models import FakeListChatModel
        >>> model_name(FakeListChatModel(responses=["hi"]))
        ''
    """
    name = getattr(llm, "model_name", None)
    if not name and hasattr(llm, "_get_ls_params"):
        name = llm._get_ls_params().get("ls_model_name")
    return str(name or "")


def structured_output_method(
    profile: ModelProfile,
) -> Literal["json_schema", "function_calling", "json_mode"]:
    """Pick the best ``with_structured_output`` method a profile allows.

    Example:
        >>> structured_output_method(get_model_profile("gemma3:12b"))
        'json_schema'
    """
    if profile.get("structured_output"):
        return "json_schema"
    if profile.get("tool_calling"):
        return "function_calling"
    return "json_mode"


__all__ = [
    "CONSERVATIVE_PROFILE",
    "DEFAULT_MODEL",
    "DEFAULT_RESOLUTION",
    "GEMMA3_RESOLUTION",
    "QWEN25VL_RESOLUTION",
    "GroundingConvention",
    "ImageResolution",
    "SupportsImageResolution",
    "get_grounding",
    "get_image_resolution",
    "get_model_profile",
    "model_name",
    "structured_output_method",
]
