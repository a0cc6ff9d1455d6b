"""Per-model capabilities as data: LangChain model profiles plus the image resolution.

Model differences live here and nowhere else. Each entry says what the Gravix
server (an Ollama backend, see the README) really does with a model: whether it
takes images, whether it accepts http image URLs itself, whether it has tool
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
from typing_extensions import TypedDict


class ImageResolution(TypedDict, total=False):
    """How the server's image processor resizes an image for one model.

    ``strategy="grid"``: both sides become multiples of ``factor`` with the pixel
    count within ``[min_pixels, max_pixels]`` (Qwen2.5-VL's ``smart_resize``).
    ``strategy="fit"``: the image is fitted inside ``max_side`` x ``max_side``
    (Gemma 3, whose server squashes every image to 896 x 896).
    """

    strategy: Literal["grid", "fit"]
    factor: int
    min_pixels: int
    max_pixels: int
    max_side: int
    image_tokens: int
    """``"fit"`` only: the fixed number of tokens one image costs (Gemma 3: 256)."""


QWEN25VL_RESOLUTION: ImageResolution = {
    "strategy": "grid",
    "factor": 28,
    "min_pixels": 56 * 56,
    # Ollama's qwen25vl processor: maxPixels = 2 << 20 ("2M limit").
    "max_pixels": 2 << 20,
}
GEMMA3_RESOLUTION: ImageResolution = {
    "strategy": "fit",
    "max_side": 896,
    # SigLIP's 4096 patches pooled to 256 soft tokens, whatever the size.
    "image_tokens": 256,
}
DEFAULT_RESOLUTION: ImageResolution = {"strategy": "fit", "max_side": 1536}
"""Unknown models: fit within 1536 x 1536, about what common VLM servers keep."""

IMAGE_MARKER_TOKENS = 2
"""Tokens around each image (``<|vision_start|>``/``<|vision_end|>`` for Qwen2.5-VL,
``<start_of_image>``/``<end_of_image>`` for Gemma 3)."""
DEFAULT_IMAGE_TOKENS = 256
"""Image cost assumed for ``"fit"`` models without ``image_tokens`` (an estimate)."""

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
    from langchain_gravix_vision._profile_file import file_overrides

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


def image_prompt_tokens(width: int, height: int, resolution: ImageResolution) -> int:
    """Prompt tokens one image of ``width`` x ``height`` (as sent) costs.

    ``"grid"`` models (Qwen2.5-VL): one token per ``factor`` x ``factor`` cell of
    the size the server's ``smart_resize`` gives, plus the two markers.
    ``"fit"`` models: ``image_tokens`` (Gemma 3: 256) plus the two markers.

    Example:
        >>> image_prompt_tokens(1652, 1232, QWEN25VL_RESOLUTION)
        2598
        >>> image_prompt_tokens(640, 480, GEMMA3_RESOLUTION)
        258
    """
    if resolution.get("strategy") == "grid":
        from langchain_gravix_vision.images._resize import target_size

        factor = resolution.get("factor", 28)
        w, h = target_size(width, height, resolution, upscale=True)
        return (w // factor) * (h // factor) + IMAGE_MARKER_TOKENS
    return resolution.get("image_tokens", DEFAULT_IMAGE_TOKENS) + IMAGE_MARKER_TOKENS


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
