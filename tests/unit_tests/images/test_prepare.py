"""Decode guard, formats and modes, orientation, flattening, resize, encoding."""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, JpegImagePlugin

from langchain_gravix_vision.errors import (
    ImageTooLarge,
    InvalidImageData,
    UnsupportedImageFormat,
)
from langchain_gravix_vision.images import ImagePolicy, PreparedImage, target_size
from langchain_gravix_vision.images._encode import looks_flat
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.profiles import (
    DEFAULT_RESOLUTION,
    GEMMA3_RESOLUTION,
    QWEN25VL_RESOLUTION,
)

from ._imaging import (
    PHOTOS,
    animated_gif,
    encode,
    flat_chart_png,
    jpeg_with_orientation,
    multipage_tiff,
    png_bytes,
    png_header_only,
)

PNG_OUT = ImagePolicy(encoding="png")  # lossless output for exact pixel checks
QWEN_MAX = QWEN25VL_RESOLUTION["max_pixels"]


def decoded(image: PreparedImage) -> Image.Image:
    """The sent image's pixels; palette PNGs (an exact, smaller encoding) as RGB."""
    result = Image.open(io.BytesIO(image.data))
    result.load()
    if result.mode == "P":
        assert "transparency" not in result.info
        converted = result.convert("RGB")
        converted.format = result.format
        return converted
    return result


# --------------------------------------------------------------------------
# Orientation


def test_exif_orientation_6_transposes_the_size() -> None:
    image = load_image(jpeg_with_orientation((400, 200), 6))
    assert image.original_size == (200, 400)
    assert image.sent_size == (200, 400)
    assert decoded(image).size == (200, 400)


def test_orientation_is_applied_before_resizing() -> None:
    data = jpeg_with_orientation((4000, 2000), 6)
    image = load_image(data, resolution=GEMMA3_RESOLUTION, policy=PNG_OUT)
    assert image.original_size == (2000, 4000)
    assert image.sent_size == (448, 896)
    # Stored left half red; orientation 6 means "rotate 90 degrees clockwise
    # to display", so red ends up on top.
    pixels = decoded(image).convert("RGB")
    top, bottom = pixels.getpixel((224, 100)), pixels.getpixel((224, 800))
    assert isinstance(top, tuple)
    assert isinstance(bottom, tuple)
    assert top[0] > 200
    assert top[2] < 60
    assert bottom[2] > 200
    assert bottom[0] < 60


# --------------------------------------------------------------------------
# Modes: alpha, palette, CMYK, 16-bit, gray


def test_rgba_transparency_becomes_white() -> None:
    rgba = Image.new("RGBA", (20, 10), (255, 0, 0, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 10, 10))  # left half fully transparent black
    for policy in (PNG_OUT, ImagePolicy()):
        out = decoded(load_image(encode(rgba, "PNG"), policy=policy)).convert("RGB")
        assert out.getpixel((2, 5)) == (255, 255, 255)
        red = out.getpixel((17, 5))
        assert isinstance(red, tuple)
        assert red[0] > 240
        assert red[1] < 20


def test_palette_png_with_transparency() -> None:
    palette_image = Image.new("P", (20, 10), 1)
    palette_image.putpalette([0, 0, 0, 0, 128, 0] + [0] * 762)
    palette_image.paste(0, (0, 0, 10, 10))
    data = encode(palette_image, "PNG", transparency=0)
    assert Image.open(io.BytesIO(data)).info.get("transparency") == 0
    out = decoded(load_image(data, policy=PNG_OUT))
    assert out.mode == "RGB"
    assert out.getpixel((2, 5)) == (255, 255, 255)
    assert out.getpixel((15, 5)) == (0, 128, 0)


def test_la_gray_with_alpha() -> None:
    image = Image.new("LA", (10, 10), (0, 0))
    out = decoded(load_image(encode(image, "PNG"), policy=PNG_OUT))
    assert out.getpixel((5, 5)) == (255, 255, 255)


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # red in CMYK
    assert Image.open(io.BytesIO(encode(cmyk, "JPEG"))).mode == "CMYK"
    image = load_image(encode(cmyk, "JPEG"), policy=PNG_OUT)
    pixel = decoded(image).getpixel((16, 16))
    assert isinstance(pixel, tuple)
    assert pixel[0] > 200
    assert pixel[1] < 60


