"""Every ``>>>`` example in the package's docstrings runs and is right."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import langchain_gravix_vision

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(
        langchain_gravix_vision.__path__, prefix="langchain_gravix_vision."
    )
)


@pytest.mark.parametrize("name", ["langchain_gravix_vision", *MODULES])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
