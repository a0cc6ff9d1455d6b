"""Every committed cassette is free of secrets and replayable from any host."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = sorted(
    p
    for folder in (ROOT / "tests" / "cassettes", ROOT / "cookbook" / "cassettes")
    if folder.is_dir()
    for p in folder.rglob("*.yaml.gz")
)
SECRET_HEADERS = {"authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
BEARER = re.compile(rb"bearer\s+[A-Za-z0-9._\-]{8,}", re.IGNORECASE)
KEY_SHAPES = re.compile(rb"\bsk-[A-Za-z0-9_\-]{12,}")


def _secret_values() -> list[bytes]:
    from tests.cassette_setup import FAKE_API_KEY

    values = [FAKE_API_KEY.encode()]
    if real := os.environ.get("GRAVIXLAYER_API_KEY"):
        values.append(real.encode())
    return values


def test_there_are_cassettes() -> None:
    assert len(CASSETTES) >= 10


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.name)
def test_cassette_has_no_secret(path: Path) -> None:
    raw = gzip.decompress(path.read_bytes())
    assert not BEARER.search(raw), "bearer token in cassette"
    assert not KEY_SHAPES.search(raw), "API-key-shaped string in cassette"
    for value in _secret_values():
        assert value not in raw, "the test/env API key is in the cassette"
    data = yaml.safe_load(raw)
    for request in data["requests"]:
        for name, values in request["headers"].items():
            if name.lower() in SECRET_HEADERS:
                assert values == ["**REDACTED**"], f"request header {name}"
    for interaction in data["responses"]:
        for name, values in interaction.get("headers", {}).items():
            if name.lower() in SECRET_HEADERS:
                assert values == ["**REDACTED**"], f"response header {name}"