def test_16_bit_png_is_scaled_not_clipped() -> None:
    row = [0] * 32 + [32768] * 32
    gray16 = Image.frombytes("I;16", (64, 8), struct.pack("<512H", *(row * 8)))
    data = encode(gray16, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    out = decoded(load_image(data, policy=PNG_OUT)).convert("L")
    assert out.getpixel((10, 4)) == 0
    assert out.getpixel((50, 4)) == 128  # 32768 / 256, not clipped to 255


@pytest.mark.parametrize("mode", ["1", "L", "I", "F"])
def test_gray_modes_become_rgb(mode: str) -> None:
    image = load_image(Image.new(mode, (10, 10), 1), policy=PNG_OUT)
    assert decoded(image).mode == "RGB"


# --------------------------------------------------------------------------
# Formats and frames


def test_animated_gif_uses_frame_zero() -> None:
    image = load_image(animated_gif(("red", "lime", "blue")), policy=PNG_OUT)
    assert image.frames == 3
    assert image.source_format == "GIF"
    assert decoded(image).getpixel((5, 5)) == (255, 0, 0)


def test_pil_image_positioned_on_a_later_frame_sends_frame_zero() -> None:
    gif = Image.open(io.BytesIO(animated_gif(("red", "lime", "blue"))))
    gif.seek(2)
    image = load_image(gif, policy=PNG_OUT)
    assert image.frames == 3
    assert decoded(image).getpixel((5, 5)) == (255, 0, 0)
    assert gif.tell() == 2  # the caller's image is left where it was


def test_multipage_tiff_uses_page_zero() -> None:
    image = load_image(multipage_tiff(("red", "blue")), policy=PNG_OUT)
    assert (image.frames, image.source_format) == (2, "TIFF")
    assert decoded(image).getpixel((5, 5)) == (255, 0, 0)


def test_webp_is_sniffed() -> None:
    image = load_image(encode(Image.new("RGB", (40, 30), "green"), "WEBP"))
    assert image.source_format == "WEBP"
    assert image.mime_type in ("image/png", "image/jpeg")


def test_animated_webp_records_frames() -> None:
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "blue")]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    assert load_image(data).frames == 2


def test_tiny_1x1_image() -> None:
    tiny = png_bytes((1, 1))
    for resolution in (QWEN25VL_RESOLUTION, GEMMA3_RESOLUTION, None):
        image = load_image(tiny, resolution=resolution)
        assert image.sent_size == (1, 1)
        assert decoded(image).size == (1, 1)


def test_extreme_aspect_ratio_does_not_crash() -> None:
    data = png_bytes((20000, 10))
    grid = load_image(data, resolution=QWEN25VL_RESOLUTION)
    assert grid.sent_size == (20000, 10)  # under budget, too thin to grid: as is
    fit = load_image(data, resolution=GEMMA3_RESOLUTION)
    assert fit.sent_size == (896, 1)
    up = load_image(
        data, resolution=QWEN25VL_RESOLUTION, policy=ImagePolicy(upscale=True)
    )
    width, height = up.sent_size
    assert width % 28 == 0
    assert height % 28 == 0
    assert width * height <= QWEN_MAX


def test_other_pillow_formats_are_not_accepted() -> None:
    ppm = encode(Image.new("RGB", (10, 10)), "PPM")
    with pytest.raises(UnsupportedImageFormat, match="not a supported image"):
        load_image(ppm)


def test_heif_without_plugin_names_the_extra() -> None:
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pillow_heif is installed")
    fake_heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(
        UnsupportedImageFormat, match=r"langchain-gravix-vision\[heif\]"
    ):
        load_image(fake_heic)


# --------------------------------------------------------------------------
# Decode guard


def test_decompression_bomb_header_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_load(self: Image.Image) -> None:
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(Image.Image, "load", must_not_load)
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile.ImageFile, "load", must_not_load)
    before = (Image.MAX_IMAGE_PIXELS, list(warnings.filters))
    for size in ((20000, 20000), (10000, 10000), (8000, 8000)):
        bomb = png_header_only(*size)
        assert len(bomb) < 200
        with pytest.raises(ImageTooLarge):
            load_image(bomb)
    # No global state changed: Pillow's limit and the warning filters.
    assert (Image.MAX_IMAGE_PIXELS, list(warnings.filters)) == before


def test_pixel_cap_message_names_the_setting() -> None:
    with pytest.raises(ImageTooLarge, match="max_source_pixels"):
        load_image(png_header_only(8000, 8000))
    with pytest.raises(ImageTooLarge, match="max_source_pixels"):
        load_image(png_bytes((100, 100)), policy=ImagePolicy(max_source_pixels=9999))


