"""The pipeline: read source -> decode guard -> orient and flatten -> resize -> encode.

``prepare_image`` runs the steps after reading for one raster image and returns
a ``PreparedImage``; ``langchain_gravix_vision.inputs.load_image`` adds the
reading and the PDF branch.
"""

from __future__ import annotations

import base64
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from PIL import Image

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import ImageError, ImageTooLarge, InvalidImageData
from langchain_gravix_vision.images._blocks import PREPARED_KEY, PREPARED_TOKEN
from langchain_gravix_vision.images._cache import ImageCache, cache_key, cached
from langchain_gravix_vision.images._encode import (
    changes_colours,
    encode,
    flatten,
    looks_flat,
    to_srgb,
)
from langchain_gravix_vision.images._guard import (
    CORRUPT,
    TRANSPOSE,
    exif_orientation,
    first_frame,
    open_guarded,
)
from langchain_gravix_vision.images._policy import ImagePolicy
from langchain_gravix_vision.images._raw import RawImage
from langchain_gravix_vision.images._strip import strip_metadata
from langchain_gravix_vision.resolution import (
    ImageResolution,
    budget_resolution,
    default_resolution,
    image_prompt_tokens,
    target_size,
    token_budget,
    within_budget,
)

# Modes that decode to the same RGB pixels without flattening.
_PASS_MODES = ("RGB", "L", "P")


@dataclass(frozen=True, repr=False)
class PreparedImage:
    r"""An image ready to send: its bytes plus what was done to them.

    Attributes:
        data: The image to send (JPEG or PNG): the source bytes with their
            metadata stripped when they could be sent as they are
            (``passed_through``), else re-encoded.
        mime_type: ``"image/jpeg"`` or ``"image/png"``.
        source_format: Format sniffed from the source bytes (``"JPEG"``,
            ``"PNG"``, ``"WEBP"``, ...; ``"PIL"`` for in-memory images).
        original_size: ``(width, height)`` of the source after EXIF orientation.
        sent_size: ``(width, height)`` of ``data``.
        source_bytes: Size of the source bytes (0 for in-memory PIL images).
        frames: Frames or pages in the source; only frame 0 is sent.
        orientation: The EXIF orientation (1-8) applied to the source pixels;
            ``original_size`` and coordinates are those after it.
        image_tokens: Prompt tokens the image costs on the model it was
            prepared for (``profiles.image_prompt_tokens``, markers included);
            ``None`` when not prepared for a model.
        passed_through: The source's own encoded pixels are sent (only
            metadata dropped), not a re-encode.

    Example:
        >>> img = PreparedImage(b"\xff\xd8", "image/jpeg", "JPEG", (200, 100),
        ...                     (100, 50), 5000, 1)
        >>> img.to_original_coords(10, 20), img.data_url
        ((20.0, 40.0), 'data:image/jpeg;base64,/9g=')
        >>> img
        PreparedImage(image/jpeg 100x50, 2 B; from JPEG 200x100, 5,000 B, frames=1)
    """

    data: bytes
    mime_type: str
    source_format: str
    original_size: tuple[int, int]
    sent_size: tuple[int, int]
    source_bytes: int
    frames: int = 1
    orientation: int = 1
    image_tokens: int | None = None
    passed_through: bool = False

    @property
    def sent_bytes(self) -> int:
        """Size of the encoded image in bytes."""
        return len(self.data)

    @cached_property
    def base64(self) -> str:
        """The encoded image as base64 text."""
        return base64.b64encode(self.data).decode("ascii")

    @property
    def data_url(self) -> str:
        """``data:<mime>;base64,...``, ready for an image content block."""
        return f"data:{self.mime_type};base64,{self.base64}"

    def to_content_block(self, detail: str | None = None) -> dict[str, object]:
        """Return the OpenAI chat content part for this image.

        Example:
            >>> img = PreparedImage(b"x", "image/png", "PNG", (1, 1), (1, 1), 1)
            >>> img.to_content_block("low")["image_url"]["detail"]
            'low'
        """
        image_url: dict[str, str] = {"url": self.data_url}
        if detail is not None:
            image_url["detail"] = detail
        return {"type": "image_url", "image_url": image_url}

    def to_message_block(self, detail: str | None = None) -> dict[str, Any]:
        """Return a LangChain image block marked as already prepared.

        Any chat model accepts it (a standard base64 image block); a
        ``ChatGravixVision`` sends it exactly as it is, without preparing it
        again. The marker is valid only in this process.

        Example:
            >>> img = PreparedImage(b"x", "image/png", "PNG", (1, 1), (1, 1), 1)
            >>> block = img.to_message_block()
            >>> block["type"], block["mime_type"], block["base64"]
            ('image', 'image/png', 'eA==')
        """
        extras: dict[str, str] = {PREPARED_KEY: PREPARED_TOKEN}
        if detail is not None:
            extras["detail"] = detail
        return {
            "type": "image",
            "base64": self.base64,
            "mime_type": self.mime_type,
            "extras": extras,
        }

    def to_original_coords(self, x: float, y: float) -> tuple[float, float]:
        """Map pixel coordinates in the sent image back to the original image.

        The original is the source after EXIF orientation (as a viewer shows it).

        Example:
            >>> img = PreparedImage(b"x", "image/png", "PNG", (4032, 3024),
            ...                     (1652, 1232), 1)
            >>> tuple(round(v) for v in img.to_original_coords(1652, 1232))
            (4032, 3024)
        """
        (ow, oh), (sw, sh) = self.original_size, self.sent_size
        return x * ow / sw, y * oh / sh

    def __repr__(self) -> str:
        (sw, sh), (ow, oh) = self.sent_size, self.original_size
        return (
            f"PreparedImage({self.mime_type} {sw}x{sh}, {self.sent_bytes:,} B;"
            f" from {self.source_format} {ow}x{oh}, {self.source_bytes:,} B,"
            f" frames={self.frames})"
        )


