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


def middle(value: object, limit: int = 80) -> str:
    """Return ``str(value)`` with its middle cut out past ``limit`` characters.

    For paths: both ends stay, so the folder it starts from and the file name.

    Example:
        >>> middle("photos/" + "a" * 100 + "/cat.jpg", 30)
        'photos/aaaaaaa…aaaaaaa/cat.jpg'
    """
    text = str(value)
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def printable(value: object, limit: int = 60) -> str:
    r"""Return ``value`` as one safe line: control characters escaped, then shortened.

    For names that came from outside (paths, hosts) and are echoed into
    messages and logs: newlines and ANSI escapes cannot forge lines or colours.

    Example:
        >>> printable("cat\n.png\x1b[31m")
        'cat\\n.png\\x1b[31m'
    """
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return short(text, limit)


MIN_SECRET_CHARS = 6
"""Shorter values are not redacted: replacing a one-letter "key" everywhere would
garble every message, and a value that short protects nothing."""


def redact(text: str, secrets: Iterable[str] = (), *, shapes: bool = True) -> str:
    """Remove the given secrets and (``shapes``) anything shaped like a key or token.

    Example:
        >>> redact("key abc123 and Bearer tok-9", ["abc123"])
        'key [REDACTED] and [REDACTED]'
        >>> redact("key abc123 and Bearer tok-9", ["abc123"], shapes=False)
        'key [REDACTED] and Bearer tok-9'
    """
    for secret in secrets:
        if len(secret) >= MIN_SECRET_CHARS:
            text = text.replace(secret, "[REDACTED]")
    return _SECRET_SHAPES.sub("[REDACTED]", text) if shapes else text


__all__ = ["MIN_SECRET_CHARS", "middle", "printable", "redact", "short"]
