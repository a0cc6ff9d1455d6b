"""Test fixtures: the record switch, VCR config and the stand-in server.

One switch, the environment variable ``GRAVIX_VCR``, decides what tests talk to
(details in tests/cassette_setup.py and the README):

- unset / ``replay`` (default, CI): cassettes only, a fake key, no network.
- ``stand-in``: record every cassette against the local stand-in server.
- ``live``: re-record every cassette against the real Gravix API
  (needs ``GRAVIXLAYER_API_KEY``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from vcr import VCR

from tests import cassette_setup
from tests.cassette_setup import FAKE_API_KEY, MODE, RECORD_ENV
from tests.stand_in import StandInServer, ollama_from_env


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return cassette_setup.vcr_config()


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    cassette_setup.register(vcr)


@pytest.fixture(scope="session", autouse=True)
def _serve_standard_test_image() -> Iterator[None]:
    """While recording against the stand-in, serve the standard test image."""
    if MODE != "stand-in":
        yield
        return
    with cassette_setup.standard_image_from_fixture():
        yield


@pytest.fixture(scope="session")
def stand_in() -> Iterator[StandInServer | None]:
    """The stand-in server while recording against it, else ``None``.

    Its Ollama version comes from ``GRAVIX_STAND_IN_OLLAMA`` (default 2025, the
    version the committed cassettes are recorded against).
    """
    if MODE != "stand-in":
        yield None
        return
    with StandInServer(ollama=ollama_from_env()) as server:
        yield server


def _records(item: pytest.Item) -> bool:
    """Whether a test talks to the model (through a cassette, or live)."""
    return any(item.get_closest_marker(m) for m in ("vcr", "live")) or (
        "integration_tests" in item.path.parts
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Quality evals (marked ``live``) run only against the real API."""
    if MODE == "live":
        return
    skip = pytest.mark.skip(
        reason=f"quality eval: needs the real API ({RECORD_ENV}=live); "
        "scripted answers would only score the script"
    )
    for item in items:
        if item.get_closest_marker("live"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _gravix_environment(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point every model at the right place for the current mode.

    Only tests that talk to the model follow the record switch; every other test
    sees the same environment in every mode (a fake key, the default base URL).
    """
    if MODE == "live" and _records(request.node):
        if not os.environ.get("GRAVIXLAYER_API_KEY"):
            pytest.exit(f"{RECORD_ENV}=live needs GRAVIXLAYER_API_KEY", returncode=2)
        return
    monkeypatch.setenv("GRAVIXLAYER_API_KEY", FAKE_API_KEY)
    monkeypatch.delenv("GRAVIXLAYER_BASE_URL", raising=False)
    if MODE == "stand-in" and _records(request.node):
        server: StandInServer = request.getfixturevalue("stand_in")
        monkeypatch.setenv("GRAVIXLAYER_BASE_URL", server.base_url)
