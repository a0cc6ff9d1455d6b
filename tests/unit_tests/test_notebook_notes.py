"""Each cookbook notebook opens by saying where its outputs come from."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.stand_in.responder import SCRIPTED

COOKBOOK = Path(__file__).resolve().parents[2] / "cookbook"
NOTEBOOKS = sorted(COOKBOOK.glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_cell_says_outputs_are_scripted_and_what_a_key_changes(
    notebook: Path,
) -> None:
    first = json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]
    assert first["cell_type"] == "markdown"
    text = "".join(first["source"])
    assert "stand-in" in text
    assert "scripted" in text
    assert "GRAVIXLAYER_API_KEY" in text  # what running it with a key changes
    assert "real Gravix API" in text


_PROSE_FIELDS = ("caption", "description", "summary", "answer")


def _scripted_prose(notebook: str) -> list[str]:
    """The prose the stand-in was scripted to answer while recording ``notebook``."""
    sys.path.insert(0, str(COOKBOOK))
    try:
        import _cassette
    finally:
        sys.path.remove(str(COOKBOOK))
    prose: list[str] = []
    for reply in _cassette.scripted_replies(notebook):
        if not reply.content:
            continue  # a tool call
        try:
            payload = json.loads(reply.content)
        except json.JSONDecodeError:
            prose.append(reply.content)
            continue
        if isinstance(payload, dict):
            prose += [
                payload[k] for k in _PROSE_FIELDS if isinstance(payload.get(k), str)
            ]
    return [p for p in prose if p]


def _outputs(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n".join(
        "".join(output.get("text", ""))
        + "".join(output.get("data", {}).get("text/plain", ""))
        for cell in cells
        for output in cell.get("outputs", [])
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_scripted_prose_says_it_is_scripted(notebook: Path) -> None:
    """Every prose answer scripted for the stand-in carries the marker, and the
    stored outputs never show one without it (a live re-record shows none)."""
    shown = _outputs(notebook)
    for prose in _scripted_prose(notebook.stem):
        assert prose.startswith(SCRIPTED), f"unmarked scripted answer: {prose!r}"
        bare = prose.removeprefix(SCRIPTED).strip()
        unmarked = shown.replace(prose, "").replace(f"{SCRIPTED} {bare[:40]}", "")
        assert bare[:40] not in unmarked, (
            f"{notebook.name} shows {bare[:40]!r} unmarked"
        )
