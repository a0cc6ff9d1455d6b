"""The README as a new user follows it: every Python snippet and the keyless try-out.

Snippets run against the stand-in server (scripted answers) from a directory
other than the clone's root, and must print something.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_gravix_vision.cli import main
from tests.stand_in import StandInServer

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_SNIPPETS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)

pytestmark = pytest.mark.enable_socket


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


@pytest.fixture
def elsewhere(
    server: StandInServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("GRAVIXLAYER_BASE_URL", server.base_url)
    monkeypatch.setenv("GRAVIXLAYER_API_KEY", "anything")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_readme_has_snippets() -> None:
    assert len(PYTHON_SNIPPETS) >= 3


@pytest.mark.parametrize(
    "snippet", PYTHON_SNIPPETS, ids=[f"snippet{i}" for i in range(len(PYTHON_SNIPPETS))]
)
def test_python_snippet_runs_from_any_directory_and_prints(
    snippet: str, elsewhere: Path
) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "README.md", "exec"), {"__name__": "__readme__"})
    assert out.getvalue().strip(), "a README snippet should print its result"


def test_try_it_without_a_key(
    server: StandInServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    section = README.split("## Try it without a key", 1)[1].split("\n## ", 1)[0]
    assert "scripted" in section
    assert "python -m tests.stand_in" in section
    assert "GRAVIXLAYER_BASE_URL" in section
    (job,) = [
        line.split("#")[0] for line in section.splitlines() if "gravix-vision " in line
    ]
    argv = shlex.split(job)[1:]
    monkeypatch.setenv("GRAVIXLAYER_BASE_URL", server.base_url)
    monkeypatch.setenv("GRAVIXLAYER_API_KEY", "anything")
    monkeypatch.chdir(ROOT)  # the README runs it from the clone's root
    assert main(argv) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == len(list((ROOT / "tests/data/photos").glob("*.*g")))
    assert {r["status"] for r in records} == {"ok"}


def test_install_section_names_python_venv_and_both_installs() -> None:
    section = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert "Python 3.10" in section
    assert "python3 -m venv" in section
    assert "pip install langchain-gravix-vision" in section
    assert 'pip install -e ".[test,lint]"' in section
