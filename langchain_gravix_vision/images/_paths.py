"""Local image files under the path policy: real path, regular file, allowed roots."""

from __future__ import annotations

import os
import stat

from langchain_gravix_vision._text import printable
from langchain_gravix_vision.errors import ImageNotFound, ImageSourceNotAllowed
from langchain_gravix_vision.images._policy import ImagePolicy
from langchain_gravix_vision.images._raw import RawImage, cap_bytes


def _shown(given: str) -> str:
    """The path as it may appear in messages: relative and short, else basename."""
    if not os.path.isabs(given) and len(given) <= 60:
        return printable(given)
    return printable(os.path.basename(given.rstrip("/\\")) or "path")


def _inside(real: str, root: str) -> bool:
    real, root = os.path.normcase(real), os.path.normcase(root)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_path(given: str, policy: ImagePolicy) -> RawImage:
    """Read a local image file under the path policy.

    The real path (symlinks resolved) must be a regular file under one of
    ``policy.root_dirs()`` unless ``policy.allow_any_path``. ``~`` is not
    expanded. A hard link inside a root is a file inside the root and is
    allowed. The file type is checked with ``os.stat`` before opening, the file
    is opened non-blocking (a FIFO swapped in cannot hang) and re-checked with
    ``fstat``; at most ``max_source_bytes + 1`` bytes are read. Messages show
    the path as given when it is relative and short, else only its basename.

    Example:
        >>> read_path("/etc/passwd", ImagePolicy(allowed_roots=("/srv",)))
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.ImageSourceNotAllowed: passwd is outside the allowed directories; move the image under an allowed directory or add its folder to ImagePolicy.allowed_roots
    """  # noqa: E501
    shown = _shown(given)
    if "\x00" in given:
        raise ImageSourceNotAllowed("the image path contains a NUL character")
    try:
        data = _read(given, policy, shown)
    except OSError as exc:  # a race (a symlink or file swapped meanwhile), EIO...
        reason = exc.strerror or type(exc).__name__
        raise ImageSourceNotAllowed(f"{shown} cannot be read ({reason})") from None
    cap_bytes(len(data), policy, shown)
    return RawImage(printable(os.path.basename(given)) or shown, data=data)


def _read(given: str, policy: ImagePolicy, shown: str) -> bytes:
    """Resolve, check and read; any ``OSError`` left is turned typed above."""
    real = os.path.realpath(given)
    if not policy.allow_any_path and not any(
        _inside(real, root) for root in policy.root_dirs()
    ):
        raise ImageSourceNotAllowed(
            f"{shown} is outside the allowed directories; move the image under an"
            " allowed directory or add its folder to ImagePolicy.allowed_roots"
        )
    try:
        before = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        hint = "; '~' is not expanded, give the real path" if given[:1] == "~" else ""
        raise ImageNotFound(f"{shown} was not found{hint}") from None
    if not stat.S_ISREG(before.st_mode):
        raise ImageSourceNotAllowed(
            f"{shown} is {_kind(before.st_mode)}; pass a regular image file"
        )
    cap_bytes(before.st_size, policy, shown)
    flags = os.O_RDONLY
    for flag in ("O_NONBLOCK", "O_NOFOLLOW", "O_CLOEXEC", "O_BINARY", "O_NOCTTY"):
        flags |= getattr(os, flag, 0)
    with os.fdopen(os.open(real, flags), "rb") as file:
        after = os.fstat(file.fileno())
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (
            before.st_dev,
            before.st_ino,
        ):
            raise ImageSourceNotAllowed(f"{shown} changed while it was opened")
        return file.read(policy.max_source_bytes + 1)


__all__ = ["read_path"]
