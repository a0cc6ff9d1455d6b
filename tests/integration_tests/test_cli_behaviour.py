"""The CLI as a person meets it: help, usage errors, empty folders, Ctrl-C, ports.

Each test runs the real entry point; the Ctrl-C and port tests run it as a
subprocess against the stand-in (a subprocess cannot replay cassettes).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from langchain_gravix_vision import GravixVisionToolkit
from langchain_gravix_vision.cli import main
from langchain_gravix_vision.mcp.server import SERVED
from tests.stand_in import StandInServer

DATA = Path(__file__).resolve().parents[1] / "data"
CLI = [sys.executable, "-m", "langchain_gravix_vision.cli"]


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", ["describe", "chart", "text", "locate"])
def test_help_shows_each_default_once(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = " ".join(_help(capsys, command).split())  # help lines re-joined
    assert "(default: None)" not in text
    assert "(default: False)" not in text
    assert text.count("$GRAVIXLAYER_BASE_URL") == 1
    for option in text.split(" --")[1:]:
        assert option.count("(default") <= 1, option


def test_mcp_help_names_every_served_tool_and_its_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = " ".join(_help(capsys, "mcp").split())
    names = [tool.name for tool in GravixVisionToolkit(**SERVED).get_tools()]
    assert all(name in text for name in names)
    assert f"{len(names)} vision tools" in text
    assert "(default: 127.0.0.1)" in text
    assert "(default: 8765)" not in text  # the stand-in's port


def test_a_subcommand_usage_error_shows_the_subcommand_usage(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["describe", "x.png", "--output", str(tmp_path / "no" / "out.jsonl")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gravix-vision describe")
    assert "gravix-vision describe: error: --output" in err


def test_an_empty_folder_says_so_and_fails(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRAVIXLAYER_API_KEY", "anything")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "notes.txt").write_text("not an image")
    monkeypatch.chdir(tmp_path)
    assert main(["describe", "photos", "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no image or PDF found under 'photos'" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def _complete_records(path: Path) -> list[dict[str, object]]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "a record was cut in half"
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.enable_socket
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_prints_one_line_keeps_complete_records_and_resumes(
    tmp_path: Path,
) -> None:
    photos = sorted(p for p in (DATA / "photos").iterdir() if p.suffix != ".md")
    out = tmp_path / "out.jsonl"
    argv = [*CLI, "describe", *map(str, photos), "--format", "jsonl"]
    argv += ["--output", str(out), "--no-progress", "--concurrency", "1"]
    with StandInServer() as server:
        env = {
            **os.environ,
            "GRAVIXLAYER_BASE_URL": server.base_url,
            "GRAVIXLAYER_API_KEY": "anything",
        }
        server.fail_next(delay_s=0.1)
        server.fail_next(times=len(photos), delay_s=3.0)  # the rest are slow
        process = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not (out.exists() and out.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
        assert "interrupted" in err
        assert "same command" in err
        finished = _complete_records(out)
        assert 1 <= len(finished) < len(photos)
        server.reset()
        resumed = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=120, check=False
        )
    assert resumed.returncode == 0, resumed.stderr
    assert "skipped" in resumed.stderr
    records = _complete_records(out)
    assert sorted(r["source"] for r in records) == sorted(map(str, photos))


@pytest.mark.enable_socket
def test_mcp_on_a_port_in_use_is_one_line_and_status_2(tmp_path: Path) -> None:
    pytest.importorskip("mcp")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*CLI, "mcp", "--http", "--port", str(port)],
            env={**os.environ, "GRAVIXLAYER_API_KEY": "anything"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
        )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "already in use" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ resume


def _describe(
    server: StandInServer, cwd: Path, *inputs: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GRAVIXLAYER_BASE_URL": server.base_url,
        "GRAVIXLAYER_API_KEY": "anything",
    }
    argv = [*CLI, "describe", *inputs, "--format", "jsonl", "-o", "out.jsonl"]
    return subprocess.run(
        [*argv, "--no-progress"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _photos(folder: Path) -> list[Path]:
    folder.mkdir()
    photos = sorted(p for p in (DATA / "photos").iterdir() if p.suffix != ".md")
    for photo in photos:
        (folder / photo.name).write_bytes(photo.read_bytes())
    return sorted(folder.iterdir())


@pytest.mark.enable_socket
def test_resume_reuses_the_same_bytes_under_another_name(tmp_path: Path) -> None:
    first = _photos(tmp_path / "photos")
    _photos(tmp_path / "copies")
    with StandInServer() as server:
        assert _describe(server, tmp_path, "photos").returncode == 0
        sent = len(server.requests)
        again = _describe(server, tmp_path, "copies")
        assert again.returncode == 0, again.stderr
        assert len(server.requests) == sent  # nothing sent again
    assert f"{len(first)} reused" in again.stderr
    records = _complete_records(tmp_path / "out.jsonl")
    by_source = {r["source"]: r for r in records}
    assert len(records) == len(by_source) == 2 * len(first)
    for photo in first:
        copy = by_source[f"copies/{photo.name}"]
        original = by_source[f"photos/{photo.name}"]
        assert copy["status"] == "ok"
        assert copy["result"] == original["result"]
        assert copy["image_sha256"] == original["image_sha256"]


@pytest.mark.enable_socket
def test_resume_replaces_the_record_of_an_input_whose_bytes_changed(
    tmp_path: Path,
) -> None:
    photos = _photos(tmp_path / "photos")
    with StandInServer() as server:
        assert _describe(server, tmp_path, "photos").returncode == 0
        changed = photos[0]
        changed.write_bytes((DATA / "charts" / "bar_sales.png").read_bytes())
        sent = len(server.requests)
        again = _describe(server, tmp_path, "photos")
        assert again.returncode == 0, again.stderr
        assert len(server.requests) == sent + 1  # only the changed image
    assert f"1 done, 0 failed, {len(photos) - 1} skipped" in again.stderr
    records = _complete_records(tmp_path / "out.jsonl")
    assert sorted(r["source"] for r in records) == [f"photos/{p.name}" for p in photos]
    (current,) = [r for r in records if r["source"] == f"photos/{changed.name}"]
    assert current["image_sha256"] == hashlib.sha256(changed.read_bytes()).hexdigest()


@pytest.mark.enable_socket
@pytest.mark.parametrize(
    "content",
    ['[{"source": "a.png", "status": "ok"}]\n', "## notes\n\nnot records\n"],
    ids=["json-array", "markdown"],
)
def test_an_output_that_is_not_jsonl_is_refused_before_any_work(
    tmp_path: Path, content: str
) -> None:
    _photos(tmp_path / "photos")
    (tmp_path / "out.jsonl").write_text(content)
    with StandInServer() as server:
        done = _describe(server, tmp_path, "photos")
        assert server.requests == []
    assert done.returncode == 2
    assert "'out.jsonl' is not a gravix-vision JSONL record" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (tmp_path / "out.jsonl").read_text() == content
