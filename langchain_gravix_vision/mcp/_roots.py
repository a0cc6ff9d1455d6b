"""MCP roots: the client's ``file://`` roots narrowing the server's ``--root`` dirs."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit


def file_root(uri: str) -> Path | None:
    """The directory of a ``file://`` MCP root (``None`` for other schemes)."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parts.path))


def _inside(child: str, parent: str) -> bool:
    return child == parent or child.startswith(parent.rstrip(os.sep) + os.sep)


def narrow_roots(server: Iterable[str], client: Iterable[Path]) -> tuple[str, ...]:
    """Directories inside both a server root and a client root (both real paths).

    Example:
        >>> narrow_roots(["/srv"], [Path("/srv/a"), Path("/tmp")])
        ('/srv/a',)
    """
    server_dirs = list(server)
    client_dirs = [os.path.realpath(c) for c in client]
    kept: list[str] = []
    for s in server_dirs:
        for c in client_dirs:
            if _inside(c, s):
                kept.append(c)
            elif _inside(s, c):
                kept.append(s)
    return tuple(dict.fromkeys(kept))