def test_truncated_jpeg_is_invalid() -> None:
    full = encode(Image.effect_noise((256, 256), 64).convert("RGB"), "JPEG")
    with pytest.raises(InvalidImageData, match="truncated or corrupt"):
        load_image(full[: len(full) // 2])


def test_html_bytes_are_unsupported() -> None:
    with pytest.raises(UnsupportedImageFormat, match="looks like text"):
        load_image(b"<!doctype html><html><body>not an image</body></html>")


def test_empty_data_is_invalid() -> None:
    with pytest.raises(InvalidImageData, match="empty"):
        load_image(b"")


def test_empty_and_text_files_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path
    (root / "empty.png").write_bytes(b"")
    (root / "notes.png").write_text("just some text\n")
    monkeypatch.chdir(root)
    with pytest.raises(InvalidImageData, match=r"empty\.png is empty"):
        load_image("empty.png")
    with pytest.raises(
        UnsupportedImageFormat,
        match=r"notes\.png is not a supported image \(it looks like text",
    ):
        load_image("notes.png")


# --------------------------------------------------------------------------
# Resizing


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    gradient = Image.linear_gradient("L").resize((4032, 3024))
    return encode(Image.merge("RGB", (gradient, gradient.rotate(90), gradient)), "JPEG")


def test_qwen_grid_and_pixel_budget(big_jpeg: bytes) -> None:
    image = load_image(big_jpeg, resolution=QWEN25VL_RESOLUTION)
    width, height = image.sent_size
    assert width % 28 == 0
    assert height % 28 == 0
    assert width * height <= QWEN_MAX
    assert abs((width / height) / (4032 / 3024) - 1) < 0.02
    assert decoded(image).size == (width, height)
    assert image.original_size == (4032, 3024)


def test_jpeg_draft_mode_is_used_for_big_jpegs(
    big_jpeg: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[tuple[int, int] | None, tuple[int, int]]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(
        self: JpegImagePlugin.JpegImageFile,
        mode: str | None,
        size: tuple[int, int] | None,
    ) -> object:
        result = original(self, mode, size)
        calls.append((size, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    image = load_image(big_jpeg, resolution=GEMMA3_RESOLUTION)
    assert image.sent_size == (896, 672)
    assert calls, "draft() was not called"
    requested, decoded_size = calls[0]
    assert requested == (896, 672)
    assert decoded_size == (1008, 756)  # libjpeg scaled 1/4 while decoding
    assert image.to_original_coords(896, 672) == (4032.0, 3024.0)


def test_gemma_fit_within_896(big_jpeg: bytes) -> None:
    image = load_image(big_jpeg, resolution=GEMMA3_RESOLUTION)
    assert max(image.sent_size) == 896
    assert image.sent_size == (896, 672)


def test_small_images_are_not_upscaled() -> None:
    small = png_bytes((100, 80))
    assert load_image(small, resolution=GEMMA3_RESOLUTION).sent_size == (100, 80)
    grid = load_image(small, resolution=QWEN25VL_RESOLUTION).sent_size
    assert grid == (100, 80)  # under the budget: the server only rounds it
    assert load_image(small).sent_size == (100, 80)


def test_upscale_is_allowed_when_asked() -> None:
    small = png_bytes((100, 80))
    policy = ImagePolicy(upscale=True)
    grid = load_image(small, resolution=QWEN25VL_RESOLUTION, policy=policy)
    assert grid.sent_size == (112, 84)
    fit = load_image(small, resolution=GEMMA3_RESOLUTION, policy=policy)
    assert fit.sent_size == (896, 717)


def test_resize_false_keeps_the_size(big_jpeg: bytes) -> None:
    image = load_image(big_jpeg, policy=ImagePolicy(resize=False))
    assert image.sent_size == image.original_size == (4032, 3024)


def test_default_and_unknown_model_resolution() -> None:
    data = png_bytes((3000, 1000))
    assert load_image(data).sent_size == (DEFAULT_RESOLUTION["max_side"], 512)
    capped = load_image(data, policy=ImagePolicy(max_side_unknown=600))
    assert capped.sent_size == (600, 200)
    explicit = load_image(
        data,
        resolution=GEMMA3_RESOLUTION,
        policy=ImagePolicy(max_side_unknown=600),
    )
    assert explicit.sent_size == (896, 299)


def test_unknown_strategy_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="strategy"):
        target_size(10, 10, {"strategy": "tile"})  # type: ignore[typeddict-item]


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(min_value=28, max_value=30000),
    height=st.integers(min_value=28, max_value=30000),
)
def test_grid_property_no_upscale(width: int, height: int) -> None:
    w, h = target_size(width, height, QWEN25VL_RESOLUTION)
    assert w % 28 == 0
    assert h % 28 == 0
    assert 28 <= w <= width
    assert 28 <= h <= height
    assert w * h <= QWEN_MAX


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(min_value=1, max_value=50000),
    height=st.integers(min_value=1, max_value=50000),
)
def test_grid_property_upscale(width: int, height: int) -> None:
    w, h = target_size(width, height, QWEN25VL_RESOLUTION, upscale=True)
    assert w % 28 == 0
    assert h % 28 == 0
    assert w >= 28
    assert h >= 28
    assert w * h <= QWEN_MAX


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(min_value=1, max_value=50000),
    height=st.integers(min_value=1, max_value=50000),
    max_side=st.integers(min_value=16, max_value=4096),
)
def test_fit_property(width: int, height: int, max_side: int) -> None:
    w, h = target_size(width, height, {"strategy": "fit", "max_side": max_side})
    assert 1 <= w <= width
    assert 1 <= h <= height
    assert max(w, h) <= max_side


def test_grid_matches_smart_resize_when_downscaling() -> None:
    # Values from qwen-vl-utils smart_resize(3024, 4032, 28, 3136, 2 << 20).
    assert target_size(4032, 3024, QWEN25VL_RESOLUTION) == (1652, 1232)


# --------------------------------------------------------------------------
# Encoding


def test_flat_chart_is_sent_as_png() -> None:
    chart = flat_chart_png()
    assert looks_flat(Image.open(io.BytesIO(chart)).convert("RGB"))
    assert load_image(chart).mime_type == "image/png"


@pytest.mark.parametrize("name", ["chelsea.png", "rocket.jpg"])
def test_photos_are_sent_as_jpeg(name: str) -> None:
    image = load_image((PHOTOS / name).read_bytes())
    assert image.mime_type == "image/jpeg"
    assert decoded(image).format == "JPEG"


def test_grayscale_photo_is_sent_as_jpeg() -> None:
    gray = Image.open(PHOTOS / "chelsea.png").convert("L")
    assert len(gray.getcolors(maxcolors=256) or []) > 100  # few colours, a photo
    image = load_image(encode(gray, "PNG"))
    assert image.mime_type == "image/jpeg"


def test_rendered_text_is_sent_as_png() -> None:
    from PIL import ImageDraw

    page = Image.new("RGB", (800, 300), "white")
    draw = ImageDraw.Draw(page)
    for line in range(8):
        draw.text(
            (20, 20 + 30 * line), "Invoice 2024-0042: total EUR 1,234.56", fill="black"
        )
    assert load_image(encode(page, "PNG")).mime_type == "image/png"


def test_forced_encodings_and_quality() -> None:
    photo = (PHOTOS / "chelsea.png").read_bytes()
    as_png = load_image(photo, policy=ImagePolicy(encoding="png"))
    low = load_image(photo, policy=ImagePolicy(encoding="jpeg", jpeg_quality=30))
    high = load_image(photo, policy=ImagePolicy(encoding="jpeg", jpeg_quality=95))
    assert as_png.mime_type == "image/png"
    assert decoded(as_png).format == "PNG"
    assert low.mime_type == high.mime_type == "image/jpeg"
    assert low.sent_bytes < high.sent_bytes
    assert high.source_bytes == len(photo)


# --------------------------------------------------------------------------
# PreparedImage


def test_prepared_image_api() -> None:
    image = load_image(png_bytes((64, 48)))
    assert image.data_url.startswith("data:image/png;base64,")
    assert image.data_url.endswith(image.base64)
    assert image.sent_bytes == len(image.data)
    assert image.to_content_block() == {
        "type": "image_url",
        "image_url": {"url": image.data_url},
    }
    assert image.to_content_block("low")["image_url"] == {
        "url": image.data_url,
        "detail": "low",
    }
    text = repr(image)
    assert len(text) < 160
    assert "base64" not in text
    assert "\\x" not in text
    assert "64x48" in text
    with pytest.raises(AttributeError):
        image.data = b""  # type: ignore[misc]


def test_to_original_coords_maps_back() -> None:
    image = load_image(png_bytes((1000, 500)), resolution=GEMMA3_RESOLUTION)
    assert image.sent_size == (896, 448)
    assert image.to_original_coords(448, 224) == (500.0, 250.0)
    assert image.to_original_coords(0, 0) == (0.0, 0.0)
