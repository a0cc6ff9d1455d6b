"""Package metadata a registry page shows: license, URLs, authors, classifiers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]


def _project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_license_file_matches_pyproject() -> None:
    project = _project()
    assert project["license"] == {"text": "MIT"}
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]


def test_urls_authors_classifiers_keywords() -> None:
    project = _project()
    assert {"Homepage", "Repository", "Issues"} <= set(project["urls"])
    assert project["authors"]
    assert project["keywords"]
    python = [c for c in project["classifiers"] if c.startswith("Programming Language")]
    assert "Programming Language :: Python :: 3.10" in python
    assert project["requires-python"].startswith(">=3.10")
