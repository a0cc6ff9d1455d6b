"""gravix-vision: run the vision tools over files, folders and URLs from a shell.

Exit status: 0 when every image succeeded (or was already done), 1 when some
failed (each failure is in the output), 2 for usage errors or a missing key.

Resuming: with ``--format jsonl --output FILE`` a run skips every image that
already has a successful record in FILE for the same command, image content
(SHA-256 of the file's bytes; a URL's text), arguments and model; at the end
FILE holds one current record per key (a failure retried successfully is
replaced, not repeated). Results come out in input order, except JSONL, which
streams them as they finish. Progress goes to stderr, never to the results.

Examples:
    gravix-vision describe photos/ --format jsonl --output out.jsonl
    gravix-vision chart chart.png --question "Which year was highest?"
    gravix-vision text scans/ --output-format markdown --format markdown
    gravix-vision locate desk.jpg --query cup --annotate annotated/
    gravix-vision text report.pdf --pages 1-5
    gravix-vision compare before.jpg after.jpg --question "What changed?"

``compare`` is the exception: one request and one JSON record for all its
inputs, never resumed (see ``cli/_compare.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.messages import ToolMessage
from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel

from langchain_gravix_vision import _tool_options
from langchain_gravix_vision._options import CLI_SETTINGS, build_llm
from langchain_gravix_vision._text import printable
from langchain_gravix_vision.annotate import annotate
from langchain_gravix_vision.chat_models import API_KEY_ENV
from langchain_gravix_vision.cli import _compare, doctor
from langchain_gravix_vision.cli import _ray as ray_engine
from langchain_gravix_vision.cli._output import (
    Done,
    NotJsonl,
    Progress,
    Record,
    Summary,
    Writer,
    compact,
    image_sha256,
    input_key,
)
from langchain_gravix_vision.cli._parser import build_parser
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.images._sources import source_kind
from langchain_gravix_vision.inputs import SUFFIXES, find_files
from langchain_gravix_vision.mcp import server as mcp_server
from langchain_gravix_vision.tools import (
    Detections,
    ExtractedText,
    ExtractTextTool,
    VisionTool,
)
from langchain_gravix_vision.video import VIDEO_SUFFIXES


class NoImagesFound(ValueError):
    """A folder given as an input holds no image or PDF."""


def expand_inputs(
    inputs: Iterable[str], suffixes: frozenset[str] = SUFFIXES
) -> list[str]:
    """Files as given, folders walked recursively for images, URLs unchanged.

    ``suffixes``: the file types a folder is searched for (videos for
    ``gravix-vision video``).

    Raises:
        NoImagesFound: A folder holds no file of a type in ``suffixes``.
    """
    sources: list[str] = []
    what = "video" if suffixes == VIDEO_SUFFIXES else "image or PDF"
    for item in inputs:
        path = Path(item)
        if source_kind(item) != "path":
            sources.append(item)
        elif path.is_dir():
            found = [str(p) for p in find_files(path, suffixes=suffixes)]
            if not found:
                kinds = ", ".join(sorted(suffixes))
                msg = f"no {what} found under {printable(item)!r} ({kinds})"
                raise NoImagesFound(msg)
            sources.extend(found)
        else:
            sources.append(item)
    return sources


def _expand(args: argparse.Namespace) -> list[str]:
    """The run's sources: videos for ``video``, else images and PDFs."""
    video = args.command == "video"
    return expand_inputs(args.inputs, VIDEO_SUFFIXES if video else SUFFIXES)


def task_args(args: argparse.Namespace) -> dict[str, Any]:
    """The tool arguments other than the image source."""
    task: dict[str, Any] = {}
    if getattr(args, "question", None):
        task["question"] = args.question
    if getattr(args, "pages", None):
        task["pages"] = args.pages
    if args.command == "describe":
        task["detail_level"] = args.detail_level
    if args.command == "text":
        task["output_format"] = args.output_format
        if args.language:
            task["language_hint"] = args.language
        if args.force_ocr:
            task["force_ocr"] = True
    if args.command == "video" and args.max_frames:
        task["max_frames"] = args.max_frames
    if args.command == "locate":
        task["query"] = args.query
        task["max_objects"] = args.max_objects
    return {**task, **_tool_options.task_options(args)}


