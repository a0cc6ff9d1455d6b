"""``gravix-vision compare``: one question about several images, one JSON record.

Unlike the per-image subcommands, ``compare`` makes one request for all its
inputs (2 to 8 files, folders or URLs, in the order given; a folder adds its
images sorted by path) and prints one JSON record: the inputs as
``sources``, their SHA-256s, the ``status``, the result and the arguments.
There is nothing to resume: ``--output`` is written whole, replacing the file.

Exit status: 0 when the comparison succeeded, 1 when it failed (the record
says why), 2 for usage errors or a missing key, 130 on Ctrl-C.

Example:
    gravix-vision compare before.jpg after.jpg --question "What changed?"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import ToolMessage
from pydantic import BaseModel

from langchain_gravix_vision._options import CLI_SETTINGS, build_llm
from langchain_gravix_vision.chat_models import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_API_BASE,
)
from langchain_gravix_vision.cli._output import image_sha256
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.profiles import DEFAULT_MODEL
from langchain_gravix_vision.tools import CompareImagesTool
from langchain_gravix_vision.tools.schemas import (
    MAX_COMPARE_IMAGES,
    MIN_COMPARE_IMAGES,
)

HELP = "Compare 2 to 8 images in one question: one JSON record."
EXAMPLES = (
    "examples:\n"
    "  gravix-vision compare before.jpg after.jpg --question 'What changed?'\n"
    "  gravix-vision compare shots/ --question 'Which photo is sharpest?'"
    " --output best.json"
)


def add_parser(
    subparsers: Any, formatter: type[argparse.HelpFormatter]
) -> argparse.ArgumentParser:
    """Add the ``compare`` subcommand to the ``gravix-vision`` parser."""
    sub = subparsers.add_parser(
        "compare",
        help=HELP,
        description=HELP + " It does not resume: --output is written whole.",
        epilog=EXAMPLES,
        formatter_class=formatter,
    )
    sub.add_argument(
        "inputs",
        nargs="+",
        help=f"{MIN_COMPARE_IMAGES} to {MAX_COMPARE_IMAGES} image files, folders"
        " or http(s) URLs, labelled Image 1, Image 2, ... in this order",
    )
    sub.add_argument("--question", help="what to compare or decide")
    sub.add_argument("--model", default=DEFAULT_MODEL, help="vision model")
    sub.add_argument(
        "--base-url",
        help=f"API base URL (default: ${BASE_URL_ENV}, else {DEFAULT_API_BASE})",
    )
    sub.add_argument(
        "--detail",
        choices=["low", "high", "auto"],
        default=None,
        help="image detail: low caps each image at 256 image tokens"
        " (default: each image's share of the request's budget)",
    )
    sub.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST",
        help="also fetch URLs on this private or loopback host (repeatable)",
    )
    sub.add_argument("--output", "-o", help="write the record to this file, not stdout")
    sub.set_defaults(subparser=sub, concurrency=1, rate_limit=0.0)
    return sub


def task_args(args: argparse.Namespace) -> dict[str, Any]:
    """The tool arguments other than the images (recorded in the output).

    Example:
        >>> task_args(argparse.Namespace(question="Same?", detail=None))
        {'question': 'Same?'}
    """
    task: dict[str, Any] = {}
    if args.question:
        task["question"] = args.question
    if args.detail:
        task["detail"] = args.detail
    return task


async def compare(args: argparse.Namespace, sources: list[str]) -> dict[str, Any]:
    """Run ``compare_images`` once on ``sources``; the record (never raises)."""
    tool = CompareImagesTool(
        llm=build_llm(args),
        # The user named the files; private hosts only with --allow-host.
        image_policy=ImagePolicy(
            allow_any_path=True, allowed_hosts=tuple(args.allow_host or ())
        ),
        setting_names=CLI_SETTINGS,
    )
    task = task_args(args)
    call = {
        "args": {"images": sources, **task},
        "id": "cli",
        "name": tool.name,
        "type": "tool_call",
    }
    message = await tool.ainvoke(call)
    record: dict[str, Any] = {
        "sources": sources,
        "status": "error",
        "command": "compare",
        "model": args.model,
        "args": task,
        "image_sha256": [image_sha256(source) for source in sources],
    }
    if not isinstance(message, ToolMessage) or message.status == "error":
        record["error"] = str(getattr(message, "content", "") or "no result")
        return record
    artifact = message.artifact
    record["status"] = "ok"
    record["content"] = str(message.content)
    if isinstance(artifact, BaseModel):
        record["result"] = artifact.model_dump(mode="json")
    return record


def _fail(message: str) -> int:
    sys.stderr.write(f"gravix-vision compare: {message}\n")
    return 2


def main(args: argparse.Namespace, expand: Callable[[Sequence[str]], list[str]]) -> int:
    """Run ``gravix-vision compare``; ``expand`` turns inputs into sources."""
    if args.output and not Path(args.output).parent.is_dir():
        return _fail(f"--output: the folder of {args.output!r} does not exist")
    try:
        sources = expand(args.inputs)
    except ValueError as exc:  # a folder without images
        return _fail(f"{exc}.")
    if not MIN_COMPARE_IMAGES <= len(sources) <= MAX_COMPARE_IMAGES:
        return _fail(
            f"{len(sources)} images given; compare takes {MIN_COMPARE_IMAGES}"
            f" to {MAX_COMPARE_IMAGES}"
        )
    if not os.environ.get(API_KEY_ENV):
        return _fail(f"{API_KEY_ENV} is not set; run 'export {API_KEY_ENV}=<key>'")
    try:
        record = asyncio.run(compare(args, sources))
    except KeyboardInterrupt:
        sys.stderr.write("gravix-vision compare: interrupted; nothing written.\n")
        return 130
    text = json.dumps(record, ensure_ascii=False) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            return _fail(f"cannot write --output ({exc.strerror})")
    else:
        sys.stdout.write(text)
    return 0 if record["status"] == "ok" else 1
