"""Integration helpers: scripted stand-in answers and ground truth."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.stand_in import Reply, StandInServer

DATA = Path(__file__).resolve().parents[1] / "data"
GROUND_TRUTH: dict[str, Any] = json.loads((DATA / "ground_truth.json").read_text())


@pytest.fixture
def script(stand_in: StandInServer | None) -> Callable[..., None]:
    """Queue the stand-in's next answers; a no-op in replay and live modes.

    The stand-in is only the recording source: tests assert what a real model's
    answer could meet, so they hold after re-recording against Gravix.
    """

    def queue(*replies: Reply) -> None:
        if stand_in is not None:
            stand_in.script_queue(list(replies))

    yield queue
    if stand_in is not None:
        stand_in.reset()


def json_reply(payload: dict[str, Any]) -> Reply:
    """A stand-in answer whose content is a JSON object."""
    return Reply(content=json.dumps(payload))
