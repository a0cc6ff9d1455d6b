"""Notebook runs (pytest --nbmake): replay each notebook's cassette, invisibly.

The notebooks hold no test code. While pytest runs them, every kernel starts
with an IPython startup file (from a private ``IPYTHONDIR``) that opens
``cookbook/cassettes/<notebook>.yaml.gz`` through cookbook/_cassette.py, as
``GRAVIX_VCR`` says (``replay`` by default here; ``stand-in`` and ``live``
record). A reader running a notebook in Jupyter gets none of this and calls
the real API.

One-liners (from the repository root):

- check every notebook against its cassette: ``pytest --nbmake cookbook``
- render the committed outputs from the cassettes:
  ``pytest --nbmake --overwrite cookbook``
- re-record against the stand-in, then render:
  ``GRAVIX_VCR=stand-in pytest --nbmake cookbook``

Kernels talk to pytest over loopback sockets, so notebook items may open
sockets to 127.0.0.1 only (``--allow-hosts=127.0.0.1``); the replay itself
needs no network.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("GRAVIX_VCR", "replay")

HERE = Path(__file__).resolve().parent
NOTEBOOK_ENV = "GRAVIX_NOTEBOOK"
_STARTUP = f"""\
def _gravix_cassette() -> None:
    import atexit
    import os
    import sys

    notebook = os.environ.get({NOTEBOOK_ENV!r})
    if not notebook or not os.environ.get("GRAVIX_VCR"):
        return
    sys.path.insert(0, {str(HERE)!r})
    import _cassette

    _cassette.start(notebook)
    atexit.register(_cassette.stop)
    get_ipython().events.register("post_run_cell", _cassette.save)  # noqa: F821


_gravix_cassette()
del _gravix_cassette
"""


def pytest_configure(config: pytest.Config) -> None:
    """Give the notebook kernels an IPython startup file that opens the cassette."""
    ipython_dir = Path(tempfile.mkdtemp(prefix="gravix-ipython-"))
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00_gravix_cassette.py").write_text(_STARTUP, encoding="utf-8")
    os.environ["IPYTHONDIR"] = str(ipython_dir)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tell the kernel about to start which notebook (so which cassette) it runs."""
    if item.path.suffix == ".ipynb":
        os.environ[NOTEBOOK_ENV] = item.path.stem


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Let notebook items reach the kernel over loopback."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.enable_socket)
