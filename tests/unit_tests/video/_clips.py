"""Videos the tests make themselves: each frame shows its own index.

Frame ``i`` shows ``i`` in binary as ``BITS`` black or white blocks across
its middle band (``frame_index`` reads it back from a sent frame), with a red
top quarter and a white bottom band, so a test can tell a sampled frame's time
(``i / fps``) from its pixels and check that it is upright.
"""

from __future__ import annotations

import io

import av
import numpy as np

BITS = 12
"""Blocks in the middle band: frame indices up to 4095."""


def frame_array(index: int, width: int, height: int) -> np.ndarray:
    """Frame ``index``: red top quarter, its index in binary, white bottom band."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame[: height // 4] = (255, 0, 0)
    block = width // BITS
    for bit in range(BITS):
        if index >> bit & 1:
            frame[height // 4 : 3 * height // 4, bit * block : (bit + 1) * block] = 255
    frame[7 * height // 8 :] = (255, 255, 255)
    return frame


def make_clip(
    seconds: float = 4.0,
    *,
    fps: int = 30,
    size: tuple[int, int] = (320, 240),
    container: str = "mp4",
    codec: str = "libx264",
    gop: int | None = None,
    rotation: int | None = None,
) -> bytes:
    """Encode a clip whose frame colours encode their times."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        options = {"g": str(gop)} if gop else {}
        if codec == "libx264":
            options.update({"preset": "ultrafast", "crf": "18"})
        stream = out.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i in range(round(seconds * fps)):
            array = frame_array(i, *size)
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


def frame_index(image_rgb: np.ndarray) -> int:
    """The index a sent frame shows (read at each block's centre)."""
    height, width = image_rgb.shape[:2]
    row = image_rgb[height // 2]
    block = width / BITS
    bits = [row[int((b + 0.5) * block), 1] > 127 for b in range(BITS)]
    return sum(1 << b for b, on in enumerate(bits) if on)


def is_upright(image_rgb: np.ndarray) -> bool:
    """Red at the top, white at the bottom, as the frames were drawn."""
    top = image_rgb[image_rgb.shape[0] // 16].mean(axis=0)
    bottom = image_rgb[-2].mean(axis=0)
    return bool(top[0] > 200 > top[1] + 100 and bottom.min() > 200)


__all__ = ["BITS", "frame_array", "frame_index", "is_upright", "make_clip"]
