"""gravix-vision as a new user meets it: resume keys, usage errors, output hygiene."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_gravix_vision import __version__
from langchain_gravix_vision._options import full_bucket_limiter
from langchain_gravix_vision.cli import main
from langchain_gravix_vision.cli._output import Record, Writer
from langchain_gravix_vision.cli._parser import build_parser
from tests.scripted_answers import DATA, GROUND_TRUTH, chart, description, text
from tests.stand_in import Reply, StandInServer

pytestmark = pytest.mark.vcr

PHOTO = DATA / "photos" / "chelsea.png"
CHART = DATA / "charts" / "bar_sales.png"
RECEIPT = DATA / "text" / "receipt.png"


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def answers(stand_in: StandInServer | None) -> Iterator[None]:
    """Recording only: answer each vision call by the schema it asks for."""
    if stand_in is None:
        yield
        return

    def answer(request: dict[str, Any]) -> Reply:
        name = request["response_format"]["json_schema"]["name"]
        if name == "ChartData":
            payload = chart(GROUND_TRUTH["charts"]["bar_sales"])
        elif name == "TextReading":
            payload = text(GROUND_TRUTH["texts"]["receipt"])
        else:
            payload = description("A tabby cat.", ["cat"])
        return Reply(content=json.dumps(payload))

    stand_in.script(answer)
    yield
    stand_in.reset()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    copy = tmp_path / "photo.png"
    shutil.copy(PHOTO, copy)
    return copy


# ------------------------------------------------------------------ resume


def test_resume_keys_on_command_arguments_and_content(
    photo: Path, tmp_path: Path, answers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    common = ["--format", "jsonl", "-o", str(out), "--no-progress"]
    assert main(["describe", str(photo), *common]) == 0
    assert main(["describe", str(photo), *common]) == 0  # same key: skipped
    assert "0 done, 0 failed, 1 skipped" in capsys.readouterr().err
    # Another command, another question: not the same job, so not skipped.
    assert main(["chart", str(photo), *common]) == 0
    assert main(["describe", str(photo), "--question", "What animal?", *common]) == 0
    assert "1 done, 0 failed, 0 skipped" in capsys.readouterr().err.splitlines()[-1]
    first = _records(out)[0]
    # The same path with other bytes behind it: sent again, its record replaced.
    shutil.copy(CHART, photo)
    assert main(["describe", str(photo), *common]) == 0
    assert "1 done, 0 failed, 0 skipped" in capsys.readouterr().err.splitlines()[-1]
    records = _records(out)
    assert [r["command"] for r in records] == ["chart", "describe", "describe"]
    assert records[1]["args"]["question"] == "What animal?"
    assert first["command"] == "describe"
    assert "question" not in first["args"]
    assert records[2]["image_sha256"] != first["image_sha256"]
    assert "question" not in records[2]["args"]
    assert {r["model"] for r in records} == {"qwen2.5vl:7b"}


@pytest.mark.vcr(allow_playback_repeats=False)  # the same request: 400, then 200
def test_a_retried_failure_leaves_one_current_record(
    photo: Path,
    tmp_path: Path,
    answers: None,
    stand_in: StandInServer | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out.jsonl"
    argv = ["describe", str(photo), "--format", "jsonl", "-o", str(out)]
    if stand_in is not None:
        stand_in.fail_next(400, {"error": {"message": "bad request"}})
    assert main(argv) == 1
    assert [r["status"] for r in _records(out)] == ["error"]
    assert main(argv) == 0
    (record,) = _records(out)
    assert record["status"] == "ok"


def test_old_records_without_a_key_are_kept(
    photo: Path, tmp_path: Path, answers: None
) -> None:
    out = tmp_path / "out.jsonl"
    old = {"source": str(photo), "status": "ok", "content": "from 0.1"}
    out.write_text(json.dumps(old) + "\n" + "{cut off\n")
    assert main(["describe", str(photo), "--format", "jsonl", "-o", str(out)]) == 0
    records = _records(out)
    assert records[0] == old
    assert records[1]["status"] == "ok"


# ------------------------------------------------------------------ outputs


def test_text_markdown_writes_the_clean_transcription(
    tmp_path: Path, answers: None
) -> None:
    out = tmp_path / "receipt.md"
    argv = ["text", str(RECEIPT), "--format", "markdown", "-o", str(out)]
    assert main(argv) == 0
    written = out.read_text()
    assert written.startswith(f"## {RECEIPT}")
    assert "untrusted" not in written
    assert "<<<" not in written
    assert GROUND_TRUTH["texts"]["receipt"].splitlines()[0] in written


def test_missing_file_is_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["describe", "no-such-photo.png", "--format", "json", "--no-progress"]
    assert main(argv) == 1
    (record,) = json.loads(capsys.readouterr().out)
    assert record["error"].startswith("not_found:")


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_non_streaming_formats_keep_input_order(fmt: str) -> None:
    stream = io.StringIO()
    writer = Writer(stream, fmt)
    records = [
        Record(source=f"img{i}.png", status="ok", content=f"c{i}") for i in range(4)
    ]
    for index in (2, 0, 3, 1):  # completion order
        writer.write(records[index], index)
    writer.close()
    output = stream.getvalue()
    positions = [output.index(f"img{i}.png") for i in range(4)]
    assert positions == sorted(positions)


def test_jsonl_streams_in_completion_order() -> None:
    stream = io.StringIO()
    writer = Writer(stream, "jsonl")
    writer.write(Record(source="b.png", status="ok"), 1)
    assert "b.png" in stream.getvalue()


def test_progress_never_reaches_stdout(
    photo: Path,
    answers: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    argv = ["describe", str(photo), str(photo.parent), "--format", "jsonl"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    for line in captured.out.splitlines():
        json.loads(line)  # nothing but results on stdout
    assert "[" not in captured.out.split('"source"')[0]


def test_no_progress_bar_when_results_share_the_terminal(
    photo: Path,
    answers: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert main(["describe", str(photo), str(photo.parent), "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert "[#" not in captured.err
    assert "[#" not in captured.out


def test_progress_bar_on_stderr_when_results_go_to_a_file(
    photo: Path,
    tmp_path: Path,
    answers: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    out = tmp_path / "out.jsonl"
    argv = ["describe", str(photo), str(photo.parent), "--format", "jsonl", "-o"]
    assert main([*argv, str(out)]) == 0
    captured = capsys.readouterr()
    assert "[#" in captured.err
    assert captured.out == ""
    assert "[#" not in out.read_text()


# ------------------------------------------------------------------ usage


@pytest.mark.parametrize(
    "extra",
    [
        ["-o", "missing_dir/out.txt"],
        ["--concurrency", "0"],
        ["--concurrency", "-5"],
        ["--concurrency", "two"],
        ["--rate-limit", "-1"],
        ["--rate-limit", "nan"],
        ["--rate-limit", "inf"],
    ],
)
def test_usage_errors_exit_2_without_a_traceback(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["describe", str(PHOTO), *extra])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "error:" in err


def test_rate_limit_zero_means_no_limit() -> None:
    args = build_parser().parse_args(["describe", "x.png", "--rate-limit", "0"])
    assert args.rate_limit == 0


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"gravix-vision {__version__}"


@pytest.mark.parametrize("command", ["describe", "chart", "text"])
def test_help_shows_defaults_and_every_option_is_explained(command: str) -> None:
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    for action in sub._actions:
        assert action.help, f"{action.dest} has no help text"
    text = sub.format_help()
    assert "(default: 4)" in text  # --concurrency
    assert "(default: 100.0)" in text  # --rate-limit
    assert "GRAVIXLAYER_BASE_URL" in text  # --base-url


def test_limiter_starts_with_a_full_bucket() -> None:
    limiter = full_bucket_limiter(100, bucket=4)
    # The first `bucket` requests go at once (no wait for tokens to accrue).
    assert all(limiter.acquire(blocking=False) for _ in range(4))
    assert not limiter.acquire(blocking=False)


@pytest.mark.enable_socket
def test_a_closed_pipe_ends_the_run_quietly() -> None:
    """`gravix-vision describe ... | head -c 10`: no traceback, SIGPIPE's status."""
    photos = " ".join([str(DATA / "photos")] * 20)  # writes go on after head exits
    command = (
        f"{sys.executable} -m langchain_gravix_vision.cli describe"
        f" {photos} --format jsonl --no-progress | head -c 10"
    )
    with StandInServer() as server:  # a subprocess cannot replay cassettes
        env = {
            **os.environ,
            "GRAVIXLAYER_BASE_URL": server.base_url,
            "GRAVIXLAYER_API_KEY": "anything",
        }
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
    assert "Traceback" not in done.stderr
    assert done.returncode == 141