PREPARED_CACHE: ImageCache[PreparedImage] = ImageCache()
"""The process-wide cache ``prepare_image`` shares (see ``images/_cache.py``)."""


def prepare_image(
    raw: RawImage,
    *,
    policy: ImagePolicy,
    resolution: ImageResolution | None = None,
    detail: str | None = None,
) -> PreparedImage:
    """Decode (guarded), orient, flatten, resize and encode one read raster image.

    PDFs are not images: ``langchain_gravix_vision.inputs`` sends them to
    ``documents.pdf``, and only rendered pages come here.
    ``detail="low"`` caps the image at 256 image tokens (``"high"``, ``"auto"``
    and ``None``: the server's maximum), as does ``policy.max_image_tokens``.
    Results for source bytes are cached by content (``PREPARED_CACHE``): the
    same bytes with the same parameters give the same ``PreparedImage``.

    Example:
        >>> from langchain_gravix_vision.images import RawImage
        >>> prepare_image(RawImage("x", image=Image.new("RGB", (2000, 1000))),
        ...               policy=ImagePolicy()).sent_size
        (1536, 768)
    """
    if resolution is None:
        resolution = default_resolution(policy.max_side_unknown)
    max_tokens = token_budget(detail, policy.max_image_tokens)
    key = None
    if raw.data is not None:
        key = cache_key(
            raw.data,
            policy=policy,
            resolution=resolution,
            max_tokens=max_tokens,
            declared_mime=raw.declared_mime,
        )
    model_resolution = resolution
    return cached(
        PREPARED_CACHE,
        key,
        lambda: _prepare(raw, policy, model_resolution, max_tokens),
    )


