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
import math
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.messages import ToolMessage
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import RunnableConfig

from langchain_gravix_vision import doctor, mcp_server
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
from langchain_gravix_vision._version import __version__
from langchain_gravix_vision.annotate import annotate
from langchain_gravix_vision.chat_models import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_API_BASE,
    ChatGravixVision,
)
from langchain_gravix_vision.images import ImagePolicy, source_kind
from langchain_gravix_vision.profiles import DEFAULT_MODEL
from langchain_gravix_vision.tools import (
    DescribeImageTool,
    Detections,
    ExtractedText,
    ExtractTextTool,
    LocateObjectsTool,
    ReadChartTool,
    VisionTool,
)

IMAGE_SUFFIXES = {
    ".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp",
    ".heic", ".heif", ".avif", ".pdf",
}  # fmt: skip
COMMANDS: dict[str, tuple[type[VisionTool], str]] = {
    "describe": (DescribeImageTool, "Describe images or answer a question about them."),
    "chart": (ReadChartTool, "Extract the data behind charts."),
    "text": (ExtractTextTool, "Transcribe the text in images (OCR)."),
    "locate": (LocateObjectsTool, "Find objects: boxes in each image's own pixels."),
}
EXAMPLES = {
    "describe": (
        "examples:\n"
        "  gravix-vision describe cat.jpg\n"
        "  gravix-vision describe photos/ --question 'Is there a dog?' "
        "--format jsonl --output out.jsonl\n"
        "  gravix-vision describe https://example.com/a.jpg --detail-level detailed"
    ),
    "chart": (
        "examples:\n"
        "  gravix-vision chart sales.png --format json\n"
        "  gravix-vision chart charts/ --question 'Which year was highest?'"
    ),
    "text": (
        "examples:\n"
        "  gravix-vision text receipt.jpg\n"
        "  gravix-vision text scans/ --output-format markdown --format markdown "
        "--output scans.md"
    ),
    "locate": (
        "examples:\n"
        "  gravix-vision locate desk.jpg --query cup\n"
        "  gravix-vision locate photos/ --query 'every person' --annotate boxes/"
    ),
}


class _HelpFormatter(
    argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter
):
    """Keeps the examples' layout and shows every default."""


def _concurrency(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        msg = f"must be at least 1, not {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _rate_limit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        msg = f"must be a finite number >= 0 (0 = no limit), not {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per tool."""
    parser = argparse.ArgumentParser(
        prog="gravix-vision",
        description="Run Gravix Layer vision tools over images, folders and URLs.",
        epilog=(
            f"The API key is read from {API_KEY_ENV}; the API base URL from "
            f"{BASE_URL_ENV} (default {DEFAULT_API_BASE})."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (tool_class, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXAMPLES[name],
            formatter_class=_HelpFormatter,
        )
        sub.add_argument(
            "inputs",
            nargs="+",
            help="image files, folders (searched recursively) or http(s) URLs",
        )
        sub.add_argument("--model", default=DEFAULT_MODEL, help="vision model")
        sub.add_argument(
            "--base-url",
            help=f"API base URL (default: ${BASE_URL_ENV}, else {DEFAULT_API_BASE})",
        )
        sub.add_argument(
            "--format",
            choices=["text", "json", "jsonl", "markdown"],
            default="text",
            help="output format; jsonl streams results and can resume",
        )
        sub.add_argument(
            "--output",
            "-o",
            help="write to this file, not stdout (its folder must exist)",
        )
        sub.add_argument(
            "--concurrency",
            type=_concurrency,
            default=4,
            help="images processed in parallel (at least 1)",
        )
        sub.add_argument(
            "--rate-limit",
            type=_rate_limit,
            default=100.0,
            help="max requests per minute (100 is the serverless limit; 0 = no limit)",
        )
        sub.add_argument(
            "--detail",
            choices=["low", "high", "auto"],
            default=None,
            help="image detail: low caps each image at 256 image tokens"
            " (default: the model's maximum)",
        )
        sub.add_argument(
            "--no-progress",
            action="store_true",
            help="no progress bar on stderr",
        )
        sub.add_argument(
            "--pages",
            help="PDF pages, e.g. '1-5,8' (describe/chart: one page, default 1;"
            " text: default all, up to the policy's cap)",
        )
        if name in ("describe", "chart"):
            sub.add_argument("--question", help="a question to answer from the image")
        if name == "describe":
            sub.add_argument(
                "--detail-level",
                choices=["brief", "detailed"],
                default="brief",
                help="a caption and key facts, or a fuller description",
            )
        if name == "text":
            sub.add_argument(
                "--output-format",
                choices=["plain", "markdown"],
                default="plain",
                help="plain text, or markdown keeping headings and tables",
            )
            sub.add_argument(
                "--language", help="expected language of the text, e.g. 'de'"
            )
            sub.add_argument(
                "--force-ocr",
                action="store_true",
                help="read PDF pages with the model even where they have a text layer",
            )
        if name == "locate":
            sub.add_argument("--query", required=True, help="what to find, e.g. 'cup'")
            sub.add_argument(
                "--max-objects", type=int, default=20, help="most objects per image"
            )
            sub.add_argument(
                "--annotate",
                metavar="DIR",
                help="also save each local image with its boxes drawn, as DIR/*.png",
            )
        sub.set_defaults(tool_class=tool_class)
    mcp_server.add_parser(subparsers)  # gravix-vision mcp: see mcp_server.py
    doctor.add_parser(subparsers)  # gravix-vision doctor: see doctor.py
    return parser


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
    return task


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
    return {**task, "detail": detail} if detail else task


async def run_one(
    tool: VisionTool, source: str, task: dict[str, Any], config: RunnableConfig
) -> Record:
    """Run the tool on one image; failures become records, never exceptions.

    The record's ``content`` is the result as a person reads it: for
    ``text`` the transcription itself (the "untrusted data" framing the tool
    adds for an agent is left out).
    """
    if source_kind(source) == "path" and not Path(source).exists():
        return Record(source=source, status="error", error="not_found: no such file")
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
        result=artifact.model_dump(mode="json") if artifact is not None else None,
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
