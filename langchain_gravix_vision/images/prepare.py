"""Decode guard, orientation, flattening, per-model resize, encoding: ``PreparedImage``.

The one flow: source -> policy -> bytes (capped) -> decode guard -> orient and
flatten -> resize -> encode. ``load_image`` runs all of it; the steps before
"bytes" live in ``sources``.
"""

from __future__ import annotations

import base64
import io
import math
import struct
import warnings
from dataclasses import dataclass
from functools import cached_property

from PIL import Image, UnidentifiedImageError

from langchain_gravix_vision.errors import (
    ImageError,
    ImageTooLarge,
    InvalidImageData,
    UnsupportedImageFormat,
)
from langchain_gravix_vision.images.policy import ImagePolicy, short
from langchain_gravix_vision.images.sources import (
    ImageSource,
    RawImage,
    read_source,
    sniff_mime_type,
)
from langchain_gravix_vision.profiles import DEFAULT_RESOLUTION, ImageResolution

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF", "HEIF")
"""Formats Pillow may open (no EPS/PDF/PSD etc.: smaller attack surface).

JPEG includes MPO (multi-picture JPEG from phones); HEIF needs ``pillow_heif``.
"""

_FORMAT_MIMES: dict[str, frozenset[str]] = {
    "JPEG": frozenset({"image/jpeg"}),
    "MPO": frozenset({"image/jpeg", "image/mpo"}),
    "PNG": frozenset({"image/png", "image/apng"}),
    "GIF": frozenset({"image/gif"}),
    "WEBP": frozenset({"image/webp"}),
    "BMP": frozenset({"image/bmp", "image/x-bmp", "image/x-ms-bmp"}),
    "TIFF": frozenset({"image/tiff", "image/tiff-fx"}),
    "AVIF": frozenset({"image/avif"}),
    "HEIF": frozenset({"image/heic", "image/heif", "image/heic-sequence"}),
}
_MIME_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/tif": "image/tiff",
    "image/x-tiff": "image/tiff",
}
_GENERIC_MIMES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "image/*", "image"}
)
# Same table as PIL.ImageOps.exif_transpose.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112
# TypeError/KeyError: Pillow's TIFF plugin raises them for bogus IFD pointers
# and float strip offsets.
_CORRUPT = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
)
_heif_registered = False


