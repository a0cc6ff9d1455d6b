"""Each cookbook notebook opens by saying where its outputs come from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "cookbook").glob("*.ipynb"))


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
