"""The README as a new user follows it: install, the keyless try-out, the tests.

Its Python snippets (and every docs page's) run in tests/unit_tests/test_docs.py.
"""

from __future__ import annotations

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
TEST_COMMAND = (
    "pytest --nbmake --disable-socket --allow-unix-socket --allow-hosts=127.0.0.1"
    " tests cookbook"
)

pytestmark = pytest.mark.enable_socket


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


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


def test_the_readme_stays_short() -> None:
    assert len(README.encode("utf-8")) <= 10 * 1024


def _section(title: str) -> str:
    return README.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_install_is_from_a_clone_with_pypi_only_once_released() -> None:
    section = _section("Install")
    assert "Python 3.10" in section
    assert "python3 -m venv" in section
    assert "git clone https://github.com/gravixlayer/langchain-gravix-vision" in section
    assert "cd langchain-gravix-vision" in section
    assert re.search(r"^python -m pip install \.(\s|$)", section, re.MULTILINE)
    assert 'pip install -e ".[test,lint]"' in section
    # not published yet: the PyPI name is only what to use once released
    (pypi,) = [
        line for line in section.splitlines() if "pip install langchain-" in line
    ]
    assert "released" in pypi


def test_quickstart_installs_and_runs_the_main_job_in_one_command() -> None:
    (command,) = [
        line for line in _section("Quickstart").splitlines() if "gravix-vision " in line
    ]
    assert command.startswith('python -m pip install -e ".[test,lint]" && ')
    assert "gravix-vision describe tests/data/photos --format jsonl" in command


def test_the_test_command_is_the_one_ci_and_make_run() -> None:
    assert TEST_COMMAND in _section("Tests").splitlines()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    marker = next(i for i, line in enumerate(ci) if "README-TEST-COMMAND" in line)
    assert ci[marker + 1] == TEST_COMMAND
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"test:\n\t{TEST_COMMAND}\n" in makefile


def test_the_readme_links_every_docs_page() -> None:
    for page in (ROOT / "docs").glob("*.md"):
        assert f"(docs/{page.name}" in README, f"README does not link docs/{page.name}"