@dataclass(frozen=True, repr=False)
class PreparedImage:
    r"""An image ready to send: re-encoded bytes plus what was done to them.

    Attributes:
        data: The encoded image (JPEG or PNG).
        mime_type: ``"image/jpeg"`` or ``"image/png"``.
        source_format: Format sniffed from the source bytes (``"JPEG"``,
            ``"PNG"``, ``"WEBP"``, ...; ``"PIL"`` for in-memory images).
        original_size: ``(width, height)`` of the source after EXIF orientation.
        sent_size: ``(width, height)`` of ``data``.
        source_bytes: Size of the source bytes (0 for in-memory PIL images).
        frames: Frames or pages in the source; only frame 0 is sent.

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


# --------------------------------------------------------------------------
# Target size


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
        >>> from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
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


# --------------------------------------------------------------------------
# Decode guard


def _looks_like_text(data: bytes) -> bool:
    head = data[:512]
    return bool(head) and all(b in b"\t\n\r\x0c" or 32 <= b < 127 for b in head)


def _register_heif() -> bool:
    """Register the optional ``pillow_heif`` opener once; return if available."""
    global _heif_registered
    if not _heif_registered:
        try:
            import pillow_heif
        except ImportError:
            return False
        pillow_heif.register_heif_opener()
        _heif_registered = True
    return True


def _unsupported(raw: RawImage, data: bytes) -> UnsupportedImageFormat:
    sniffed = sniff_mime_type(data)
    if sniffed == "image/heic":
        return UnsupportedImageFormat(
            f"{raw.name} is a HEIF/HEIC image; install the optional plugin with"
            " `pip install 'langchain-gravix-vision[heif]'` or convert it to JPEG"
        )
    if sniffed == "image/avif":
        return UnsupportedImageFormat(
            f"{raw.name} is an AVIF image this Pillow build cannot read; convert it"
            " to JPEG or PNG"
        )
    hint = " (it looks like text or HTML)" if _looks_like_text(data) else ""
    return UnsupportedImageFormat(
        f"{raw.name} is not a supported image{hint}; send JPEG, PNG, WebP, GIF,"
        " BMP, TIFF or AVIF (HEIF with the [heif] extra)"
    )


def _check_mime(raw: RawImage, fmt: str) -> None:
    if raw.declared_mime is None:
        return
    declared = raw.declared_mime.split(";", 1)[0].strip().lower()
    declared = _MIME_ALIASES.get(declared, declared)
    if declared in _GENERIC_MIMES or declared in _FORMAT_MIMES.get(fmt, frozenset()):
        return
    raise InvalidImageData(
        f"{raw.name} is declared as {short(declared, 40)!r} but the data is {fmt};"
        " fix the MIME type or leave it out"
    )


def _decode_formats() -> list[str]:
    """The allowed formats this Pillow has openers for (HEIF once registered)."""
    Image.init()
    return [name for name in ALLOWED_FORMATS if name in Image.OPEN]


def _open(raw: RawImage, policy: ImagePolicy) -> Image.Image:
    """Open the header only (pixels not decoded) and apply the pixel cap."""
    if raw.image is not None:
        image = raw.image
    else:
        data = raw.data or b""
        if not data:
            raise InvalidImageData(f"{raw.name} is empty (0 bytes); pass an image file")
        try:
            image = Image.open(io.BytesIO(data), formats=_decode_formats())
        except UnidentifiedImageError:
            is_heif = sniff_mime_type(data) == "image/heic"
            if not (is_heif and _register_heif()):
                raise _unsupported(raw, data) from None
            try:
                image = Image.open(io.BytesIO(data), formats=_decode_formats())
            except UnidentifiedImageError:
                raise _unsupported(raw, data) from None
        _check_mime(raw, image.format or "")
    width, height = image.size
    if width < 1 or height < 1:
        raise InvalidImageData(f"{raw.name} has no pixels ({width}x{height})")
    if width * height > policy.max_source_pixels:
        raise ImageTooLarge(
            f"{raw.name} is {width}x{height} ({width * height / 1e6:.1f} MP); the"
            f" limit is {policy.max_source_pixels / 1e6:.1f} MP"
            " (ImagePolicy.max_source_pixels). Downscale it before sending."
        )
    return image


def _first_frame(image: Image.Image) -> tuple[Image.Image, int]:
    """Return frame 0 (animated GIF/WebP, multi-page TIFF) and the frame count."""
    try:
        frames = max(1, int(getattr(image, "n_frames", 1)))
    except _CORRUPT:
        frames = 1
    if frames > 1 and image.tell() != 0:
        position = image.tell()
        image.seek(0)
        frame = image.copy()
        image.seek(position)
        return frame, frames
    return image, frames


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except _CORRUPT:
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


# --------------------------------------------------------------------------
# Flatten and encode


def _to_8bit(image: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float grayscale to 8-bit ``L``."""
    if image.mode.startswith("I;16"):
        image, scale = image.convert("I"), 1 / 256
    else:
        extrema = image.getextrema()
        high = float(extrema[1]) if isinstance(extrema[1], (int, float)) else 255.0
        if image.mode == "F" and high <= 1.0:
            scale = 255.0
        elif high > 255:
            scale = 1 / 256
        else:
            scale = 1.0
    return image.point(lambda value: value * scale).convert("L")


def flatten(image: Image.Image) -> Image.Image:
    """Return an RGB image; transparency is composited on white.

    Handles palette (with transparency), grayscale, 1-bit, 16-bit, float,
    CMYK and alpha modes.

    Example:
        >>> flatten(Image.new("RGBA", (1, 1), (0, 0, 0, 0))).getpixel((0, 0))
        (255, 255, 255)
    """
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        image = _to_8bit(image)
    elif image.mode == "1":
        image = image.convert("L")
    alpha_modes = ("RGBA", "LA", "La", "RGBa", "PA")
    has_alpha = image.mode in alpha_modes or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def looks_flat(image: Image.Image) -> bool:
    """Guess whether an image is flat graphics (chart, text, UI), not a photo.

    On a nearest-neighbour sample of at most 256 x 256 pixels, flat graphics
    have at most 4096 colours and their 16 most common colours cover at least
    70 % of the pixels. (A colour count alone misreads grayscale photos, which
    never have more than 256 colours.)

    Example:
        >>> looks_flat(Image.new("RGB", (300, 200), "white"))
        True
        >>> looks_flat(Image.effect_noise((300, 200), 40).convert("RGB"))
        False
    """
    sample = image
    if image.width * image.height > 256 * 256:
        sample = image.copy()
        sample.thumbnail((256, 256), Image.Resampling.NEAREST)
    colours = sample.getcolors(maxcolors=4096)
    if colours is None:
        return False
    counts = sorted((count for count, _ in colours), reverse=True)
    return sum(counts[:16]) >= 0.7 * sample.width * sample.height


