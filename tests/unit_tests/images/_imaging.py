"""Test image builders: small images in every mode and format, generated with Pillow."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

PHOTOS = Path(__file__).resolve().parents[2] / "data" / "photos"


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (64, 48), color: str = "red") -> bytes:
    return encode(Image.new("RGB", size, color), "PNG")


def jpeg_with_orientation(
    size: tuple[int, int], orientation: int, *, split: bool = True
) -> bytes:
    """A JPEG stored ``size`` wide/high: left half red, right half blue."""
    image = Image.new("RGB", size, "blue")
    if split:
        image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(image, "JPEG", exif=exif, quality=95)


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` (1-bit gray), almost no data.

    Opening it reads only the header; decoding would need the full image.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def animated_gif(colors: tuple[str, ...] = ("red", "lime", "blue")) -> bytes:
    frames = [Image.new("RGB", (40, 30), c) for c in colors]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], loop=0)


def multipage_tiff(colors: tuple[str, ...] = ("red", "blue")) -> bytes:
    pages = [Image.new("RGB", (40, 30), c) for c in colors]
    return encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])


def flat_chart_png() -> bytes:
    """A real matplotlib bar chart (flat colours, text, axes)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.bar(["Q1", "Q2", "Q3", "Q4"], [12, 19, 7, 15], color="tab:blue")
    ax.set_title("Revenue by quarter")
    ax.set_ylabel("EUR m")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
