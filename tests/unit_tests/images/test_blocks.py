"""LangChain image content blocks in every form: recognise, extract, load."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from langchain_gravix_vision.errors import ImageSourceNotAllowed, InvalidImageData
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.images._blocks import is_image_block, parse_image_block
from langchain_gravix_vision.inputs import load_image

from ._imaging import png_bytes

PNG = png_bytes((30, 20))
B64 = base64.b64encode(PNG).decode()
URL = "https://images.example.com/cat.png"

URL_BLOCKS: list[dict[str, Any]] = [
    {"type": "image", "url": URL},  # LangChain v1
    {"type": "image", "source_type": "url", "url": URL},  # LangChain v0
    {"type": "image_url", "image_url": URL},  # OpenAI, string form
    {"type": "image_url", "image_url": {"url": URL, "detail": "high"}},  # OpenAI
    {"type": "image", "source": {"type": "url", "url": URL}},  # Anthropic
    {"type": "input_image", "image_url": URL},  # OpenAI Responses
]
BASE64_BLOCKS: list[dict[str, Any]] = [
    {"type": "image", "base64": B64, "mime_type": "image/png"},  # v1
    {"type": "image", "source_type": "base64", "data": B64, "mime_type": "image/png"},
    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}"}},
    {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": B64},
    },
    {"type": "image", "base64": B64},  # no declared MIME: sniffed only
]


@pytest.mark.parametrize("block", URL_BLOCKS)
def test_url_blocks_give_the_url(block: dict[str, Any]) -> None:
    assert is_image_block(block)
    source = parse_image_block(block)
    assert (source.kind, source.value) == ("url", URL)


@pytest.mark.parametrize("block", BASE64_BLOCKS)
def test_base64_blocks_load(block: dict[str, Any], socket_disabled: None) -> None:
    assert is_image_block(block)
    source = parse_image_block(block)
    assert source.kind in ("base64", "url")
    assert isinstance(source.value, str)
    image = load_image(block)
    assert image.original_size == (30, 20)
    assert image.source_format == "PNG"


def test_raw_bytes_in_a_base64_field_are_returned_as_bytes() -> None:
    block = {"type": "image", "base64": PNG}
    assert parse_image_block(block).value == PNG
    assert load_image(block).sent_size == (30, 20)


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image", "base64": B64, "mime_type": "image/jpeg"},
        {
            "type": "image",
            "source_type": "base64",
            "data": B64,
            "mime_type": "image/gif",
        },
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/webp", "data": B64},
        },
    ],
)
def test_declared_mime_that_lies_is_invalid(block: dict[str, Any]) -> None:
    with pytest.raises(InvalidImageData, match="declared as"):
        load_image(block)


def test_malformed_mime_type_is_invalid() -> None:
    with pytest.raises(InvalidImageData, match="mime type"):
        parse_image_block({"type": "image", "base64": B64, "mime_type": "a,b"})


def test_block_path_is_read_only_under_the_policy_roots(
    tmp_path: Any, socket_disabled: None
) -> None:
    """One rule on every route: a block's URL may be a path inside the roots."""
    (tmp_path / "cat.png").write_bytes(PNG)
    policy = ImagePolicy(allowed_roots=(tmp_path,))
    inside = {"type": "image", "url": str(tmp_path / "cat.png")}
    assert load_image(inside, policy=policy).original_size == (30, 20)
    for url in ("/etc/passwd", "file:///etc/passwd", "../cat.png"):
        with pytest.raises(ImageSourceNotAllowed):
            load_image({"type": "image", "url": url}, policy=policy)


def test_block_url_goes_through_the_ssrf_checks(socket_disabled: None) -> None:
    block = {"type": "image_url", "image_url": {"url": "http://169.254.169.254/"}}
    with pytest.raises(ImageSourceNotAllowed, match="metadata"):
        load_image(block)


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image", "file_id": "file-123"},
        {"type": "image", "source_type": "id", "id": "file-123"},
        {"type": "input_image", "file_id": "file-123"},
        {"type": "image", "source": {"type": "file", "file_id": "file-123"}},
    ],
)
def test_file_id_blocks_are_refused_clearly(block: dict[str, Any]) -> None:
    assert is_image_block(block)
    with pytest.raises(ImageSourceNotAllowed, match="base64 or"):
        parse_image_block(block)


@pytest.mark.parametrize(
    "block",
    [
        {"type": "text", "text": "hello"},
        {"type": "image"},
        {"type": "image_url"},
        "data:image/png;base64,AAAA",
        None,
        {"image_url": URL},
    ],
)
def test_non_image_blocks_are_not_recognised(block: object) -> None:
    assert not is_image_block(block)


def test_extracting_from_a_non_image_block_is_invalid() -> None:
    with pytest.raises(InvalidImageData, match="not an image content block"):
        parse_image_block({"type": "text", "text": "hi"})
    with pytest.raises(InvalidImageData, match="non-empty string"):
        parse_image_block({"type": "image", "url": ""})


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"type": "image_url", "image_url": {"url": URL, "detail": "low"}}, "low"),
        ({"type": "image", "url": URL, "detail": "high"}, "high"),
        ({"type": "image", "url": URL, "extras": {"detail": "auto"}}, "auto"),
        ({"type": "image_url", "image_url": URL}, None),
        ({"type": "image", "url": URL, "extras": {"detail": 3}}, None),
    ],
)
def test_block_detail_is_found_wherever_given(
    block: dict[str, Any], expected: str | None
) -> None:
    assert parse_image_block(block).detail == expected


def test_prepared_blocks_are_marked_only_by_this_process() -> None:
    image = load_image(PNG)
    block = image.to_message_block("low")
    source = parse_image_block(block)
    assert source.prepared
    assert source.kind == "base64"
    assert (source.mime_type, source.detail) == ("image/png", "low")
    forged = {**block, "extras": {"gravix_prepared": "guess"}}
    assert not parse_image_block(forged).prepared
    # A marked block that is not base64 (a path or URL) is never trusted.
    url_block = {"type": "image", "url": "cat.png", "extras": block["extras"]}
    assert not parse_image_block(url_block).prepared
