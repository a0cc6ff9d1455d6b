"""Cassette machinery shared by the tests and the cookbook notebooks.

One switch, the environment variable ``GRAVIX_VCR``, decides what tests talk to:

- unset / ``replay`` (default, CI): cassettes only. ``record_mode="none"``, a fake
  key, the default base URL; a missing cassette fails (CI also blocks sockets).
- ``stand-in``: record every cassette against the local stand-in server
  (tests/stand_in), which speaks Gravix's documented Ollama wire format.
- ``live``: re-record every cassette against the real Gravix API; needs
  ``GRAVIXLAYER_API_KEY`` (and honours ``GRAVIXLAYER_BASE_URL``).

Cassettes keep the host they were recorded against (provenance); requests are
matched on method, path and JSON body, never on host. Every header that could
carry a secret is redacted before a cassette is written.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpcore
import yaml
from langchain_tests.conftest import CustomPersister, CustomSerializer
from PIL import Image
from vcr import VCR
from vcr.request import Request

RECORD_ENV = "GRAVIX_VCR"
MODE = os.environ.get(RECORD_ENV, "replay").strip().lower() or "replay"
if MODE not in {"replay", "stand-in", "live"}:
    msg = f"{RECORD_ENV} must be 'replay', 'stand-in' or 'live', not {MODE!r}"
    raise SystemExit(msg)
RECORDING = MODE != "replay"
FAKE_API_KEY = "sk-gravix-fake-test-key-0000"
CASSETTES = Path(__file__).parent / "cassettes"
REDACTED = "**REDACTED**"

# Headers whose value is kept in cassettes; every other header is redacted.
_KEEP_REQUEST_HEADERS = {"content-type", "accept", "accept-encoding", "content-length"}
_KEEP_RESPONSE_HEADERS = {
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "retry-after",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "location",
}

# The one download the standard image tests make; this network cannot reach it,
# so a recording run answers it with the bytes a committed cassette already
# holds (else ../shared/fixtures, else those tests skip; never used in replay).
STANDARD_TEST_IMAGE_URL = (
    "https://raw.githubusercontent.com/langchain-ai/docs/"
    "4d11d08b6b0e210bd456943f7a22febbd168b543/src/images/agentic-rag-output.png"
)
STANDARD_TEST_IMAGE_CASSETTES = (
    CASSETTES / "TestGravixVisionModel.test_image_inputs.yaml.gz",
    CASSETTES.parents[1] / "cookbook" / "cassettes" / "01_quickstart.yaml.gz",
)
STANDARD_TEST_IMAGE_MISSING = (
    "the standard test image (langchain-ai/docs agentic-rag-output.png) is "
    "unreachable offline and no committed cassette holds it"
)
_SHARED_FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "fixtures"
    / "agentic-rag-output.png"
)


def _redact_request(request: Request) -> Request:
    for name in list(request.headers):
        if name.lower() not in _KEEP_REQUEST_HEADERS:
            request.headers[name] = REDACTED
    return request


def _redact_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() not in _KEEP_RESPONSE_HEADERS:
            headers[name] = [REDACTED]
    return response


def _json_or_bytes(body: Any) -> Any:
    if body is None:
        return b""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _normalise_ids(body: Any) -> Any:
    """Replace tool-call ids by their order of appearance.

    Some inputs carry random ids (``tool_example_to_messages`` makes uuids), so
    bodies are compared with each distinct id renamed ``id-0``, ``id-1``...
    """
    seen: dict[str, str] = {}

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        if key in {"tool_call_id", "id"} and isinstance(node, str):
            return seen.setdefault(node, f"id-{len(seen)}")
        return node

    return walk(body)


# Two image parts mean the same when their media type and pixel size are equal
# and their 16x16 thumbnails differ by at most this much on average (0-255
# scale): a JPEG re-encoded by another libjpeg or Pillow differs by ~1, a
# different picture by tens.
THUMBNAIL_SIDE = 16
THUMBNAIL_TOLERANCE = 4.0


class ImagePart:
    """A data-URL image in a request body, compared by what it shows.

    Cassettes hold the bytes the client sent; another Pillow (or libjpeg)
    encodes the same prepared pixels to other bytes, so replay compares the
    decoded picture instead: media type, width and height exactly, and a
    coarse thumbnail within :data:`THUMBNAIL_TOLERANCE`. Undecodable data
    falls back to comparing the URL itself.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.mime = url[5 : url.find(";")] if ";" in url else ""
        self.size, self.thumbnail = _picture(url)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImagePart):
            return NotImplemented
        if self.thumbnail is None or other.thumbnail is None:
            return self.url == other.url
        if (self.mime, self.size) != (other.mime, other.size):
            return False
        pairs = zip(self.thumbnail, other.thumbnail, strict=True)
        diff = sum(abs(a - b) for a, b in pairs)
        return diff / len(self.thumbnail) <= THUMBNAIL_TOLERANCE

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ImagePart({self.mime}, {self.size})"


