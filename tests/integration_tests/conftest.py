"""Integration fixtures: queue the stand-in's scripted answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.stand_in import Reply, StandInServer


@pytest.fixture
def script(stand_in: StandInServer | None) -> Iterator[Callable[..., None]]:
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
