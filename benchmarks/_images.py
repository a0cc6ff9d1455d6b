"""Benchmark inputs and server-side arithmetic: phone photos, smart_resize, tokens.

The 12 MP "phone photos" are made by upscaling the CC0 / public-domain photos
shipped in ``tests/data/photos`` (see its ATTRIBUTION.md) to phone resolution
and saving them as a phone camera would: JPEG quality 92, 4:2:0 chroma, and
one portrait shot stored landscape with EXIF Orientation 6.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path

from PIL import Image, ImageChops, ImageOps

from benchmarks._common import ROOT

DATA = ROOT / "tests" / "data"
PHONE_JPEG_QUALITY = 92
GRAIN_SIGMA = 4.0
ORIENTATION_TAG = 0x0112
# (file, portrait?): the rocket launch is cropped and stored like a phone's
# portrait shot (landscape pixels, EXIF Orientation 6 = rotate 90 deg clockwise).
PHOTO_SOURCES = (("chelsea.png", False), ("coffee.png", False), ("rocket.jpg", True))
_MIMES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}

# Ollama's qwen25vl image processor (model/models/qwen25vl/process_image.go):
# factor = patch 14 x merge 2, min 56*56 pixels, max 2<<20 pixels.
QWEN_FACTOR = 28
QWEN_MIN_PIXELS = 56 * 56
QWEN_MAX_PIXELS = 2 << 20


def make_phone_photos(
    dest: Path, size: tuple[int, int], *, grain: bool = False
) -> list[Path]:
    """Write one upscaled JPEG per shipped photo into ``dest``; return the paths.

    ``size`` is the landscape ``(width, height)``; the portrait photo is
    ``size`` reversed on screen but stored as ``size`` with Orientation 6.
    ``grain`` adds Gaussian noise (sigma 4 per channel), a crude stand-in for
    the sensor noise and sharpening a real phone photo carries.
    """
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, portrait in PHOTO_SOURCES:
        suffix = "_grain" if grain else ""
        path = dest / f"{Path(name).stem}_{size[0]}x{size[1]}{suffix}.jpg"
        paths.append(path)
        if path.exists():  # made earlier in this run
            continue
        with Image.open(DATA / "photos" / name) as src:
            rgb = src.convert("RGB")
        shown = (size[1], size[0]) if portrait else size
        image = ImageOps.fit(rgb, shown, Image.Resampling.LANCZOS)
        if grain:
            image = _add_grain(image)
        exif = Image.Exif()
        if portrait:
            # Stored sideways; a viewer (and load_image) rotates it back.
            image = image.transpose(Image.Transpose.ROTATE_90)
            exif[ORIENTATION_TAG] = 6
        image.save(path, "JPEG", quality=PHONE_JPEG_QUALITY, exif=exif.tobytes())
    return paths


def _add_grain(image: Image.Image) -> Image.Image:
    bands = [Image.effect_noise(image.size, GRAIN_SIGMA) for _ in range(3)]
    noise = Image.merge("RGB", bands)  # mean 128 per channel
    return ImageChops.add(image, noise, scale=1.0, offset=-128)


def document_images() -> dict[str, list[Path]]:
    """The shipped charts and text images, by set name."""
    return {
        "charts": sorted((DATA / "charts").glob("*.png")),
        "documents": sorted(
            p for p in (DATA / "text").iterdir() if p.suffix in (".png", ".jpg")
        ),
    }


def naive_data_url(path: Path) -> str:
    """What Gravix's docs show: the original file as a base64 data URL."""
    mime = _MIMES.get(path.suffix.lower(), "image/jpeg")
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()


def displayed_size(path: Path) -> tuple[int, int]:
    """``(width, height)`` after EXIF orientation, as a viewer shows the file."""
    with Image.open(path) as image:
        width, height = image.size
        orientation = image.getexif().get(ORIENTATION_TAG, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def server_smart_resize(width: int, height: int) -> tuple[int, int]:
    """The size Ollama's qwen25vl processor resizes an upload to.

    Sides are rounded half-to-even to multiples of 28; if that exceeds the
    2<<20 pixel budget both sides are scaled by ``sqrt(pixels / budget)`` and
    floored to the grid; below 56*56 pixels they are scaled up and ceiled.

    Example:
        >>> server_smart_resize(4032, 3024), server_smart_resize(640, 480)
        ((1652, 1232), (644, 476))
    """
    factor = QWEN_FACTOR
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > QWEN_MAX_PIXELS:
        beta = math.sqrt(height * width / QWEN_MAX_PIXELS)
        h_bar = math.floor(height / beta / factor) * factor
        w_bar = math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < QWEN_MIN_PIXELS:
        beta = math.sqrt(QWEN_MIN_PIXELS / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return w_bar, h_bar


def qwen_image_tokens(width: int, height: int) -> int:
    """Image tokens Qwen2.5-VL spends on an image the server resized to ``w x h``.

    14-px patches merged 2x2: one token per 28 x 28 block.
    """
    return (width // QWEN_FACTOR) * (height // QWEN_FACTOR)
