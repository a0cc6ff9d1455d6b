"""Shared pieces: run sizes (full vs smoke), timing helpers and section results."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
"""The repository root (workers run with it as their working directory)."""


@dataclass(frozen=True)
class Config:
    """How big a run is: ``full`` for RESULTS.md, ``smoke`` for the test suite."""

    smoke: bool
    photo_size: tuple[int, int]
    throughput_rounds: int
    construct_reps: int
    invoke_calls: int
    concurrency_calls: int
    concurrency_levels: tuple[int, ...]
    server_delay_s: float
    rate_time_scale: float
    rate_limit: int
    rate_requests: int
    memory_images: int
    profile: bool

    @classmethod
    def full(cls) -> Config:
        """Phone-sized photos, enough repetitions for stable medians (~3 min)."""
        return cls(
            smoke=False,
            photo_size=(4032, 3024),
            throughput_rounds=5,
            construct_reps=200,
            invoke_calls=300,
            concurrency_calls=100,
            concurrency_levels=(5, 10, 25, 100),
            server_delay_s=0.2,
            rate_time_scale=10.0,
            rate_limit=100,
            rate_requests=200,
            memory_images=100,
            profile=True,
        )

    @classmethod
    def smoke_run(cls) -> Config:
        """Tiny sizes and few repetitions: checks that every section still runs."""
        return cls(
            smoke=True,
            photo_size=(800, 600),
            throughput_rounds=1,
            construct_reps=5,
            invoke_calls=10,
            concurrency_calls=20,
            concurrency_levels=(10,),
            server_delay_s=0.05,
            rate_time_scale=120.0,
            rate_limit=15,
            rate_requests=30,
            memory_images=4,
            profile=False,
        )


@dataclass
class Target:
    """One target: what was measured, what was wanted, and whether it was met."""

    name: str
    measured: str
    wanted: str
    met: bool | None
    note: str = ""

    @property
    def verdict(self) -> str:
        """``met``, ``NOT met`` or ``n/a`` (no baseline available)."""
        if self.met is None:
            return "n/a"
        return "met" if self.met else "NOT met"


@dataclass
class Section:
    """One benchmark section: a title, Markdown body lines and its targets."""

    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        """Append Markdown lines to the body."""
        self.lines.extend(lines)


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (the figure every section reports)."""
    return statistics.median(values)


def time_once(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes (``perf_counter``)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_calls(fn: Callable[[], Any], n: int) -> list[float]:
    """Seconds each of ``n`` consecutive calls of ``fn`` takes."""
    return [time_once(fn) for _ in range(n)]


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def fmt_bytes(n: float) -> str:
    """``1,234,567 B`` as ``1.18 MiB`` etc."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.0f} B"


def run_worker(module: str, args: Sequence[str], timeout: float = 300) -> Any:
    """Run ``python -m module args...`` in a fresh process; return its JSON line.

    The worker prints one JSON document as its last stdout line. A failure
    raises ``RuntimeError`` with the worker's stderr tail.
    """
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-15:]
        msg = f"worker {module} {list(args)} failed ({proc.returncode}):\n" + "\n".join(
            tail
        )
        raise RuntimeError(msg)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def pin_to_one_core() -> str:
    """Pin this process to one CPU where the OS allows it; say what was done."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity on this OS)"


def _package_of(file: str) -> str:
    """Group a profiled function by the package its file belongs to."""
    if file == "~":
        return "C builtins (socket I/O, select, ...)"
    parts = Path(file).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    if "langchain_gravix_vision" in parts:
        return "langchain_gravix_vision"
    return "stdlib"


def profile_by_package(fn: Callable[[], Any], units: int) -> dict[str, float]:
    """Run ``fn`` once under cProfile; own time per unit (us) by package.

    Only the calling thread is profiled.
    """
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    per_package: dict[str, float] = {}
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (file, _, _), (_, _, tottime, _, _) in stats.items():
        key = _package_of(file)
        per_package[key] = per_package.get(key, 0.0) + tottime / units * 1e6
    return per_package


def package_table(profiles: dict[str, dict[str, float]], limit: int = 8) -> list[str]:
    """A Markdown table of :func:`profile_by_package` results side by side."""
    names = list(profiles)
    first = profiles[names[-1]]
    packages = sorted({k for p in profiles.values() for k in p}, key=first.get)
    packages = sorted(packages, key=lambda k: -first.get(k, 0.0))[:limit]
    rows = [(k, *(f"{profiles[n].get(k, 0.0):.0f}" for n in names)) for k in packages]
    totals = ("**total**", *(f"{sum(profiles[n].values()):.0f}" for n in names))
    return table(["package (own time, us)", *names], [*rows, totals])
