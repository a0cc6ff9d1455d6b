"""Scores for the live quality evals, against the images' ground truth."""

from __future__ import annotations

import re
from typing import Any

from langchain_gravix_vision import ChartData

VISION_MODEL = "qwen2.5vl:7b"
AGENT_MODEL = "llama3.1:8b-instruct-fp16"


def norm(text: str | None) -> str:
    """Lower-case words and digits only, single-spaced."""
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate over whitespace-normalised text (Levenshtein)."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
            )
        previous = current
    return previous[-1] / max(1, len(ref))


def chart_values_within(data: ChartData, spec: dict[str, Any], rel: float) -> float:
    """Share of the ground-truth points read within ``rel`` (plus 0.5 absolute)."""
    read = [
        (series.name, {norm(str(p.x)): p.y for p in series.points})
        for series in data.series
    ]
    hits = total = 0
    for name, truth in spec["series"].items():
        candidates = [pts for n, pts in read if norm(n) == norm(name)] or [
            pts for _, pts in read
        ]
        for x, y in truth.items():
            total += 1
            values = [pts.get(norm(x)) for pts in candidates]
            hits += any(
                v is not None and abs(v - y) <= rel * abs(y) + 0.5 for v in values
            )
    return hits / max(1, total)
