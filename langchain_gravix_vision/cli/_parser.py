"""The ``gravix-vision`` argument parser: one subcommand per vision tool.

Each subcommand takes the options in ``COMMON_OPTIONS``, then its own from
``COMMAND_OPTIONS``; ``compare``, ``mcp`` and ``doctor`` add their own
subcommands.
"""

from __future__ import annotations

import argparse
from typing import Any

from langchain_gravix_vision import _tool_options
from langchain_gravix_vision._options import concurrency_arg, rate_limit_arg
from langchain_gravix_vision._version import __version__
from langchain_gravix_vision.chat_models import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_API_BASE,
)
from langchain_gravix_vision.cli import _compare, doctor
from langchain_gravix_vision.mcp import server as mcp_server
from langchain_gravix_vision.profiles import DEFAULT_MODEL
from langchain_gravix_vision.tools import (
    DescribeImageTool,
    DescribeVideoTool,
    ExtractFieldsTool,
    ExtractTextTool,
    LocateObjectsTool,
    ModerateImageTool,
    ReadChartTool,
    VisionTool,
)

COMMANDS: dict[str, tuple[type[VisionTool], str]] = {
    "describe": (DescribeImageTool, "Describe images or answer a question about them."),
    "chart": (ReadChartTool, "Extract the data behind charts."),
    "text": (ExtractTextTool, "Transcribe the text in images (OCR)."),
    "locate": (LocateObjectsTool, "Find objects: boxes in each image's own pixels."),
    "moderate": (ModerateImageTool, "Check images against content policies."),
    "extract": (ExtractFieldsTool, "Extract fields into a JSON schema (--schema)."),
    "video": (
        DescribeVideoTool,
        "Describe videos through sampled frames (needs the [video] extra).",
    ),
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
    "video": (
        "examples:\n"
        "  gravix-vision video clip.mp4\n"
        "  gravix-vision video clips/ --question 'When does the door open?' "
        "--max-frames 16 --format jsonl --output clips.jsonl"
    ),
    **_tool_options.EXAMPLES,
}


class HelpFormatter(
    argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter
):
    """Keeps the examples' layout and shows each default once.

    A default is added unless the help already says it, or there is none
    (``None``, ``False``).
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False) or "default" in text:
            return text
        return super()._get_help_string(action)


Option = tuple[tuple[str, ...], dict[str, Any]]
"""The arguments of one ``add_argument`` call: its flags and its settings."""


def option(*flags: str, **settings: Any) -> Option:
    """One option, written as the ``add_argument`` call that adds it.

    Example:
        >>> option("--model", default="m", help="vision model")
        (('--model',), {'default': 'm', 'help': 'vision model'})
    """
    return flags, settings


def add_options(parser: argparse.ArgumentParser, options: list[Option]) -> None:
    """Add each option to ``parser``, in order."""
    for flags, settings in options:
        parser.add_argument(*flags, **settings)


COMMON_OPTIONS = [
    option(
        "inputs",
        nargs="+",
        help="image files, folders (searched recursively) or http(s) URLs",
    ),
    option("--model", default=DEFAULT_MODEL, help="vision model"),
    option(
        "--base-url",
        help=f"API base URL (default: ${BASE_URL_ENV}, else {DEFAULT_API_BASE})",
    ),
    option(
        "--format",
        choices=["text", "json", "jsonl", "markdown"],
        default="text",
        help="output format; jsonl streams results and can resume",
    ),
    option(
        "--output",
        "-o",
        help="write to this file, not stdout (its folder must exist)",
    ),
    option(
        "--concurrency",
        type=concurrency_arg,
        default=4,
        help="images processed in parallel (at least 1)",
    ),
    option(
        "--rate-limit",
        type=rate_limit_arg,
        default=100.0,
        help="max requests per minute (100 is the serverless limit; 0 = no limit)",
    ),
    option(
        "--detail",
        choices=["low", "high", "auto"],
        default=None,
        help="image detail: low caps each image at 256 image tokens"
        " (default: the model's maximum)",
    ),
    option(
        "--allow-host",
        action="append",
        metavar="HOST",
        help="also fetch URLs on this private or loopback host (repeatable;"
        " trusted hosts only: public hosts need no flag)",
    ),
    option("--no-progress", action="store_true", help="no progress bar on stderr"),
    option(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="ray: a Ray Data job into a Parquet folder --output (the ray extra)",
    ),
    option(
        "--address",
        help="--engine ray: the cluster, 'auto' or ray://HOST:PORT"
        " (default: a local Ray)",
    ),
    option(
        "--workers",
        type=concurrency_arg,
        default=2,
        help="--engine ray: stage actors (--concurrency: requests in flight each)",
    ),
    option(
        "--pages",
        help="PDF pages, e.g. '1-5,8' (describe/chart: one page, default 1;"
        " text: default all, up to the policy's cap)",
    ),
]
"""The options every tool subcommand takes."""

_QUESTION = option("--question", help="a question to answer from the image")
COMMAND_OPTIONS: dict[str, list[Option]] = {
    "describe": [
        _QUESTION,
        option(
            "--detail-level",
            choices=["brief", "detailed"],
            default="brief",
            help="a caption and key facts, or a fuller description",
        ),
    ],
    "chart": [_QUESTION],
    "text": [
        option(
            "--output-format",
            choices=["plain", "markdown"],
            default="plain",
            help="plain text, or markdown keeping headings and tables",
        ),
        option("--language", help="expected language of the text, e.g. 'de'"),
        option(
            "--force-ocr",
            action="store_true",
            help="read PDF pages with the model even where they have a text layer",
        ),
    ],
    "locate": [
        option("--query", required=True, help="what to find, e.g. 'cup'"),
        option("--max-objects", type=int, default=20, help="most objects per image"),
        option(
            "--annotate",
            metavar="DIR",
            help="also save each local image with its boxes drawn, as DIR/*.png",
        ),
    ],
    "video": [
        option("--question", help="a question to answer from the video"),
        option(
            "--max-frames",
            type=int,
            help="most frames per video (default: 2 a second, within the budget)",
        ),
    ],
    **_tool_options.OPTIONS,  # moderate, extract
}
"""Each tool subcommand's own options, after the common ones."""


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
            formatter_class=HelpFormatter,
        )
        add_options(sub, COMMON_OPTIONS + COMMAND_OPTIONS[name])
        sub.set_defaults(tool_class=tool_class, subparser=sub)
    _compare.add_parser(subparsers, HelpFormatter)  # several images, one record
    mcp_server.add_parser(subparsers, HelpFormatter)  # gravix-vision mcp
    doctor.add_parser(subparsers)  # gravix-vision doctor: see doctor.py
    return parser
