"""A stand-in per emulated Ollama version, and an HTTP client on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.stand_in import VERSIONS, StandInServer


@pytest.fixture(params=VERSIONS)
def server(request: pytest.FixtureRequest) -> Iterator[StandInServer]:
    with StandInServer(
        ollama=request.param, extra_models={"thinker": ["thinking"]}
    ) as running:
        yield running


@pytest.fixture
def http(server: StandInServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": "Bearer sk-fake"},
        timeout=10,
    ) as client:
        yield client
