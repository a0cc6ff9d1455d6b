"""The decode guard: allowed formats, MIME check, header-only open and pixel cap.

Also the two header facts read before decoding: frame count and EXIF
orientation. Pixels are only decoded later, after every cap has passed.
"""

from __future__ import annotations

import struct

from PIL import Image, UnidentifiedImageError

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import (
    ImageTooLarge,
    InvalidImageData,
    UnsupportedImageFormat,
)
from langchain_gravix_vision.images._frames import FRAME_COUNT_LIMIT, count_frames
from langchain_gravix_vision.images._policy import ImagePolicy
from langchain_gravix_vision.images._raw import RawImage, sniff_mime_type
from langchain_gravix_vision.images._worker import GuardedReader

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
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112
_TILE_WIDTH, _TILE_LENGTH = 322, 323
_DECODE_BLOCK = 2048
# TypeError/KeyError: Pillow's TIFF plugin raises them for bogus IFD pointers
# and float strip offsets.
CORRUPT = (
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


def _open_bytes(raw: RawImage, data: bytes, policy: ImagePolicy) -> Image.Image:
    """Open the header; later reads (the decode) are bounded by ``GuardedReader``."""
    for attempt in range(2):
        reader = GuardedReader(data, raw.name, policy.decode_timeout)
        try:
            image = Image.open(reader, formats=_decode_formats())
        except UnidentifiedImageError:
            is_heif = sniff_mime_type(data) == "image/heic"
            if attempt or not (is_heif and _register_heif()):
                raise _unsupported(raw, data) from None
            continue
        # Small reads: the deadline and cancellation are checked between them
        # (a few repeated JPEG scans fit in 2 KiB).
        image.decodermaxblock = _DECODE_BLOCK
        return image
    raise _unsupported(raw, data)


def _check_decode_work(
    raw: RawImage, data: bytes, image: Image.Image, policy: ImagePolicy
) -> None:
    """Refuse files whose decode costs far more than their pixel count says.

    A progressive JPEG may repeat scans (each one a full pass over the
    coefficients), and a tiled TIFF may declare tiles far larger than the
    image (each decoded in full).
    """
    if image.format in ("JPEG", "MPO"):
        scans = data.count(b"\xff\xda")  # SOS; 0xFF is byte-stuffed elsewhere
        if scans > policy.max_jpeg_scans:
            raise ImageTooLarge(
                f"{raw.name} has {scans:,} JPEG scans; the limit is"
                f" {policy.max_jpeg_scans:,} (ImagePolicy.max_jpeg_scans)."
                " Re-encode it as a baseline JPEG."
            )
    tags = getattr(image, "tag_v2", None)
    if image.format == "TIFF" and tags is not None:
        tile = (tags.get(_TILE_WIDTH), tags.get(_TILE_LENGTH))
        if tile != (None, None):
            width, height = image.size
            area = _as_int(tile[0]) * _as_int(tile[1])
            if area > min(max(4 * width * height, 1 << 20), policy.max_source_pixels):
                raise ImageTooLarge(
                    f"{raw.name} declares {_as_int(tile[0])}x{_as_int(tile[1])}"
                    f" TIFF tiles for a {width}x{height} image; re-save it untiled"
                )


def _as_int(value: object) -> int:
    if isinstance(value, int) and value >= 0:
        return value
    raise InvalidImageData("the TIFF tile size is not a whole number")


def open_guarded(raw: RawImage, policy: ImagePolicy) -> Image.Image:
    """Open the header only (pixels not decoded) and apply the pixel caps.

    The pixel cap reads the header's size; JPEG scan and TIFF tile counts
    bound the decode work; the decode itself is bounded in time and stops when
    its caller is cancelled (``GuardedReader``).
    """
    if raw.image is not None:
        image = raw.image
    else:
        data = raw.data or b""
        if not data:
            raise InvalidImageData(f"{raw.name} is empty (0 bytes); pass an image file")
        image = _open_bytes(raw, data, policy)
        _check_mime(raw, image.format or "")
        _check_decode_work(raw, data, image, policy)
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


def first_frame(
    image: Image.Image, data: bytes | None = None
) -> tuple[Image.Image, int]:
    """Return frame 0 (animated GIF/WebP, multi-page TIFF) and the frame count.

    The count stops at ``FRAME_COUNT_LIMIT`` (``_frames.count_frames``);
    ``data`` are the image's bytes, when known (a GIF's frames are counted
    from them).
    """
    try:
        frames = count_frames(image, data)
    except CORRUPT:
        frames = 1
    if frames > 1 and image.tell() != 0:
        position = image.tell()
        image.seek(0)
        frame = image.copy()
        image.seek(position)
        return frame, frames
    return image, frames


def exif_orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except CORRUPT:
        return 1
    return value if isinstance(value, int) and value in TRANSPOSE else 1


__all__ = [
    "ALLOWED_FORMATS",
    "CORRUPT",
    "FRAME_COUNT_LIMIT",
    "TRANSPOSE",
    "exif_orientation",
    "first_frame",
    "open_guarded",
]
