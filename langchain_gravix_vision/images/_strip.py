"""Lossless metadata stripping for images sent as they are (no re-encode).

Only what is needed to decode the pixels is kept: PNG ``IHDR``, ``PLTE``,
``IDAT`` and ``IEND``; JPEG everything but ``APP1``-``APP13``, ``APP15`` and
comments (``APP0`` JFIF and ``APP14`` Adobe stay: they say how to read the
colour channels). EXIF, XMP, ICC, IPTC, text chunks and anything after the end
marker are dropped, so a pass-through upload carries no more metadata than a
re-encoded one. A stream that does not parse cleanly returns ``None`` (the
caller re-encodes instead).
"""

from __future__ import annotations

import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
# Markers that carry metadata only: APP1..APP13, APP15 and COM.
_JPEG_DROP = {*range(0xE1, 0xEE), 0xEF, 0xFE}
# Markers without a length field.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def strip_png(data: bytes) -> bytes | None:
    r"""Keep only the chunks that decode the pixels; ``None`` if malformed.

    Example:
        >>> import io
        >>> from PIL import Image, PngImagePlugin
        >>> info = PngImagePlugin.PngInfo()
        >>> info.add_text("Author", "someone")
        >>> buffer = io.BytesIO()
        >>> Image.new("RGB", (2, 2)).save(buffer, "PNG", pnginfo=info)
        >>> stripped = strip_png(buffer.getvalue())
        >>> b"Author" in buffer.getvalue(), b"Author" in stripped
        (True, False)
    """
    if not data.startswith(PNG_SIGNATURE):
        return None
    out = [PNG_SIGNATURE]
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return None
        if kind in _PNG_KEEP:
            out.append(data[position:end])
        position = end
        if kind == b"IEND":
            return b"".join(out)
    return None


def _entropy_end(data: bytes, position: int) -> int:
    """Index of the next marker after entropy-coded data starting at ``position``."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            return -1
        following = data[position + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position += 1 if following == 0xFF else 2
            continue
        return position


def strip_jpeg(data: bytes) -> bytes | None:
    r"""Drop metadata segments and trailing bytes; ``None`` if malformed.

    Example:
        >>> import io
        >>> from PIL import Image
        >>> buffer = io.BytesIO()
        >>> exif = Image.Exif()
        >>> exif[0x010F] = "PhoneMaker"
        >>> Image.new("RGB", (8, 8)).save(buffer, "JPEG", exif=exif)
        >>> stripped = strip_jpeg(buffer.getvalue() + b"trailing")
        >>> b"PhoneMaker" in stripped, stripped.endswith(b"\xff\xd9")
        (False, True)
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    out = [b"\xff\xd8"]
    position = 2
    while position + 1 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # end of image: nothing after it is kept
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker in _JPEG_STANDALONE:
            out.append(data[position : position + 2])
            position += 2
            continue
        if position + 4 > len(data):
            return None
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            return None
        if marker == 0xDA:  # start of scan: header, then entropy-coded data
            scan_end = _entropy_end(data, end)
            if scan_end < 0:
                return None
            out.append(data[position:scan_end])
            position = scan_end
            continue
        if marker not in _JPEG_DROP:
            out.append(data[position:end])
        position = end
    return None


def strip_metadata(data: bytes, source_format: str) -> bytes | None:
    """``strip_png`` or ``strip_jpeg`` by format; ``None`` for other formats."""
    if source_format == "PNG":
        return strip_png(data)
    if source_format == "JPEG":
        return strip_jpeg(data)
    return None


__all__ = ["strip_jpeg", "strip_metadata", "strip_png"]