@lru_cache(maxsize=256)
def _picture(url: str) -> tuple[tuple[int, int], bytes | None]:
    """Decoded ``(width, height)`` and RGB thumbnail of a base64 data URL."""
    try:
        data = base64.b64decode(url.partition(",")[2], validate=True)
        with Image.open(io.BytesIO(data)) as image:
            size = image.size
            small = image.convert("RGB").resize(
                (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BOX
            )
            return size, small.tobytes()
    except (binascii.Error, OSError, ValueError):
        return (0, 0), None


def _images_by_meaning(body: Any) -> Any:
    """Replace every ``data:image/...;base64,`` string by an :class:`ImagePart`."""
    if isinstance(body, dict):
        return {k: _images_by_meaning(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_images_by_meaning(v) for v in body]
    if isinstance(body, str) and body.startswith("data:image/") and ";base64," in body:
        return ImagePart(body)
    return body


def _comparable(body: Any) -> Any:
    return _images_by_meaning(_normalise_ids(_json_or_bytes(body)))


def json_body_matcher(r1: Request, r2: Request) -> None:
    """Match request bodies as JSON.

    Key order, whitespace and tool-call ids aside, and images by what they show
    (:class:`ImagePart`), so cassettes replay under other Pillow versions.
    """
    if _comparable(r1.body) != _comparable(r2.body):
        msg = "request bodies differ"
        raise AssertionError(msg)


def vcr_config(cassette_dir: Path = CASSETTES) -> dict[str, Any]:
    """The VCR settings for the current mode (see the module docstring)."""
    return {
        "record_mode": "all" if RECORDING else "none",
        "match_on": ["method", "path", "json_body"],
        "filter_headers": [("authorization", REDACTED), ("cookie", REDACTED)],
        "before_record_request": _redact_request,
        "before_record_response": _redact_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": True,
        "cassette_library_dir": str(cassette_dir),
        "serializer": "yaml.gz",
        "path_transformer": VCR.ensure_suffix(".yaml.gz"),
    }


def register(vcr: VCR) -> VCR:
    """Teach a VCR our serializer, persister and JSON-body matcher."""
    vcr.register_persister(CustomPersister())
    vcr.register_serializer("yaml.gz", CustomSerializer())
    vcr.register_matcher("json_body", json_body_matcher)
    return vcr


def standard_test_image() -> bytes | None:
    """The standard image tests' download, as recorded in a committed cassette.

    The image has no stated licence, so the repository ships it only inside the
    cassette that recorded it; a sibling ``../shared/fixtures`` copy is the
    fallback. ``None`` when neither is there.
    """
    for path in STANDARD_TEST_IMAGE_CASSETTES:
        if not path.is_file():
            continue
        recorded = yaml.safe_load(gzip.decompress(path.read_bytes()))
        pairs = zip(recorded["requests"], recorded["responses"], strict=False)
        for request, response in pairs:
            body = response.get("body", {}).get("string")
            if request["uri"] == STANDARD_TEST_IMAGE_URL and isinstance(body, bytes):
                return body
    if _SHARED_FIXTURE.is_file():
        return _SHARED_FIXTURE.read_bytes()
    return None


@contextmanager
def standard_image_from_fixture() -> Iterator[None]:
    """Recording only: answer the standard image URL without the network.

    Patched in httpcore, below the httpx transports that vcrpy records, so the
    download lands in the cassette exactly as if the host had answered. The
    bytes are read once, before any cassette is rewritten; when there are none
    the test asking for them is skipped with a reason. Replay never needs this:
    the bytes are in the cassette.
    """
    real = httpcore.ConnectionPool.handle_request
    image = standard_test_image()

    def handle(
        self: httpcore.ConnectionPool, request: httpcore.Request
    ) -> httpcore.Response:
        url = request.url
        wanted = STANDARD_TEST_IMAGE_URL.encode()
        if url.scheme + b"://" + url.host + url.target != wanted:
            return real(self, request)
        if image is None:
            import pytest

            pytest.skip(STANDARD_TEST_IMAGE_MISSING)
        return httpcore.Response(
            200, headers=[(b"content-type", b"image/png")], content=image
        )

    httpcore.ConnectionPool.handle_request = handle  # type: ignore[method-assign]
    try:
        yield
    finally:
        httpcore.ConnectionPool.handle_request = real  # type: ignore[method-assign]
