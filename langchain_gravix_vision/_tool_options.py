"""The ``moderate`` and ``extract`` subcommands: their options and tool settings.

``gravix-vision extract FILES --schema schema.json`` reads each file into the
JSON schema (checked when the command starts, before any request);
``gravix-vision moderate FILES`` checks them against a taxonomy.

Example:
    >>> import argparse
    >>> tool_options(argparse.Namespace(command="moderate", taxonomy="mlcommons",
    ...     threshold=0.4, categories=None))["default_threshold"]
    0.4
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from langchain_gravix_vision.tools._json_schema import (
    UnsupportedSchemaError,
    check_schema,
)
from langchain_gravix_vision.tools.schemas import Taxonomy

TAXONOMIES = {"openai": Taxonomy.openai, "mlcommons": Taxonomy.mlcommons}

EXAMPLES = {
    "moderate": (
        "examples:\n"
        "  gravix-vision moderate uploads/ --format jsonl --output verdicts.jsonl\n"
        "  gravix-vision moderate photo.jpg --categories violence,violence/graphic "
        "--threshold 0.3\n"
        "  gravix-vision moderate photo.jpg --taxonomy mlcommons"
    ),
    "extract": (
        "examples:\n"
        "  gravix-vision extract invoices/ --schema invoice.json --format jsonl\n"
        "  gravix-vision extract report.pdf --schema fields.json --target page --cite"
    ),
}


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def _categories(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def load_schema(path: str) -> dict[str, Any]:
    """The JSON schema in ``path``, checked (argparse reports what is wrong)."""
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"cannot read {Path(path).name!r} ({exc.strerror})"
        raise argparse.ArgumentTypeError(msg) from None
    except ValueError as exc:
        msg = f"{Path(path).name!r} is not JSON ({exc})"
        raise argparse.ArgumentTypeError(msg[:300]) from None
    try:
        check_schema(schema)
    except UnsupportedSchemaError as exc:
        raise argparse.ArgumentTypeError(f"{exc.code}: {exc}") from None
    if not isinstance(schema.get("title"), str):
        schema = {"title": Path(path).stem, **schema}
    return dict(schema)


OPTIONS: dict[str, list[tuple[tuple[str, ...], dict[str, Any]]]] = {
    "moderate": [
        (
            ("--taxonomy",),
            {
                "choices": sorted(TAXONOMIES),
                "default": "openai",
                "help": "OpenAI's image categories, or MLCommons' S1-S13",
            },
        ),
        (
            ("--categories",),
            {
                "type": _categories,
                "help": "only these categories, comma-separated (default: all)",
            },
        ),
        (
            ("--threshold",),
            {
                "type": _threshold,
                "default": 0.5,
                "help": "score (0-1) from which a category counts as violated",
            },
        ),
    ],
    "extract": [
        (
            ("--schema",),
            {
                "type": load_schema,
                "required": True,
                "metavar": "FILE",
                "help": "JSON schema of the fields to extract",
            },
        ),
        (
            ("--target",),
            {
                "choices": ["document", "page"],
                "default": "document",
                "help": "one answer per document, or one per PDF page",
            },
        ),
        (("--cite",), {"action": "store_true", "help": "give each field's page"}),
        (
            ("--force-ocr",),
            {
                "action": "store_true",
                "help": "send PDF pages as images even where they have a text layer",
            },
        ),
    ],
}
"""The ``add_argument`` calls of each subcommand, after the common options."""


def tool_options(args: argparse.Namespace) -> dict[str, Any]:
    """The tool's settings from the command line (none for the other commands)."""
    if getattr(args, "command", None) == "moderate":
        return {
            "taxonomy": TAXONOMIES[args.taxonomy](),
            "default_threshold": args.threshold,
        }
    if getattr(args, "command", None) == "extract":
        return {
            "schema": args.schema,
            "target": args.target,
            "cite": args.cite,
            "force_ocr": args.force_ocr,
        }
    return {}


def task_options(args: argparse.Namespace) -> dict[str, Any]:
    """The tool-call arguments of these commands (``moderate``'s categories)."""
    if getattr(args, "command", None) == "moderate" and args.categories:
        return {"categories": args.categories}
    return {}


def record_options(args: argparse.Namespace) -> dict[str, Any]:
    """What a record is resumed on beyond the call: the taxonomy, the schema."""
    if getattr(args, "command", None) == "moderate":
        return {"taxonomy": args.taxonomy, "threshold": args.threshold}
    if getattr(args, "command", None) == "extract":
        text = json.dumps(args.schema, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        return {"schema": digest, "target": args.target, "cite": args.cite}
    return {}


__all__ = [
    "EXAMPLES",
    "OPTIONS",
    "load_schema",
    "record_options",
    "task_options",
    "tool_options",
]
