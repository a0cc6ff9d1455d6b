"""One local Ray for the module (2 CPUs, no dashboard) and a timed stand-in.

The stand-in runs in this process on 127.0.0.1; the stage's actors are other
processes that reach it over loopback (pytest-socket applies to this driver
only, and Ray's own channels are gRPC in C++ and unix sockets).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from PIL import Image

from tests.stand_in import StandInServer

SECRET = "sk-ray-stage-secret-7f3a9c1e5b"
"""The API key the stage's workers use: it must appear in no output and no log."""


class TimedStandIn(StandInServer):
    """The stand-in, with the arrival time of every request (faults included)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrivals: list[float] = []

    def _take_fault(self) -> Any:  # the first step of every request
        with self._lock:
            self.arrivals.append(time.monotonic())
        return super()._take_fault()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    context = ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        namespace="gravix-vision-tests",
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield context
    finally:
        ray.shutdown()


@pytest.fixture
def server() -> Iterator[TimedStandIn]:
    with TimedStandIn() as running:
        yield running


def make_images(folder: Path, count: int) -> list[str]:
    """``count`` small PNGs with different bytes (so different resume keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"img{i:03d}.png"
        Image.new("RGB", (48, 40), (i % 256, (i * 7) % 256, 90)).save(path)
        paths.append(str(path))
    return paths


def most_in_one_second(times: list[float]) -> int:
    """The most requests in any window [t, t + 1 s) that starts at a request."""
    times = sorted(times)
    best, end = 0, 0
    for start, at in enumerate(times):
        while end < len(times) and times[end] < at + 1.0:
            end += 1
        best = max(best, end - start)
    return best
