"""The stage's output: one fixed Arrow schema, one row per input, failures included.

Every row has every column with the same type, so ``write_parquet`` never meets
a type mismatch and a failed row is data (``ok`` false, ``error_code`` and
``error_message`` set) rather than an exception that stops the job.

Example:
    >>> row = error_row(RowKeys("k", "a.png", "describe", "h", "{}", "m"),
    ...                 "not_found: a.png was not found", attempts=0)
    >>> row["ok"], row["error_code"]
    (False, 'not_found')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from langchain_gravix_vision.ray._requires import require_pyarrow

COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "string"),
    ("source", "string"),
    ("ok", "bool_"),
    ("error_code", "string"),
    ("error_message", "string"),
    ("attempts", "int32"),
    ("model", "string"),
    ("prompt_tokens", "int64"),
    ("completion_tokens", "int64"),
    ("content", "string"),
    ("artifact", "string"),
    ("command", "string"),
    ("image_sha256", "string"),
    ("args", "string"),
)
"""(name, Arrow type) of each output column, in order.

``key``: SHA-256 of the resume key (``_keys.resume_key``: command, image
content, arguments, model); ``source``: the path or URL as given (null for
bytes without a path); ``attempts``: HTTP requests the row sent, retries
included; ``content``: the tool's answer as text; ``artifact``: the typed
result as JSON; ``args``: the arguments of the key, as JSON.
"""


def output_schema() -> Any:
    """The Arrow schema of every batch the stage returns (``pyarrow.Schema``)."""
    pa = require_pyarrow()
    return pa.schema([(name, getattr(pa, kind)()) for name, kind in COLUMNS])


@dataclass(frozen=True)
class RowKeys:
    """What identifies a row before its result: keys, source and job."""

    key: str
    source: str | None
    command: str
    image_sha256: str
    args: str
    model: str


def _base(keys: RowKeys) -> dict[str, Any]:
    return {
        "key": keys.key,
        "source": keys.source,
        "command": keys.command,
        "image_sha256": keys.image_sha256,
        "args": keys.args,
        "model": keys.model,
    }


def ok_row(
    keys: RowKeys,
    content: str,
    artifact: Any,
    *,
    attempts: int,
    tokens: tuple[int, int] = (0, 0),
) -> dict[str, Any]:
    """The row of a result: its text, its artifact as JSON and what it cost."""
    return {
        **_base(keys),
        "ok": True,
        "error_code": None,
        "error_message": None,
        "attempts": attempts,
        "prompt_tokens": tokens[0],
        "completion_tokens": tokens[1],
        "content": content,
        "artifact": json.dumps(artifact, ensure_ascii=False, sort_keys=True),
    }


def error_code(message: str) -> str:
    """The code a message starts with (``"code: text"``), else ``internal_error``.

    Example:
        >>> error_code("rate_limited: wait"), error_code("something odd")
        ('rate_limited', 'internal_error')
    """
    code, colon, _ = message.partition(":")
    if colon and code and code.replace("_", "").isalnum() and code.islower():
        return code
    return "internal_error"


def error_row(
    keys: RowKeys,
    message: str,
    *,
    attempts: int,
    tokens: tuple[int, int] = (0, 0),
) -> dict[str, Any]:
    """The row of a failure: the tool's code and message, and what it cost."""
    return {
        **_base(keys),
        "ok": False,
        "error_code": error_code(message),
        "error_message": message,
        "attempts": attempts,
        "prompt_tokens": tokens[0],
        "completion_tokens": tokens[1],
        "content": None,
        "artifact": None,
    }


def to_table(rows: list[dict[str, Any]]) -> Any:
    """Rows as a ``pyarrow.Table`` of the output schema (empty rows too)."""
    pa = require_pyarrow()
    return pa.Table.from_pylist(rows, schema=output_schema())


__all__ = [
    "COLUMNS",
    "RowKeys",
    "error_code",
    "error_row",
    "ok_row",
    "output_schema",
    "to_table",
]