def resample(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize to ``size``: bilinear for small reductions, else Lanczos.

    A JPEG decoded at 1/2, 1/4 or 1/8 scale (``draft``) is left less than 2x
    larger than its target; there bilinear stays above 50 dB PSNR of Lanczos
    on the benchmark photos at about 2/3 of its time. Larger reductions use
    Lanczos after ``reduce()`` (``reducing_gap``), enlargements Lanczos.

    Example:
        >>> resample(Image.new("RGB", (400, 300)), (300, 225)).size
        (300, 225)
    """
    if size[0] <= image.width < 2 * size[0] and size[1] <= image.height < 2 * size[1]:
        return image.resize(size, Image.Resampling.BILINEAR)
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _passes_through(
    raw: RawImage, image: Image.Image, policy: ImagePolicy, source_format: str
) -> bool:
    """Whether the source's own bytes show exactly what a re-encode would."""
    if raw.data is None or source_format not in ("JPEG", "PNG"):
        return False
    if policy.encoding not in ("auto", source_format.lower()):
        return False
    return image.mode in _PASS_MODES and "transparency" not in image.info


def _prepare(
    raw: RawImage,
    policy: ImagePolicy,
    resolution: ImageResolution,
    max_tokens: int | None,
) -> PreparedImage:
    budget = budget_resolution(resolution, max_tokens)
    opened = None
    passed_through = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = open_guarded(raw, policy)
            opened = image if raw.image is None else None
            image, frames = first_frame(image, raw.data)
            source_format = image.format or ("PIL" if raw.image is not None else "?")
            orientation = exif_orientation(image)
            width, height = image.size
            if orientation >= 5:
                width, height = height, width
            target = (width, height)
            # Within the budget the server only rounds to its grid, as it does
            # for a naive upload: resampling here would only blur the image.
            if policy.resize and (
                policy.upscale or not within_budget(width, height, budget)
            ):
                target = target_size(width, height, budget, upscale=policy.upscale)
            stored = target if orientation < 5 else (target[1], target[0])
            if source_format in ("JPEG", "MPO") and raw.image is None:
                # Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding (never
                # below the target): a 12 MP photo is not fully decoded.
                image.draft(None, stored)
            image.load()  # decoded even when passed through: refuses corrupt data
            icc_profile = image.info.get("icc_profile")
            stripped = None
            if (
                target == (width, height)
                and frames == 1
                and orientation == 1
                and _passes_through(raw, image, policy, source_format)
                and not changes_colours(icc_profile)
            ):
                stripped = strip_metadata(raw.data or b"", source_format)
            # A PNG photo is usually far smaller as JPEG: try that first.
            png_photo = (
                stripped is not None
                and source_format == "PNG"
                and policy.encoding == "auto"
                and not looks_flat(image)
            )
            if stripped is not None and not png_photo:
                data, mime_type = stripped, f"image/{source_format.lower()}"
            else:
                image = to_srgb(flatten(image), icc_profile)
                # Resized as stored, then turned upright: the turn moves the
                # smaller image (a phone photo is stored sideways).
                if image.size != stored:
                    image = resample(image, stored)
                if orientation != 1:
                    image = image.transpose(TRANSPOSE[orientation])
                data, mime_type = encode(image, policy)
                if stripped is not None and len(stripped) <= len(data):
                    data, mime_type = stripped, f"image/{source_format.lower()}"
            passed_through = data is stripped
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(
            f"{raw.name} has too many pixels to decode safely (decompression bomb"
            " guard); downscale it before sending"
        ) from None
    except CORRUPT as exc:
        raise InvalidImageData(
            f"{raw.name} is truncated or corrupt ({short(exc, 60)}); re-export or"
            " re-download the image"
        ) from None
    finally:
        if opened is not None:
            opened.close()
    return PreparedImage(
        data=data,
        mime_type=mime_type,
        source_format=source_format,
        original_size=(width, height),
        sent_size=target,
        source_bytes=len(raw.data) if raw.data is not None else 0,
        frames=frames,
        orientation=orientation,
        image_tokens=image_prompt_tokens(target[0], target[1], resolution),
        passed_through=passed_through,
    )


__all__ = ["PREPARED_CACHE", "PreparedImage", "prepare_image"]