def save_annotated(source: str, record: Record, folder: str) -> str | None:
    """Draw ``record``'s boxes on the local image ``source``; return the file written.

    URLs are not annotated (their bytes are not kept). The name is the image's
    stem plus a short hash of its path, so same-named images do not collide.
    """
    if record.result is None or source_kind(source) != "path":
        return None
    found = Detections.model_validate(record.result)
    digest = hashlib.sha256(source.encode()).hexdigest()[:8]
    target = Path(folder) / f"{Path(source).stem}-{digest}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    annotate(source, found).save(target)
    return str(target)


def run_args(args: argparse.Namespace, task: dict[str, Any]) -> dict[str, Any]:
    """The arguments recorded (and resumed on): the task, plus ``--detail`` if set.

    Example:
        >>> run_args(argparse.Namespace(detail="low"), {"question": "?"})
        {'question': '?', 'detail': 'low'}
    """
    detail = getattr(args, "detail", None)
    task = {**task, **_tool_options.record_options(args)}
    return {**task, "detail": detail} if detail else task


async def run_one(
    tool: VisionTool, source: str, task: dict[str, Any], config: RunnableConfig
) -> Record:
    """Run the tool on one image; failures become records, never exceptions.

    The record's ``content`` is the result as a person reads it: for
    ``text`` the transcription itself (the "untrusted data" framing the tool
    adds for an agent is left out).
    """
    call = {
        "args": {getattr(tool, "source_arg", "image"): source, **task},
        "id": "cli",
        "name": tool.name,
        "type": "tool_call",
    }
    message = await tool.ainvoke(call, config=config)
    if not isinstance(message, ToolMessage):  # a tool call always gives one
        msg = f"{tool.name} returned {type(message).__name__}, not a ToolMessage"
        raise TypeError(msg)
    if message.status == "error":
        return Record(source=source, status="error", error=str(message.content))
    artifact = message.artifact
    content = (
        artifact.text if isinstance(artifact, ExtractedText) else str(message.content)
    )
    return Record(
        source=source,
        status="ok",
        content=content,
        result=artifact.model_dump(mode="json")
        if isinstance(artifact, BaseModel)
        else artifact,
    )


def _stub(args: argparse.Namespace, task: dict[str, Any], source: str) -> Record:
    """The record an input will get, before its result (keys only)."""
    return Record(
        source=source,
        status="",
        command=args.command,
        model=args.model,
        args=run_args(args, task),
    )


def run_inputs(args: argparse.Namespace) -> set[str]:
    """The input keys of this run (``input_key``), for compacting its output."""
    task = task_args(args)
    return {input_key(_stub(args, task, s).to_json()) for s in args.sources}


async def run(
    args: argparse.Namespace, stream: IO[str], summary: Summary | None = None
) -> Summary:
    """Process every input with bounded concurrency and a client rate limit.

    ``summary`` is filled in as records are written, so a caller still has
    the counts when the run is interrupted.
    """
    tool = args.tool_class(
        llm=build_llm(args),
        # The user named the files; private hosts only with --allow-host.
        image_policy=ImagePolicy(
            allow_any_path=True, allowed_hosts=tuple(args.allow_host or ())
        ),
        setting_names=CLI_SETTINGS,
        detail=getattr(args, "detail", None),
        **_tool_options.tool_options(args),
    )
    task = task_args(args)
    sources = list(getattr(args, "sources", None) or _expand(args))
    done = getattr(args, "done", None) or Done.read(args.output, args.format)
    summary = summary or Summary()
    writer = Writer(stream, args.format)
    todo: list[tuple[int, str, Record]] = []
    for source in sources:
        stub = _stub(args, task, source)
        stub.image_sha256 = image_sha256(source)
        if done.has(stub):
            summary.skipped += 1
        elif (reused := done.reusable(stub)) is not None:  # same bytes, other name
            writer.write(reused)
            summary.reused += 1
        else:
            todo.append((len(todo), source, stub))
    usage = UsageMetadataCallbackHandler()
    config: RunnableConfig = {"callbacks": [usage]}
    results_on_terminal = stream is sys.stdout and sys.stdout.isatty()
    progress = Progress(
        len(todo),
        enabled=not args.no_progress
        and sys.stderr.isatty()
        and not results_on_terminal,
    )
    if isinstance(tool, ExtractTextTool):
        tool.on_page = progress.page
    gate = asyncio.Semaphore(max(1, args.concurrency))

    async def worker(index: int, source: str, stub: Record) -> None:
        async with gate:
            record = await run_one(tool, source, task, config)
            if getattr(args, "annotate", None) and record.status == "ok":
                record.annotated = await asyncio.to_thread(
                    save_annotated, source, record, args.annotate
                )
        record.command, record.model = stub.command, stub.model
        record.args, record.image_sha256 = stub.args, stub.image_sha256
        writer.write(record, index)
        if record.status == "ok":
            summary.done += 1
        else:
            summary.failed += 1
        progress.step()

    await asyncio.gather(*(worker(*item) for item in todo))
    writer.close()
    summary.tokens = sum(u["total_tokens"] for u in usage.usage_metadata.values())
    return summary


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (tests, notebooks)
        pass