def _encode(image: Image.Image, policy: ImagePolicy) -> tuple[bytes, str]:
    encoding = policy.encoding
    if encoding == "auto":
        encoding = "png" if looks_flat(image) else "jpeg"
    buffer = io.BytesIO()
    if encoding == "png":
        image.save(buffer, "PNG", compress_level=6)
        return buffer.getvalue(), "image/png"
    image.save(buffer, "JPEG", quality=policy.jpeg_quality)
    return buffer.getvalue(), "image/jpeg"


# --------------------------------------------------------------------------
# The pipeline


def prepare_image(
    raw: RawImage,
    *,
    policy: ImagePolicy,
    resolution: ImageResolution | None = None,
) -> PreparedImage:
    """Decode (guarded), orient, flatten, resize and encode one read source.

    Example:
        >>> from langchain_gravix_vision.images.sources import RawImage
        >>> prepare_image(RawImage("x", image=Image.new("RGB", (2000, 1000))),
        ...               policy=ImagePolicy()).sent_size
        (1536, 768)
    """
    if resolution is None:
        resolution = (
            {"strategy": "fit", "max_side": policy.max_side_unknown}
            if policy.max_side_unknown
            else DEFAULT_RESOLUTION
        )
    opened = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _open(raw, policy)
            opened = image if raw.image is None else None
            image, frames = _first_frame(image)
            source_format = image.format or ("PIL" if raw.image is not None else "?")
            orientation = _orientation(image)
            width, height = image.size
            if orientation >= 5:
                width, height = height, width
            target = (width, height)
            if policy.resize:
                target = target_size(width, height, resolution, upscale=policy.upscale)
            if source_format in ("JPEG", "MPO") and raw.image is None:
                # Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding (never
                # below the target): a 12 MP photo is not fully decoded.
                request = target if orientation < 5 else (target[1], target[0])
                image.draft(None, request)
            image.load()
            if orientation != 1:
                image = image.transpose(_TRANSPOSE[orientation])
            image = flatten(image)
            if image.size != target:
                image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
            data, mime_type = _encode(image, policy)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(
            f"{raw.name} has too many pixels to decode safely (decompression bomb"
            " guard); downscale it before sending"
        ) from None
    except _CORRUPT as exc:
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
    )


def load_image(
    source: ImageSource,
    *,
    policy: ImagePolicy | None = None,
    resolution: ImageResolution | None = None,
) -> PreparedImage:
    """Load any image source and prepare it for a vision model.

    ``source`` may be a path (``str`` or ``os.PathLike``), an ``http(s)://``
    URL (fetched SSRF-safely unless ``url_mode="deny"``), a
    ``data:image/...;base64,`` URL, ``bytes``/``bytearray``/``memoryview``, a
    binary file object, a ``PIL.Image.Image`` or a LangChain image content
    block (whose URL must be http(s) or data, never a local path). The format
    is sniffed from the bytes. Only frame 0 of animated or multi-page images is
    used (``frames`` records how many there were). ``resolution=None`` uses
    ``DEFAULT_RESOLUTION`` (or ``policy.max_side_unknown`` when set). Sync
    only: async code can call ``await asyncio.to_thread(load_image, ...)``.

    Raises:
        ImageSourceNotAllowed: The policy refuses the path, scheme or host.
        ImageTooLarge: A byte or pixel limit is exceeded.
        UnsupportedImageFormat: The bytes are not a supported image.
        InvalidImageData: Empty, truncated, bad base64 or a MIME type that lies.
        ImageFetchError: A download failed (status, timeout, redirects).

    Example:
        >>> import io
        >>> from PIL import Image
        >>> buffer = io.BytesIO()
        >>> Image.new("RGB", (4032, 3024), "navy").save(buffer, "JPEG")
        >>> from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
        >>> image = load_image(buffer.getvalue(), resolution=QWEN25VL_RESOLUTION)
        >>> image.sent_size, image.mime_type
        ((1652, 1232), 'image/png')
    """
    policy = policy or ImagePolicy()
    raw = read_source(source, policy)
    return prepare_image(raw, policy=policy, resolution=resolution)


__all__ = [
    "ALLOWED_FORMATS",
    "PreparedImage",
    "flatten",
    "load_image",
    "looks_flat",
    "prepare_image",
    "target_size",
]
