"""Image resolution maths: how a server resizes images, and what they cost.

The lowest layer the images and the profiles share: the ``ImageResolution``
shapes (grid and fit), the known models' resolutions, the resize rule
(``target_size``), image-token counts and budgets, and the default for a model
no profile knows (``default_resolution``).

Example:
    >>> target_size(4032, 3024, QWEN25VL_RESOLUTION)
    (1652, 1232)
    >>> image_prompt_tokens(1652, 1232, QWEN25VL_RESOLUTION)
    2598
"""

from __future__ import annotations

import math
from typing import Literal

from typing_extensions import TypedDict

from langchain_gravix_vision._text import short


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


def default_resolution(max_side_unknown: int | None = None) -> ImageResolution:
    """The resolution for a model no profile knows.

    ``DEFAULT_RESOLUTION``, or a fit within ``max_side_unknown`` when set
    (``ImagePolicy.max_side_unknown``).

    Example:
        >>> default_resolution()["max_side"], default_resolution(1024)["max_side"]
        (1536, 1024)
    """
    if max_side_unknown:
        return {"strategy": "fit", "max_side": max_side_unknown}
    return DEFAULT_RESOLUTION


def _round_by(value: float, factor: int) -> int:
    return round(value / factor) * factor


def _floor_by(value: float, factor: int) -> int:
    return math.floor(value / factor) * factor


def _ceil_by(value: float, factor: int) -> int:
    return math.ceil(value / factor) * factor


def _grid_size(
    width: int, height: int, resolution: ImageResolution, upscale: bool
) -> tuple[int, int]:
    """Qwen2.5-VL ``smart_resize``, never enlarging unless ``upscale``."""
    factor = resolution.get("factor", 28)
    min_pixels = resolution.get("min_pixels", 56 * 56)
    max_pixels = resolution.get("max_pixels", 2 << 20)
    if upscale:
        h_bar = max(factor, _round_by(height, factor))
        w_bar = max(factor, _round_by(width, factor))
        if h_bar * w_bar > max_pixels:
            beta = math.sqrt(height * width / max_pixels)
            h_bar = max(factor, _floor_by(height / beta, factor))
            w_bar = max(factor, _floor_by(width / beta, factor))
        elif h_bar * w_bar < min_pixels:
            beta = math.sqrt(min_pixels / (height * width))
            h_bar = _ceil_by(height * beta, factor)
            w_bar = _ceil_by(width * beta, factor)
    elif width < factor or height < factor:
        # Too small for the grid without enlarging: only keep the pixel budget.
        if width * height <= max_pixels:
            return width, height
        scale = math.sqrt(max_pixels / (width * height))
        return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
    else:
        h_bar = _floor_by(height, factor)
        w_bar = _floor_by(width, factor)
        if h_bar * w_bar > max_pixels:
            beta = math.sqrt(height * width / max_pixels)
            h_bar = max(factor, _floor_by(height / beta, factor))
            w_bar = max(factor, _floor_by(width / beta, factor))
    # Extreme aspect ratios (smart_resize refuses > 200:1): the short side is
    # held at `factor`, so shorten the long side to stay within the budget.
    if h_bar * w_bar > max_pixels:
        if h_bar <= w_bar:
            w_bar = max(factor, _floor_by(max_pixels / h_bar, factor))
        else:
            h_bar = max(factor, _floor_by(max_pixels / w_bar, factor))
    return w_bar, h_bar


def _fit_size(width: int, height: int, max_side: int, upscale: bool) -> tuple[int, int]:
    longest = max(width, height)
    if longest <= max_side and not upscale:
        return width, height
    scale = max_side / longest
    return (
        min(max_side, max(1, round(width * scale))),
        min(max_side, max(1, round(height * scale))),
    )


