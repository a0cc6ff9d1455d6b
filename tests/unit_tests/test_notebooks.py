"""The cookbook notebooks as a reader sees them on the web."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

COOKBOOK = Path(__file__).resolve().parents[2] / "cookbook"
NOTEBOOKS = sorted(COOKBOOK.glob("*.ipynb"))


def _code_cells(path: Path) -> list[dict[str, Any]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code"]


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_with_outputs_and_no_test_code(path: Path) -> None:
    cells = _code_cells(path)
    sources = ["".join(c["source"]) for c in cells]
    assert not any("_cassette" in s for s in sources), "replay lives in conftest"
    outputs = [o for c in cells for o in c.get("outputs", [])]
    assert outputs, "render outputs: pytest --nbmake --overwrite cookbook"
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert all(c.get("execution_count") for c in cells), "run every cell in order"
