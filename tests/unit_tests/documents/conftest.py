"""A stand-in server (loopback) and a model pointed at it: requests are counted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_gravix_vision import ChatGravixVision
from tests.stand_in import StandInServer


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer(ollama="2025") as running:
        yield running


@pytest.fixture
def llm(server: StandInServer) -> ChatGravixVision:
    server.reset()
    return ChatGravixVision(
        model="qwen2.5vl:7b", base_url=server.base_url, api_key="sk-fake", max_retries=0
    )