def target_size(
    width: int,
    height: int,
    resolution: ImageResolution = DEFAULT_RESOLUTION,
    *,
    upscale: bool = False,
) -> tuple[int, int]:
    """Return the ``(width, height)`` an image is resized to for ``resolution``.

    ``"grid"``: Qwen2.5-VL's ``smart_resize`` (sides multiples of ``factor``,
    pixels within ``[min_pixels, max_pixels]``, aspect kept), except that
    without ``upscale`` it never enlarges: under the budget the sides snap
    down to the grid, sides smaller than ``factor`` are left as they are, and
    ``min_pixels`` is not enforced. Aspect ratios beyond 200:1 are clamped
    into the budget instead of raising. ``"fit"``: fit inside ``max_side``
    squared, keeping the aspect ratio.

    Example:
        >>> target_size(4032, 3024, QWEN25VL_RESOLUTION)
        (1652, 1232)
        >>> target_size(1000, 500, {"strategy": "fit", "max_side": 896})
        (896, 448)
        >>> target_size(100, 80, QWEN25VL_RESOLUTION), target_size(
        ...     100, 80, QWEN25VL_RESOLUTION, upscale=True)
        ((84, 56), (112, 84))
    """
    if width < 1 or height < 1:
        raise ValueError("image sides must be positive")
    strategy = resolution.get("strategy", "fit")
    if strategy == "grid":
        return _grid_size(width, height, resolution, upscale)
    if strategy == "fit":
        max_side = resolution.get("max_side", DEFAULT_RESOLUTION.get("max_side", 1536))
        return _fit_size(width, height, max_side, upscale)
    raise ValueError(f"unknown resolution strategy {short(strategy)!r}")


LOW_DETAIL_TOKENS = 256
"""Image tokens ``detail="low"`` allows (grid models; fit models cost a fixed sum)."""


def token_budget(detail: str | None, max_image_tokens: int | None) -> int | None:
    """The image-token cap for one image: ``detail="low"`` 256, else the policy's.

    ``"high"``, ``"auto"`` and ``None`` leave the server's maximum (``None``)
    unless ``ImagePolicy.max_image_tokens`` caps it.

    Example:
        >>> token_budget("low", None), token_budget("high", 1000)
        (256, 1000)
        >>> token_budget("low", 100), token_budget(None, None)
        (100, None)
    """
    caps = [cap for cap in (max_image_tokens,) if cap is not None]
    if detail == "low":
        caps.append(LOW_DETAIL_TOKENS)
    return min(caps) if caps else None


def budget_resolution(
    resolution: ImageResolution, max_tokens: int | None
) -> ImageResolution:
    """``resolution`` with its pixel budget lowered to ``max_tokens`` image tokens.

    Only ``"grid"`` models spend tokens by area (one per ``factor`` squared
    pixels); ``"fit"`` models cost the same whatever the size, so they are
    returned unchanged.

    Example:
        >>> budget_resolution(QWEN25VL_RESOLUTION, 256)["max_pixels"]
        200704
    """
    if max_tokens is None or resolution.get("strategy") != "grid":
        return resolution
    factor = resolution.get("factor", 28)
    max_pixels = resolution.get("max_pixels", 2 << 20)
    limited: ImageResolution = {
        **resolution,
        "max_pixels": min(max_pixels, max_tokens * factor * factor),
    }
    return limited


def within_budget(width: int, height: int, resolution: ImageResolution) -> bool:
    """Whether the server would keep an image of this size without shrinking it.

    ``"grid"``: the sides rounded to the grid (the server's own rounding) fit in
    ``max_pixels``; ``"fit"``: the longest side fits in ``max_side``.

    Example:
        >>> within_budget(640, 480, QWEN25VL_RESOLUTION)
        True
        >>> within_budget(4032, 3024, QWEN25VL_RESOLUTION)
        False
    """
    if resolution.get("strategy", "fit") == "grid":
        factor = resolution.get("factor", 28)
        max_pixels = resolution.get("max_pixels", 2 << 20)
        w_bar = max(factor, _round_by(width, factor))
        h_bar = max(factor, _round_by(height, factor))
        return w_bar * h_bar <= max_pixels
    max_side = resolution.get("max_side", DEFAULT_RESOLUTION.get("max_side", 1536))
    return max(width, height) <= max_side


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
        factor = resolution.get("factor", 28)
        w, h = target_size(width, height, resolution, upscale=True)
        return (w // factor) * (h // factor) + IMAGE_MARKER_TOKENS
    return resolution.get("image_tokens", DEFAULT_IMAGE_TOKENS) + IMAGE_MARKER_TOKENS


__all__ = [
    "DEFAULT_IMAGE_TOKENS",
    "DEFAULT_RESOLUTION",
    "GEMMA3_RESOLUTION",
    "IMAGE_MARKER_TOKENS",
    "LOW_DETAIL_TOKENS",
    "QWEN25VL_RESOLUTION",
    "ImageResolution",
    "budget_resolution",
    "default_resolution",
    "image_prompt_tokens",
    "target_size",
    "token_budget",
    "within_budget",
]
