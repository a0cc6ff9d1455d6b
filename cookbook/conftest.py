"""Notebook runs (pytest --nbmake): replay cassettes unless told otherwise.

The kernels inherit ``GRAVIX_VCR`` from here; each notebook's hidden first cell
(cookbook/_cassette.py) opens its cassette accordingly. Kernels talk to pytest
over loopback sockets, so notebook items may open sockets to 127.0.0.1 only
(``--allow-hosts=127.0.0.1``); the replay itself needs no network.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("GRAVIX_VCR", "replay")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Let notebook items reach the kernel over loopback."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.enable_socket)
