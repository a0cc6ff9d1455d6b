"""Issue 17: never larger than the original, token budgets, the prepared-image cache."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat, PngImagePlugin

from langchain_gravix_vision.images import (
    LOW_DETAIL_TOKENS,
    PREPARED_CACHE,
    ImagePolicy,
    RawImage,
    prepare_image,
)
from langchain_gravix_vision.images._cache import ImageCache
from langchain_gravix_vision.images._prepare import resample
from langchain_gravix_vision.images._strip import strip_jpeg, strip_png
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.resolution import (
    GEMMA3_RESOLUTION,
    IMAGE_MARKER_TOKENS,
    QWEN25VL_RESOLUTION,
    image_prompt_tokens,
)

DATA = Path(__file__).resolve().parents[2] / "data"
ORIENTATION = 0x0112


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def jpeg_with_metadata(size: tuple[int, int] = (300, 200), **save: object) -> bytes:
    image = Image.effect_noise(size, 40).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"secret comment", **save)
    return buffer.getvalue()


def png_with_text(image: Image.Image) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone@example.com")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    PREPARED_CACHE.clear()


# ------------------------------------------------------------ pass-through


def test_upright_jpeg_within_budget_is_sent_as_is_without_metadata() -> None:
    original = jpeg_with_metadata()
    image = load_image(original, resolution=QWEN25VL_RESOLUTION)
    assert image.passed_through
    assert image.mime_type == "image/jpeg"
    assert image.sent_size == image.original_size == (300, 200)
    assert image.sent_bytes < len(original)
    assert b"PhoneMaker" not in image.data
    assert b"secret comment" not in image.data
    assert pixels(image.data) == pixels(original)  # same entropy-coded data
    with Image.open(io.BytesIO(image.data)) as sent:
        assert not sent.getexif()
        assert "icc_profile" not in sent.info


def test_an_srgb_profile_is_dropped_on_pass_through() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = jpeg_with_metadata(icc_profile=srgb)
    image = load_image(original, resolution=QWEN25VL_RESOLUTION)
    assert image.passed_through
    with Image.open(io.BytesIO(image.data)) as sent:
        assert "icc_profile" not in sent.info


def test_flat_png_within_budget_is_sent_as_is_without_text_chunks() -> None:
    page = Image.new("RGB", (400, 120), "white")
    page.paste((0, 0, 0), (20, 20, 380, 40))
    original = png_with_text(page)
    image = load_image(original, resolution=QWEN25VL_RESOLUTION)
    assert image.passed_through
    assert image.mime_type == "image/png"
    assert b"someone@example.com" not in image.data
    assert pixels(image.data) == pixels(original)


@pytest.mark.parametrize(
    "why",
    ["rotated", "alpha", "wide_gamut_icc", "over_budget", "forced_encoding", "webp"],
)
def test_images_needing_work_are_re_encoded(why: str) -> None:
    policy = ImagePolicy()
    base = Image.new("RGB", (300, 200), "white")
    buffer = io.BytesIO()
    if why == "rotated":
        exif = Image.Exif()
        exif[ORIENTATION] = 6
        base.save(buffer, "JPEG", exif=exif)
    elif why == "alpha":
        base.convert("RGBA").save(buffer, "PNG")
    elif why == "wide_gamut_icc":
        buffer.write((DATA / "photos" / "rocket.jpg").read_bytes())  # Adobe RGB
    elif why == "over_budget":
        Image.new("RGB", (2400, 1800), "white").save(buffer, "PNG")
    elif why == "forced_encoding":
        base.save(buffer, "PNG")
        policy = ImagePolicy(encoding="jpeg")
    else:
        base.save(buffer, "WEBP")
    image = load_image(buffer.getvalue(), resolution=QWEN25VL_RESOLUTION, policy=policy)
    assert not image.passed_through


def test_charts_and_documents_are_never_larger_than_the_original() -> None:
    files = sorted((DATA / "charts").iterdir()) + sorted((DATA / "text").iterdir())
    for path in files:
        for resolution in (QWEN25VL_RESOLUTION, None):  # all within these budgets
            image = load_image(path.read_bytes(), resolution=resolution)
            assert image.sent_bytes <= path.stat().st_size, path.name


def test_re_encoded_png_uses_an_exact_palette() -> None:
    chart = Image.new("RGBA", (300, 200), (255, 255, 255, 255))
    chart.paste((200, 30, 30, 255), (10, 10, 100, 190))
    buffer = io.BytesIO()
    chart.save(buffer, "PNG")
    image = load_image(buffer.getvalue())
    assert not image.passed_through  # alpha channel: flattened
    with Image.open(io.BytesIO(image.data)) as sent:
        assert sent.mode == "P"
    assert pixels(image.data) == chart.convert("RGB").tobytes()


def test_strip_png_and_jpeg_refuse_malformed_streams() -> None:
    assert strip_png(b"not a png") is None
    assert strip_png(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x10IHDR") is None  # cut short
    assert strip_jpeg(b"\xff\xd8\xff\xe1\x00") is None
    assert strip_jpeg(jpeg_with_metadata()[:-200]) is None  # no end marker


def test_strip_jpeg_drops_bytes_after_the_end_marker() -> None:
    original = jpeg_with_metadata() + b"appended zip archive"
    stripped = strip_jpeg(original)
    assert stripped is not None
    assert stripped.endswith(b"\xff\xd9")
    assert b"appended" not in stripped
    assert pixels(stripped) == pixels(original)


def test_progressive_jpeg_is_stripped_losslessly() -> None:
    original = jpeg_with_metadata(progressive=True)
    stripped = strip_jpeg(original)
    assert stripped is not None
    assert b"PhoneMaker" not in stripped
    assert pixels(stripped) == pixels(original)


# ------------------------------------------------------------ token budget


def grid_cells(size: tuple[int, int]) -> int:
    return image_prompt_tokens(*size, QWEN25VL_RESOLUTION) - IMAGE_MARKER_TOKENS


def photo_12mp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4032, 3024), "navy").save(buffer, "JPEG")
    return buffer.getvalue()


def test_detail_low_caps_image_tokens_and_high_uses_the_server_maximum() -> None:
    photo = photo_12mp()
    low = load_image(photo, resolution=QWEN25VL_RESOLUTION, detail="low")
    high = load_image(photo, resolution=QWEN25VL_RESOLUTION, detail="high")
    auto = load_image(photo, resolution=QWEN25VL_RESOLUTION, detail="auto")
    assert grid_cells(low.sent_size) <= LOW_DETAIL_TOKENS
    assert low.image_tokens == grid_cells(low.sent_size) + IMAGE_MARKER_TOKENS
    assert high.sent_size == auto.sent_size == (1652, 1232)
    assert high.image_tokens == 2596 + IMAGE_MARKER_TOKENS


def test_policy_max_image_tokens_caps_any_image() -> None:
    policy = ImagePolicy(max_image_tokens=100)
    image = load_image(photo_12mp(), resolution=QWEN25VL_RESOLUTION, policy=policy)
    assert grid_cells(image.sent_size) <= 100
    small = Image.new("RGB", (640, 480), "white")
    buffer = io.BytesIO()
    small.save(buffer, "PNG")
    capped = load_image(
        buffer.getvalue(), resolution=QWEN25VL_RESOLUTION, policy=policy
    )
    assert not capped.passed_through
    assert grid_cells(capped.sent_size) <= 100
    with pytest.raises(ValueError):
        ImagePolicy(max_image_tokens=0)


def test_fit_models_cost_the_same_at_every_detail() -> None:
    photo = photo_12mp()
    low = load_image(photo, resolution=GEMMA3_RESOLUTION, detail="low")
    assert low.image_tokens == 256 + IMAGE_MARKER_TOKENS
    assert low.sent_size == (896, 672)


# ------------------------------------------------------------ cache


def test_same_bytes_give_the_same_payload_without_preparing_again() -> None:
    photo = photo_12mp()
    first = load_image(photo, resolution=QWEN25VL_RESOLUTION)
    hits = PREPARED_CACHE.hits
    second = load_image(photo, resolution=QWEN25VL_RESOLUTION)
    assert second is first
    assert second.data_url == first.data_url
    assert PREPARED_CACHE.hits == hits + 1


def test_changed_content_or_parameters_are_prepared_afresh() -> None:
    photo = photo_12mp()
    first = load_image(photo, resolution=QWEN25VL_RESOLUTION)
    buffer = io.BytesIO()
    Image.new("RGB", (4032, 3024), "maroon").save(buffer, "JPEG")  # same size
    other = load_image(buffer.getvalue(), resolution=QWEN25VL_RESOLUTION)
    assert other.data != first.data
    low = load_image(photo, resolution=QWEN25VL_RESOLUTION, detail="low")
    assert low.sent_size != first.sent_size
    png = load_image(
        photo, resolution=QWEN25VL_RESOLUTION, policy=ImagePolicy(encoding="png")
    )
    assert png.mime_type == "image/png"
    gemma = load_image(photo, resolution=GEMMA3_RESOLUTION)
    assert gemma.sent_size != first.sent_size


def test_a_stricter_policy_is_not_bypassed_by_the_cache() -> None:
    photo = photo_12mp()
    load_image(photo, resolution=QWEN25VL_RESOLUTION)
    from langchain_gravix_vision.errors import ImageTooLarge

    with pytest.raises(ImageTooLarge):
        load_image(photo, policy=ImagePolicy(max_source_pixels=1_000_000))


def test_in_memory_images_are_not_cached() -> None:
    raw = RawImage("pil", image=Image.new("RGB", (50, 50)))
    prepare_image(raw, policy=ImagePolicy())
    assert len(PREPARED_CACHE) == 0


def test_cache_is_bounded_by_bytes_and_entries() -> None:
    cache: ImageCache[bytes] = ImageCache(max_bytes=10, max_entries=3)
    for key in "abcd":
        cache.put(key, b"x")
    assert len(cache) == 3
    assert cache.get("a") is None
    cache.put("big", b"y" * 9)
    assert cache.get("big") == b"y" * 9
    assert len(cache) <= 2
    cache.put("huge", b"z" * 11)  # larger than the whole cache: not kept
    assert cache.get("huge") is None


# ------------------------------------------------------------ resampling


def psnr(a: Image.Image, b: Image.Image) -> float:
    diff = ImageChops.difference(a, b)
    mse = sum(value * value for value in ImageStat.Stat(diff).rms) / 3
    return 99.0 if mse == 0 else 10 * math.log10(255**2 / mse)


@pytest.mark.parametrize("name", ["chelsea.png", "coffee.png", "rocket.jpg"])
def test_fast_shrinking_stays_within_40_db_of_lanczos(name: str) -> None:
    with Image.open(DATA / "photos" / name) as source:
        photo = source.convert("RGB").resize(
            (source.width * 3, source.height * 3), Image.Resampling.LANCZOS
        )
    for size in [(photo.width * 5 // 6, photo.height * 5 // 6), (300, 200)]:
        reference = photo.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
        assert psnr(resample(photo, size), reference) >= 40


def test_cached_images_count_their_base64_text_too() -> None:
    from langchain_gravix_vision.images import PreparedImage

    image = PreparedImage(b"123456789", "image/png", "PNG", (1, 1), (1, 1), 9)
    cache: ImageCache[PreparedImage] = ImageCache(max_bytes=20)
    cache.put("k", image)  # 9 bytes + 12 characters of base64 > 20
    assert cache.get("k") is None
