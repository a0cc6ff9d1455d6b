"""The resume key the CLI and the Ray stage share: command, image content, args, model.

``image_sha256`` hashes a local file's bytes (the text itself for URLs and
unreadable paths); ``bytes_sha256`` hashes bytes already in memory, so a row
that carries a file's bytes gets the key its path would. ``resume_key`` is the
one key: the same image, arguments and model under one command are done once.

Example:
    >>> resume_key("describe", bytes_sha256(b"abc"), {"question": "?"}, "m")[:20]
    '["describe", "ba7816'
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from langchain_gravix_vision.images._sources import source_kind


def bytes_sha256(data: bytes) -> str:
    """SHA-256 (hex) of bytes in memory: what :func:`image_sha256` gives their file."""
    return hashlib.sha256(data).hexdigest()


def image_sha256(source: str) -> str:
    """SHA-256 of a file's bytes; of the text itself for URLs and unreadable paths."""
    digest = hashlib.sha256()
    if source_kind(source) == "path":
        try:
            with Path(source).open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
        except OSError:
            pass
    digest.update(source.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def resume_key(
    command: str | None,
    image_hash: str | None,
    args: dict[str, Any] | None,
    model: str | None,
) -> str:
    """The resume key: the job (command, arguments, model) and the image's content."""
    return json.dumps([command, image_hash, args, model], sort_keys=True)


__all__ = ["bytes_sha256", "image_sha256", "resume_key"]
