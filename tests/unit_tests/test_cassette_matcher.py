"""The cassette body matcher compares images by what they show, not by bytes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from vcr.request import Request

from tests.cassette_setup import json_body_matcher

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"
# sha256 of the image langchain-tests downloads (see cassette_setup).
STANDARD_TEST_IMAGE_SHA256 = (
    "23e192104524074fb91cb17d8fca7ef0f6777f6c5910deadd30b9ac98ba51c39"
)


def _data_url(image: Image.Image, fmt: str = "JPEG", **options: int) -> str:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    mime = f"image/{fmt.lower()}"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode()}"


def _request(url: str, call_id: str = "call_abc") -> Request:
    body = {
        "model": "m",
        "messages": [
            {"role": "tool", "tool_call_id": call_id, "content": "done"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": url}},
                ],
            },
        ],
    }
    return Request("POST", "http://h/v1/chat/completions", json.dumps(body), {})


def _matches(a: Request, b: Request) -> bool:
    try:
        json_body_matcher(a, b)
    except AssertionError:
        return False
    return True


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    with Image.open(PHOTOS / "chelsea.png") as image:
        return image.convert("RGB").resize((200, 150))


def test_same_picture_encoded_differently_matches(photo: Image.Image) -> None:
    # What another Pillow/libjpeg does to the same prepared pixels.
    a = _request(_data_url(photo, quality=90), "call_1")
    b = _request(_data_url(photo, quality=80, subsampling=0), "call_2")
    assert a.body != b.body
    assert _matches(a, b)


def test_other_picture_of_the_same_size_does_not_match(photo: Image.Image) -> None:
    flipped = photo.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    assert not _matches(_request(_data_url(photo)), _request(_data_url(flipped)))


def test_other_size_or_type_does_not_match(photo: Image.Image) -> None:
    smaller = photo.resize((198, 150))
    assert not _matches(_request(_data_url(photo)), _request(_data_url(smaller)))
    png = _data_url(photo, "PNG")
    assert not _matches(_request(_data_url(photo)), _request(png))


def test_text_around_the_image_still_matters(photo: Image.Image) -> None:
    a = _request(_data_url(photo))
    b = Request("POST", a.uri, a.body.replace(b"What is this?", b"What is that?"), {})
    assert not _matches(a, b)


def test_undecodable_data_urls_compare_as_text() -> None:
    bogus = "data:image/png;base64,bm90IGFuIGltYWdl"
    assert _matches(_request(bogus), _request(bogus))
    assert not _matches(_request(bogus), _request(bogus.replace("bm90", "bm91")))


def test_recording_finds_the_standard_test_image_in_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests import cassette_setup

    monkeypatch.setattr(cassette_setup, "_SHARED_FIXTURE", Path("/nonexistent.png"))
    image = cassette_setup.standard_test_image()
    assert image is not None
    assert hashlib.sha256(image).hexdigest() == STANDARD_TEST_IMAGE_SHA256
    monkeypatch.setattr(cassette_setup, "STANDARD_TEST_IMAGE_CASSETTES", ())
    assert cassette_setup.standard_test_image() is None
