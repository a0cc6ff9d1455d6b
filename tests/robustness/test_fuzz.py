"""Fuzzing the image loader, the data-URL parser, content blocks and the URL check.

Every outcome must be a ``PreparedImage`` (or, for ``check_url``, a URL) or a
``GravixVisionError`` subclass, never another exception. Runs are
deterministic (``derandomize=True``, no example database) and bounded: the
whole module takes well under 30 s.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from langchain_gravix_vision.errors import GravixVisionError, ImageSourceNotAllowed
from langchain_gravix_vision.images import ImagePolicy, PreparedImage
from langchain_gravix_vision.images._urls import check_url
from langchain_gravix_vision.inputs import load_image
from tests.unit_tests.images._imaging import (
    animated_gif,
    encode,
    jpeg_with_orientation,
    multipage_tiff,
    png_bytes,
)

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore::UserWarning"),  # Pillow on corrupt metadata
]

POLICY = ImagePolicy(url_mode="deny", max_source_pixels=4_000_000)


def fuzz_settings(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --------------------------------------------------------------------------
# The oracle


def assert_typed_outcome(source: Any) -> None:
    """``load_image(source)`` gives a usable image or a typed package error."""
    try:
        result = load_image(source, policy=POLICY)
    except GravixVisionError:
        return
    assert isinstance(result, PreparedImage)
    assert result.mime_type in ("image/png", "image/jpeg")
    assert result.sent_bytes > 0


class _ExplodingFile:
    """A caller's file object whose ``read`` raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def read(self, size: int = -1) -> bytes:
        raise self.error


@pytest.mark.parametrize("error", [RuntimeError("boom"), TypeError("not from TIFF")])
def test_the_oracle_rejects_untyped_errors(error: Exception) -> None:
    with pytest.raises(type(error)):
        assert_typed_outcome(_ExplodingFile(error))


# --------------------------------------------------------------------------
# Image bytes


def _seeds() -> list[bytes]:
    noise = Image.effect_noise((24, 16), 40).convert("RGB")
    return [
        png_bytes((16, 12)),
        encode(Image.new("P", (6, 6)), "PNG", transparency=0),
        encode(Image.new("I;16", (6, 6)), "PNG"),
        encode(noise, "JPEG"),
        jpeg_with_orientation((20, 10), 6),
        encode(Image.new("CMYK", (6, 6)), "JPEG"),
        animated_gif(),
        encode(Image.new("RGBA", (9, 7), (1, 2, 3, 4)), "WEBP"),
        encode(Image.new("RGB", (6, 6)), "WEBP", lossless=True),
        encode(Image.new("RGB", (5, 5)), "BMP"),
        encode(Image.new("RGB", (5, 5)), "TIFF"),
        multipage_tiff(),
    ]


SEEDS = _seeds()


@st.composite
def mutated_images(draw: st.DrawFn) -> bytes:
    """A valid image with 1 to 8 byte-level edits: flips, cuts, splices."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["flip", "set", "word", "cut", "insert", "delete"]))
        if edit == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "set":
            data[at] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF]))
        elif edit == "word":
            data[at : at + 4] = draw(
                st.sampled_from([b"\0" * 4, b"\xff" * 4, b"\x01\0\0\0"])
            )
        elif edit == "cut":
            del data[at:]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at : at + draw(st.integers(1, 16))]
    return bytes(data)


@fuzz_settings(3_000)
@given(mutated_images())
def test_mutated_images(data: bytes) -> None:
    assert_typed_outcome(data)


@fuzz_settings(1_500)
@given(st.binary(max_size=2_048))
def test_arbitrary_bytes(data: bytes) -> None:
    assert_typed_outcome(data)


@fuzz_settings(400)
@given(st.sampled_from(SEEDS), st.integers(0, 4096))
def test_every_truncation_of_a_valid_image(data: bytes, cut: int) -> None:
    assert_typed_outcome(data[: cut % (len(data) + 1)])


# --------------------------------------------------------------------------
# Data URLs


@fuzz_settings(2_000)
@given(st.text(max_size=300))
def test_arbitrary_data_urls(rest: str) -> None:
    assert_typed_outcome("data:" + rest)


MIMES = st.sampled_from(
    ["image/png", "image/jpeg", "image/gif", "image/jpg", "", "IMAGE/PNG", "text/html"]
)
PARAMS = st.lists(
    st.sampled_from(["base64", "charset=utf-8", "name=x.png", ""]), max_size=3
)
WHITESPACE = st.sampled_from(["", " ", "\n", "\r\n", "\t"])


@st.composite
def data_urls(draw: st.DrawFn) -> str:
    """Well-formed-looking data URLs around real, mutated or random payloads."""
    payload = draw(st.one_of(st.sampled_from(SEEDS), mutated_images(), st.binary()))
    encoded = base64.b64encode(payload).decode()
    if draw(st.booleans()):  # wrap like a MIME body
        gap = draw(WHITESPACE)
        encoded = gap.join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    if draw(st.booleans()):
        encoded = encoded.rstrip("=")
    header = ";".join([draw(MIMES), *draw(PARAMS)])
    return f"data:{header},{encoded}"


@fuzz_settings(1_000)
@given(data_urls())
def test_structured_data_urls(url: str) -> None:
    assert_typed_outcome(url)


# --------------------------------------------------------------------------
# Content blocks (url_mode="deny": nothing is ever fetched)

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=24)
    | st.binary(max_size=24)
    | st.sampled_from(["data:image/png;base64,AAAA", "http://127.0.0.1/", "../x.png"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["type", "url", "data", "media_type"]), inner)
    ),
    max_leaves=6,
)
BLOCK_KEYS = st.sampled_from(
    [
        *("url", "image_url", "source", "source_type", "base64", "data"),
        *("mime_type", "file_id", "id", "detail", "extras"),
    ]
)


@st.composite
def image_blocks(draw: st.DrawFn) -> dict[str, Any]:
    block = draw(st.dictionaries(BLOCK_KEYS, VALUES, max_size=4))
    block["type"] = draw(st.sampled_from(["image", "image_url", "input_image"]))
    return block


@fuzz_settings(600)
@given(image_blocks())
def test_arbitrary_content_blocks(block: dict[str, Any]) -> None:
    assert_typed_outcome(block)


# --------------------------------------------------------------------------
# The URL check (no DNS, no sockets)


@fuzz_settings(2_000)
@given(st.sampled_from(["http://", "https://", "HTTP://"]), st.text(max_size=60))
def test_check_url_accepts_or_refuses_with_a_typed_error(
    scheme: str, rest: str
) -> None:
    try:
        checked = check_url(scheme + rest, ImagePolicy())
    except ImageSourceNotAllowed:
        return
    assert isinstance(checked, str)
    assert checked.lower().startswith(("http://", "https://"))
