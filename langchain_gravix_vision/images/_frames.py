"""Frame and page counts, bounded: only frame 0 is ever sent, so counting stops.

Pillow counts GIF frames by parsing every one (a 15 MB GIF of 10^6 frames took
8.5 s) and TIFF pages by parsing every directory. Here a GIF's blocks are
walked in the raw bytes and TIFF pages are sought, each only up to
``FRAME_COUNT_LIMIT``; formats whose header states the count (animated WebP,
APNG, MPO) report it capped at the same limit.

Example:
    >>> gif_frames(b"GIF89a" + bytes(7) + b";", 256)
    0
"""

from __future__ import annotations

from PIL import Image

FRAME_COUNT_LIMIT = 256
"""Frames or pages are counted up to this many (``PreparedImage.frames``)."""


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    return pos


def gif_frames(data: bytes, limit: int) -> int:
    """Image descriptors in a GIF, walking its blocks, stopping at ``limit``."""
    if len(data) < 13:
        return 0
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    count = 0
    while pos < len(data) and count < limit:
        block = data[pos]
        if block == 0x2C:  # image descriptor, then its LZW data
            count += 1
            local = data[pos + 9] if pos + 9 < len(data) else 0
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            pos = _skip_sub_blocks(data, pos + 1)  # LZW minimum code size first
        elif block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        else:  # 0x3B trailer, or garbage: Pillow stops there too
            break
    return count


def _sought(image: Image.Image, limit: int) -> int:
    """Frames found by seeking, up to ``limit``; the position is kept."""
    position, count = image.tell(), 1
    try:
        while count < limit:
            image.seek(count)
            count += 1
    except EOFError:
        pass
    finally:
        image.seek(position)
    return count


def count_frames(image: Image.Image, data: bytes | None) -> int:
    """Frames or pages of ``image`` (``data``: its bytes), at most the limit."""
    limit = FRAME_COUNT_LIMIT
    if image.format == "GIF" and data is not None:
        return max(1, gif_frames(data, limit))
    if image.format in ("TIFF", "GIF"):  # a GIF opened by the caller: no bytes
        return _sought(image, limit) if getattr(image, "is_animated", False) else 1
    return min(limit, max(1, int(getattr(image, "n_frames", 1))))


__all__ = ["FRAME_COUNT_LIMIT", "count_frames", "gif_frames"]
