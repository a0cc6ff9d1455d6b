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
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel

from langchain_gravix_vision import _cli_tools, doctor, mcp_server
from langchain_gravix_vision._cli_output import (
    Progress,
    Record,
    Summary,
    Writer,
    already_done,
    compact,
    image_sha256,
    record_key,
)
from langchain_gravix_vision._cli_parser import COMMANDS as COMMANDS
from langchain_gravix_vision._cli_parser import EXAMPLES as EXAMPLES
from langchain_gravix_vision._cli_parser import build_parser
from langchain_gravix_vision.annotate import annotate
from langchain_gravix_vision.chat_models import API_KEY_ENV, ChatGravixVision
from langchain_gravix_vision.images import ImagePolicy, source_kind
from langchain_gravix_vision.tools import (
    Detections,
    ExtractedText,
    ExtractTextTool,
    VisionTool,
)

IMAGE_SUFFIXES = {
    ".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp",
    ".heic", ".heif", ".avif", ".pdf",
}  # fmt: skip


def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Files as given, folders walked recursively for images, URLs unchanged."""
    sources: list[str] = []
    for item in inputs:
        path = Path(item)
        if source_kind(item) != "path":
            sources.append(item)
        elif path.is_dir():
            sources.extend(
                str(p)
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        else:
            sources.append(item)
    return sources


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
    if args.command == "locate":
        task["query"] = args.query
        task["max_objects"] = args.max_objects
    return {**task, **_cli_tools.task_options(args)}


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
    task = {**task, **_cli_tools.record_options(args)}
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
        "args": {"image": source, **task},
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


def full_bucket_limiter(requests_per_minute: float, bucket: int) -> InMemoryRateLimiter:
    """A client rate limiter whose bucket starts full: the first calls never wait."""
    limiter = InMemoryRateLimiter(
        requests_per_second=requests_per_minute / 60,
        check_every_n_seconds=0.05,
        max_bucket_size=bucket,
    )
    limiter.available_tokens = float(bucket)
    return limiter


async def run(args: argparse.Namespace, stream: IO[str]) -> Summary:
    """Process every input with bounded concurrency and a client rate limit."""
    llm_kwargs: dict[str, Any] = {"model": args.model, "max_retries": 2}
    if args.base_url:
        llm_kwargs["base_url"] = args.base_url
    if args.rate_limit > 0:
        llm_kwargs["rate_limiter"] = full_bucket_limiter(
            args.rate_limit, max(1, args.concurrency)
        )
    tool = args.tool_class(
        llm=ChatGravixVision(**llm_kwargs),
        image_policy=ImagePolicy(allow_any_path=True),  # the user named the files
        detail=getattr(args, "detail", None),
        **_cli_tools.tool_options(args),
    )
    task = task_args(args)
    sources = expand_inputs(args.inputs)
    skip = already_done(args.output, args.format)
    todo: list[tuple[int, str, Record]] = []
    for source in sources:
        stub = Record(
            source=source,
            status="",
            command=args.command,
            model=args.model,
            args=run_args(args, task),
            image_sha256=image_sha256(source),
        )
        if record_key(stub.to_json()) not in skip:
            todo.append((len(todo), source, stub))
    summary = Summary(skipped=len(sources) - len(todo))
    usage = UsageMetadataCallbackHandler()
    config: RunnableConfig = {"callbacks": [usage]}
    writer = Writer(stream, args.format)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gravix-vision`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "mcp":
        return mcp_server.main(args)
    if args.command == "doctor":
        return doctor.main(args)
    if args.output and not Path(args.output).parent.is_dir():
        parser.error(f"--output: the folder of {args.output!r} does not exist")
    if not os.environ.get(API_KEY_ENV):
        sys.stderr.write(
            f"gravix-vision: {API_KEY_ENV} is not set; run "
            f"'export {API_KEY_ENV}=<your key>' first.\n"
        )
        return 2
    if args.output:
        mode = "a" if args.format == "jsonl" else "w"
        try:
            out = Path(args.output).open(mode, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            sys.stderr.write(
                f"gravix-vision: cannot write --output ({exc.strerror}).\n"
            )
            return 2
        with out:
            summary = asyncio.run(run(args, out))
        if args.format == "jsonl":
            compact(args.output)
    else:
        try:
            summary = asyncio.run(run(args, sys.stdout))
        except BrokenPipeError:  # e.g. `gravix-vision ... | head`: stop quietly
            _silence_stdout()
            return 141  # 128 + SIGPIPE, as shell tools report it
    sys.stderr.write(summary.line() + "\n")
    return 1 if summary.failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
