"""Text shown to people and agents: shortening and secret redaction."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SECRET_SHAPES = re.compile(r"(?i)\bbearer\s+\S+|\bsk-[A-Za-z0-9_\-]{6,}")


def short(value: object, limit: int = 60) -> str:
    """Return ``str(value)`` cut to ``limit`` characters, for error messages.

    Example:
        >>> short("x" * 100, 10)
        'xxxxxxxxx…'
    """
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove the given secrets and anything shaped like a key or bearer token.

    Example:
        >>> redact("key abc123 and Bearer tok-9", ["abc123"])
        'key [REDACTED] and [REDACTED]'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    return _SECRET_SHAPES.sub("[REDACTED]", text)


__all__ = ["redact", "short"]
