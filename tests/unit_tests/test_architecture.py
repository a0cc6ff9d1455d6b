"""The package's shape: small modules, and the layers import-linter checks."""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "langchain_gravix_vision"
MAX_LINES = 400


@pytest.mark.parametrize(
    "module", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_module_is_over_the_line_limit(module: Path) -> None:
    lines = module.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module.name} has {lines} lines; split it"


def test_the_layers_contract_is_declared() -> None:
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.importlinter]" in pyproject
    assert 'type = "layers"' in pyproject
    assert 'type = "acyclic_siblings"' in pyproject
