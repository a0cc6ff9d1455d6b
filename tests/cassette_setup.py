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

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpcore
from langchain_tests.conftest import CustomPersister, CustomSerializer
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
# so a recording run answers it from ../shared/fixtures (never used in replay).
STANDARD_TEST_IMAGE_URL = (
    "https://raw.githubusercontent.com/langchain-ai/docs/"
    "4d11d08b6b0e210bd456943f7a22febbd168b543/src/images/agentic-rag-output.png"
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


def json_body_matcher(r1: Request, r2: Request) -> None:
    """Match request bodies as JSON (key order, whitespace, tool-call ids aside)."""
    if _normalise_ids(_json_or_bytes(r1.body)) != _normalise_ids(
        _json_or_bytes(r2.body)
    ):
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


@contextmanager
def standard_image_from_fixture() -> Iterator[None]:
    """Recording only: answer the standard image URL from ../shared/fixtures.

    Patched in httpcore, below the httpx transports that vcrpy records, so the
    download lands in the cassette exactly as if the host had answered. Replay
    never needs it: the bytes are in the cassette.
    """
    real = httpcore.ConnectionPool.handle_request

    def handle(
        self: httpcore.ConnectionPool, request: httpcore.Request
    ) -> httpcore.Response:
        url = request.url
        wanted = STANDARD_TEST_IMAGE_URL.encode()
        if url.scheme + b"://" + url.host + url.target == wanted:
            return httpcore.Response(
                200,
                headers=[(b"content-type", b"image/png")],
                content=_SHARED_FIXTURE.read_bytes(),
            )
        return real(self, request)

    httpcore.ConnectionPool.handle_request = handle  # type: ignore[method-assign]
    try:
        yield
    finally:
        httpcore.ConnectionPool.handle_request = real  # type: ignore[method-assign]
