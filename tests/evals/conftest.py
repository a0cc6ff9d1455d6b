"""Live quality evals: a score table, rewritten by every live run.

These tests are marked ``live`` and skipped unless ``GRAVIX_VCR=live``: against
cassettes or the stand-in their answers are scripted, so a score would only
measure the script. A live run writes ``tests/evals/RESULTS.md``.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.evals.scoring import AGENT_MODEL, VISION_MODEL

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Scores:
    """Rows of the eval table: what was measured, the score, the bound."""

    rows: list[tuple[str, str, float, str, bool]] = field(default_factory=list)

    def add(
        self, eval_name: str, case: str, score: float, bound: str, ok: bool
    ) -> None:
        self.rows.append((eval_name, case, score, bound, ok))

    def markdown(self, model: str) -> str:
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            "# Quality evals (live)",
            "",
            f"Written by `GRAVIX_VCR=live pytest -m live tests/evals` on {when}"
            f" (model {model}, Python {platform.python_version()}).",
            "",
            "| Eval | Case | Score | Bound | Pass |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {name} | {case} | {score:.3f} | {bound} | {'✅' if ok else '❌'} |"
            for name, case, score, bound, ok in self.rows
        ]
        return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def scores() -> Iterator[Scores]:
    """Collect every eval's score; write the table when the session ends."""
    table = Scores()
    yield table
    if table.rows:
        models = f"{VISION_MODEL}, agent {AGENT_MODEL}"
        RESULTS.write_text(table.markdown(models), encoding="utf-8")
