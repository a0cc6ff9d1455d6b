"""Every page as a reader follows it: README.md, docs/*.md and CONTRIBUTING.md.

Each ```python block runs against the stand-in server (scripted answers) from a
temporary directory other than the clone's root, and must print something. That
directory holds a copy of the clone's ``tests/data/``, so a snippet may name a
sample relative to the clone's root (``tests/data/documents/mixed.pdf``); most make
their own inputs. A block preceded by ``<!-- no-run -->`` is not run (keep those
few). Snippets import only public modules, and every relative link resolves.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stand_in import StandInServer

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
NO_RUN = "<!-- no-run -->"
_BLOCK = re.compile(r"(<!-- no-run -->\s*\n)?```python\n(.*?)```", re.DOTALL)
# Public import paths only (another change may move any private module).
_PUBLIC = {
    "langchain_gravix_vision",
    "langchain_gravix_vision.profiles",
    "langchain_gravix_vision.images",
    "langchain_gravix_vision.tools",
    "langchain_gravix_vision.documents",
    "langchain_gravix_vision.document_loaders",
    "langchain_gravix_vision.chat_models",
    "langchain_gravix_vision.middleware",
    "langchain_gravix_vision.ray",
}
_IMPORT = re.compile(
    r"^\s*(?:from\s+(langchain_gravix_vision[\w.]*)\s+import"
    r"|import\s+(langchain_gravix_vision[\w.]*))",
    re.MULTILINE,
)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _blocks(page: Path) -> list[tuple[bool, str]]:
    text = page.read_text(encoding="utf-8")
    return [(bool(mark), code) for mark, code in _BLOCK.findall(text)]


SNIPPETS = [
    pytest.param(_name(page), code, id=f"{_name(page)}-{i}")
    for page in PAGES
    for i, (skip, code) in enumerate(_blocks(page))
    if not skip
]

pytestmark = pytest.mark.enable_socket


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


@pytest.fixture
def elsewhere(
    server: StandInServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A directory other than the clone's root, with a copy of its samples."""
    shutil.copytree(ROOT / "tests" / "data", tmp_path / "tests" / "data")
    monkeypatch.setenv("GRAVIXLAYER_BASE_URL", server.base_url)
    monkeypatch.setenv("GRAVIXLAYER_API_KEY", "anything")
    # an activated venv: the snippets that start `gravix-vision` find it
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_page_is_collected_and_has_snippets() -> None:
    names = {_name(page) for page in PAGES}
    assert {"README.md", "CONTRIBUTING.md", "docs/index.md"} <= names
    assert len(SNIPPETS) >= 10
    assert sum(name == "README.md" for name, *_ in (p.values for p in SNIPPETS)) >= 3


def test_no_run_blocks_stay_few() -> None:
    skipped = [page for page in PAGES for skip, _ in _blocks(page) if skip]
    assert len(skipped) <= 3, skipped


@pytest.mark.parametrize(("page", "snippet"), SNIPPETS)
def test_python_snippet_runs_from_another_directory_and_prints(
    page: str, snippet: str, elsewhere: Path
) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, page, "exec"), {"__name__": "__docs__"})
    printed = out.getvalue()
    assert printed.strip(), f"a snippet in {page} should print its result"
    # Every call reaches the stand-in (a child process too: GRAVIXLAYER_BASE_URL
    # must be passed on), so none reports an unreachable API.
    assert "could not reach" not in printed, f"a snippet in {page} missed the server"


@pytest.mark.parametrize(("page", "snippet"), SNIPPETS)
def test_python_snippet_uses_public_imports_and_plain_paths(
    page: str, snippet: str
) -> None:
    for match in _IMPORT.finditer(snippet):
        module = match.group(1) or match.group(2)
        assert module in _PUBLIC, f"{page} imports {module}, not a public module"
    assert "__file__" not in snippet, f"{page}: name samples relative to the clone"
    if re.search(r"\.(save|write_text|write_bytes|mkdir)\(", snippet):
        assert "writes" in snippet, f"{page}: a snippet that writes a file says so"


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_relative_links_resolve(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        assert (page.parent / path).exists(), f"{_name(page)} links to {target}"


def test_docs_index_lists_every_page() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "index.md":
            assert f"]({page.name})" in index, f"docs/index.md misses {page.name}"


def test_the_agent_example_reads_the_chart_and_answers_from_its_data(
    elsewhere: Path,
) -> None:
    """docs/tools.md's agent: read_chart on the path as given succeeds, and the
    last message names the x value the tool read as highest (what the calling
    model saw). That it is 2022 is model quality: tests/evals (live)."""
    from langchain_gravix_vision import ChartData

    (snippet,) = [
        code
        for skip, code in _blocks(ROOT / "docs" / "tools.md")
        if "create_agent" in code and not skip
    ]
    scope: dict[str, object] = {"__name__": "__docs__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(snippet, "docs/tools.md", "exec"), scope)
    messages = scope["state"]["messages"]  # type: ignore[index]
    calls = [call for m in messages if m.type == "ai" for call in m.tool_calls]
    assert [(c["name"], c["args"].get("image")) for c in calls] == [
        ("read_chart", "sales.png")
    ]
    (result,) = [m for m in messages if m.type == "tool"]
    assert result.status != "error", result.content
    chart = ChartData.model_validate(result.artifact.model_dump())
    points = [p for series in chart.series for p in series.points if p.y is not None]
    assert points, "the tool read no value"
    highest = str(max(points, key=lambda p: p.y or 0.0).x)
    assert highest in str(result.content), "the calling model never saw the data"
    last = messages[-1]
    assert last.type == "ai"
    assert not last.tool_calls
    assert highest in last.text
