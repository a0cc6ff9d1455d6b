"""gravix-vision: run the vision tools over files, folders and URLs from a shell.

Exit status: 0 when every image succeeded (or was already done), 1 when some
failed (each failure is in the output), 2 for usage errors or a missing key.

Examples:
    gravix-vision describe photos/ --format jsonl --output out.jsonl
    gravix-vision chart chart.png --question "Which year was highest?"
    gravix-vision text scans/ --output-format markdown --format markdown
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.messages import ToolMessage
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import RunnableConfig

from langchain_gravix_vision import mcp_server
from langchain_gravix_vision.chat_models import API_KEY_ENV, ChatGravixVision
from langchain_gravix_vision.images import ImagePolicy, source_kind
from langchain_gravix_vision.profiles import DEFAULT_MODEL
from langchain_gravix_vision.tools import (
    DescribeImageTool,
    ExtractTextTool,
    ReadChartTool,
    VisionTool,
)

IMAGE_SUFFIXES = {
    ".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp",
    ".heic", ".heif", ".avif",
}  # fmt: skip
COMMANDS: dict[str, tuple[type[VisionTool], str]] = {
    "describe": (DescribeImageTool, "Describe images or answer a question about them."),
    "chart": (ReadChartTool, "Extract the data behind charts."),
    "text": (ExtractTextTool, "Transcribe the text in images (OCR)."),
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
}


@dataclass
class Record:
    """The outcome for one image, as written to JSON/JSONL output."""

    source: str
    status: str
    content: str = ""
    result: dict[str, Any] | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (no None fields)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Summary:
    """Counts shown at the end of a run."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    tokens: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        """One human-readable summary line."""
        took = time.monotonic() - self.started
        return (
            f"{self.done} done, {self.failed} failed, {self.skipped} skipped "
            f"(already in output); {self.tokens} tokens; {took:.1f}s"
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per tool."""
    parser = argparse.ArgumentParser(
        prog="gravix-vision",
        description="Run Gravix Layer vision tools over images, folders and URLs.",
        epilog=f"The API key is read from {API_KEY_ENV}.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (tool_class, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument("inputs", nargs="+", help="image files, folders or URLs")
        sub.add_argument("--model", default=DEFAULT_MODEL, help="vision model")
        sub.add_argument("--base-url", help="API base URL (default: Gravix Layer)")
        sub.add_argument(
            "--format",
            choices=["text", "json", "jsonl", "markdown"],
            default="text",
            help="output format (default: text)",
        )
        sub.add_argument("--output", "-o", help="write to this file, not stdout")
        sub.add_argument("--concurrency", type=int, default=4, help="parallel calls")
        sub.add_argument(
            "--rate-limit",
            type=float,
            default=100.0,
            help="max requests per minute (default 100, the serverless limit)",
        )
        sub.add_argument("--no-progress", action="store_true", help="no progress bar")
        if name in ("describe", "chart"):
            sub.add_argument("--question", help="a question to answer")
        if name == "describe":
            sub.add_argument(
                "--detail-level", choices=["brief", "detailed"], default="brief"
            )
        if name == "text":
            sub.add_argument(
                "--output-format", choices=["plain", "markdown"], default="plain"
            )
            sub.add_argument("--language", help="expected language of the text")
        sub.set_defaults(tool_class=tool_class)
    mcp_server.add_parser(subparsers)  # gravix-vision mcp: see mcp_server.py
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
    if args.command == "describe":
        task["detail_level"] = args.detail_level
    if args.command == "text":
        task["output_format"] = args.output_format
        if args.language:
            task["language_hint"] = args.language
    return task


def already_done(path: str | None, output_format: str) -> set[str]:
    """Sources with a successful record in an existing JSONL output (resume)."""
    if output_format != "jsonl" or not path or not Path(path).is_file():
        return set()
    done = set()
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut off by an interrupted run
            if record.get("status") == "ok":
                done.add(record.get("source"))
    return done


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.count, self.enabled = total, 0, enabled and total > 1

    def step(self) -> None:
        """Advance by one image."""
        self.count += 1
        if self.enabled:
            filled = int(30 * self.count / self.total)
            bar = "#" * filled + "." * (30 - filled)
            sys.stderr.write(f"\r[{bar}] {self.count}/{self.total}")
            sys.stderr.flush()
            if self.count == self.total:
                sys.stderr.write("\n")


class Writer:
    """Writes records in the chosen format as they arrive (JSON at the end)."""

    def __init__(self, stream: IO[str], output_format: str) -> None:
        self.stream, self.format = stream, output_format
        self.collected: list[dict[str, Any]] = []

    def write(self, record: Record) -> None:
        """Write (or collect) one record."""
        if self.format == "jsonl":
            self.stream.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            self.stream.flush()
        elif self.format == "json":
            self.collected.append(record.to_json())
        elif self.format == "markdown":
            body = (
                record.content
                if record.status == "ok"
                else f"**error:** {record.error}"
            )
            self.stream.write(f"## {record.source}\n\n{body}\n\n")
        else:
            body = record.content if record.status == "ok" else f"error: {record.error}"
            self.stream.write(f"== {record.source}\n{body}\n\n")

    def close(self) -> None:
        """Flush collected JSON."""
        if self.format == "json":
            json.dump(self.collected, self.stream, indent=2, ensure_ascii=False)
            self.stream.write("\n")


async def run_one(
    tool: VisionTool, source: str, task: dict[str, Any], config: RunnableConfig
) -> Record:
    """Run the tool on one image; failures become records, never exceptions."""
    key = "image_path" if source_kind(source) == "path" else "image_url"
    call = {
        "args": {key: source, **task},
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
    return Record(
        source=source,
        status="ok",
        content=str(message.content),
        result=artifact.model_dump(mode="json") if artifact is not None else None,
    )


async def run(args: argparse.Namespace, stream: IO[str]) -> Summary:
    """Process every input with bounded concurrency and a client rate limit."""
    llm_kwargs: dict[str, Any] = {"model": args.model, "max_retries": 2}
    if args.base_url:
        llm_kwargs["base_url"] = args.base_url
    if args.rate_limit > 0:
        llm_kwargs["rate_limiter"] = InMemoryRateLimiter(
            requests_per_second=args.rate_limit / 60,
            check_every_n_seconds=0.05,
            max_bucket_size=max(1, args.concurrency),
        )
    tool = args.tool_class(
        llm=ChatGravixVision(**llm_kwargs),
        image_policy=ImagePolicy(allow_any_path=True),  # the user named the files
    )
    sources = expand_inputs(args.inputs)
    skip = already_done(args.output, args.format)
    todo = [s for s in sources if s not in skip]
    summary = Summary(skipped=len(sources) - len(todo))
    usage = UsageMetadataCallbackHandler()
    config: RunnableConfig = {"callbacks": [usage]}
    writer = Writer(stream, args.format)
    progress = Progress(len(todo), enabled=not args.no_progress and sys.stderr.isatty())
    gate = asyncio.Semaphore(max(1, args.concurrency))
    task = task_args(args)

    async def worker(source: str) -> None:
        async with gate:
            record = await run_one(tool, source, task, config)
        writer.write(record)
        if record.status == "ok":
            summary.done += 1
        else:
            summary.failed += 1
        progress.step()

    await asyncio.gather(*(worker(s) for s in todo))
    writer.close()
    summary.tokens = sum(u["total_tokens"] for u in usage.usage_metadata.values())
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gravix-vision`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "mcp":
        return mcp_server.main(args)
    if not os.environ.get(API_KEY_ENV):
        sys.stderr.write(
            f"gravix-vision: {API_KEY_ENV} is not set; run "
            f"'export {API_KEY_ENV}=<your key>' first.\n"
        )
        return 2
    if args.output:
        mode = "a" if args.format == "jsonl" else "w"
        with Path(args.output).open(mode, encoding="utf-8") as out:
            summary = asyncio.run(run(args, out))
    else:
        summary = asyncio.run(run(args, sys.stdout))
    sys.stderr.write(summary.line() + "\n")
    return 1 if summary.failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