def _interrupted(summary: Summary, args: argparse.Namespace) -> int:
    """One line for Ctrl-C: what finished, and how to resume. Exit status 130."""
    resumable = args.output and args.format == "jsonl"
    hint = (
        "run the same command again to resume (finished records are kept)"
        if resumable
        else "use --format jsonl --output FILE to make a run resumable"
    )
    sys.stderr.write(
        f"gravix-vision: interrupted; {summary.done} done, {summary.failed} failed"
        f" before the stop; {hint}.\n"
    )
    return 130  # 128 + SIGINT, as shells report it


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gravix-vision`` command; returns the exit status.

    0: every input succeeded (or was done already); 1: some failed; 2: usage
    error or missing key; 3: the server is unusable (``doctor``); 130: Ctrl-C.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "mcp":
        return mcp_server.main(args)
    if args.command == "doctor":
        return doctor.main(args)
    if args.command == "compare":  # one record for all inputs: no resume
        return _compare.main(args, expand_inputs)
    if args.engine == "ray" and (why := ray_engine.refusal(args)):
        args.subparser.error(why)
    if args.output and not Path(args.output).parent.is_dir():
        args.subparser.error(f"--output: the folder of {args.output!r} does not exist")
    try:
        args.sources = _expand(args)
        if args.engine == "local":
            args.done = Done.read(args.output, args.format)  # refused before work
    except (NoImagesFound, NotJsonl) as exc:
        sys.stderr.write(f"gravix-vision: {exc}.\n")
        return 2
    if not os.environ.get(API_KEY_ENV):
        sys.stderr.write(
            f"gravix-vision: {API_KEY_ENV} is not set; run "
            f"'export {API_KEY_ENV}=<your key>' first.\n"
        )
        return 2
    if args.engine == "ray":
        return ray_engine.run(args, args.sources, task_args(args))
    summary = Summary()
    try:
        return _run_to(args, summary)
    except KeyboardInterrupt:
        return _interrupted(summary, args)


def _run_to(args: argparse.Namespace, summary: Summary) -> int:
    """Run into ``--output`` or stdout; print the summary line."""
    if args.output:
        mode = "a" if args.format == "jsonl" else "w"
        try:
            out = Path(args.output).open(mode, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            sys.stderr.write(
                f"gravix-vision: cannot write --output ({exc.strerror}).\n"
            )
            return 2
        try:
            with out:
                asyncio.run(run(args, out, summary))
        finally:  # an interrupted run keeps its finished records, compacted
            if args.format == "jsonl":
                compact(args.output, run_inputs(args))
    else:
        try:
            asyncio.run(run(args, sys.stdout, summary))
        except BrokenPipeError:  # e.g. `gravix-vision ... | head`: stop quietly
            _silence_stdout()
            return 141  # 128 + SIGPIPE, as shell tools report it
    sys.stderr.write(summary.line() + "\n")
    return 1 if summary.failed else 0
