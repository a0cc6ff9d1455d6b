"""Flatten to 8-bit RGB on white and encode as JPEG (photos) or PNG (flat graphics)."""

from __future__ import annotations

import io

from PIL import Image

try:  # Pillow built without littlecms has no ImageCms: profiles are then dropped
    from PIL import ImageCms
except ImportError:  # pragma: no cover
    ImageCms = None  # type: ignore[assignment]

from langchain_gravix_vision.images._policy import ImagePolicy


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
        scale = 256 / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        sample = image.resize(size, Image.Resampling.NEAREST)
    colours = sample.getcolors(maxcolors=4096)
    if colours is None:
        return False
    counts = sorted((count for count, _ in colours), reverse=True)
    return sum(counts[:16]) >= 0.7 * sample.width * sample.height


def _icc_source(mode: str, icc_profile: object) -> ImageCms.ImageCmsProfile | None:
    """The profile to convert from, or ``None`` when the pixels stay as they are."""
    if not isinstance(icc_profile, bytes) or not 0 < len(icc_profile) <= 1 << 20:
        return None
    if mode != "RGB" or ImageCms is None:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if source.profile.xcolor_space.strip() != "RGB":
            return None
        if "srgb" in (source.profile.profile_description or "").lower():
            return None
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    return source


def changes_colours(icc_profile: object) -> bool:
    """Whether ``to_srgb`` would convert a flattened (RGB) image with this profile.

    Example:
        >>> changes_colours(None), changes_colours(b"not a profile")
        (False, False)
    """
    return _icc_source("RGB", icc_profile) is not None


def to_srgb(image: Image.Image, icc_profile: object) -> Image.Image:
    """Apply an RGB image's embedded ICC profile, giving sRGB pixels.

    The profile changes what the pixels mean, so it is applied before all
    metadata is dropped. A profile that is absent, not RGB, already sRGB, over
    1 MiB or unreadable leaves the pixels as they are.

    Example:
        >>> to_srgb(Image.new("RGB", (1, 1), "red"), None).getpixel((0, 0))
        (255, 0, 0)
    """
    source = _icc_source(image.mode, icc_profile)
    if source is None:
        return image
    try:
        converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _exact_palette(image: Image.Image) -> Image.Image:
    """An RGB image of at most 256 colours as a palette image, pixel for pixel.

    Anything else (more colours, other modes, a quantizer that would change a
    pixel) is returned as it is.
    """
    if image.mode != "RGB":
        return image
    colours = image.getcolors(maxcolors=256)
    if colours is None:
        return image
    palette = image.quantize(
        colors=len(colours),
        method=Image.Quantize.MAXCOVERAGE,
        dither=Image.Dither.NONE,
    )
    return palette if palette.convert("RGB").tobytes() == image.tobytes() else image


def encode(image: Image.Image, policy: ImagePolicy) -> tuple[bytes, str]:
    r"""Encode as PNG (flat graphics) or JPEG (photos), with no metadata at all.

    PNG is optimized and written with a palette when the image has at most 256
    colours (lossless either way); JPEG uses optimized Huffman tables (smaller,
    same pixels). No ICC profile, EXIF, XMP or text chunk is written: what
    changes pixels (orientation, ICC) was applied before, and the rest only
    costs bytes.

    Example:
        >>> data, mime = encode(Image.new("RGB", (8, 8), "white"), ImagePolicy())
        >>> mime, data[:4]
        ('image/png', b'\x89PNG')
    """
    encoding = policy.encoding
    if encoding == "auto":
        encoding = "png" if looks_flat(image) else "jpeg"
    buffer = io.BytesIO()
    if encoding == "png":
        _exact_palette(image).save(buffer, "PNG", optimize=True, icc_profile=None)
        return buffer.getvalue(), "image/png"
    image.save(
        buffer, "JPEG", quality=policy.jpeg_quality, optimize=True, icc_profile=None
    )
    return buffer.getvalue(), "image/jpeg"


__all__ = ["changes_colours", "encode", "flatten", "looks_flat", "to_srgb"]
