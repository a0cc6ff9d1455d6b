"""Local image files under the path policy: a regular file beneath an allowed root."""

from __future__ import annotations

import os
import stat
import sys

from langchain_gravix_vision._text import middle, printable
from langchain_gravix_vision.errors import ImageNotFound, ImageSourceNotAllowed
from langchain_gravix_vision.images import _jail
from langchain_gravix_vision.images._policy import ImagePolicy
from langchain_gravix_vision.images._raw import RawImage, cap_bytes


def _shown(given: str) -> str:
    r"""The path as the caller gave it, for messages; never what it resolves to.

    One safe line (control characters escaped), its middle cut when long.

    Example:
        >>> _shown("photos/cat\n.jpg")
        'photos/cat\\n.jpg'
    """
    return middle(printable(given, limit=sys.maxsize), SHOWN_CHARS) or "''"


SHOWN_CHARS = 80
"""The longest path shown in a message; longer ones lose their middle."""


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

    The path must name a regular file under one of ``policy.root_dirs()``
    unless ``policy.allow_any_path``. ``~`` is not expanded. A hard link
    inside a root is a file inside the root and is allowed. The file is opened
    race-free beneath its root (``_jail.open_beneath``: component by
    component from the root's descriptor, symlinks followed only while they
    stay beneath it), non-blocking (a FIFO swapped in cannot hang) and
    re-checked with ``fstat``; at most ``max_source_bytes + 1`` bytes are
    read. Messages show the path as given (escaped, its middle cut when long),
    never the real path it resolves to.

    Example:
        >>> read_path("/etc/passwd", ImagePolicy(allowed_roots=("/srv",)))
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.ImageSourceNotAllowed: /etc/passwd is outside the allowed directories; move the image under an allowed directory or add its folder to ImagePolicy.allowed_roots
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


def _not_found(given: str, shown: str) -> ImageNotFound:
    if given[:1] == "~":
        hint = "; '~' is not expanded, give the real path"
    elif not os.path.isabs(given):
        hint = " (a relative path is read from the working directory)"
    else:
        hint = ""
    return ImageNotFound(f"{shown} was not found{hint}")


def _outside(shown: str) -> ImageSourceNotAllowed:
    return ImageSourceNotAllowed(
        f"{shown} is outside the allowed directories; move the image under an"
        " allowed directory or add its folder to ImagePolicy.allowed_roots"
    )


def _read(given: str, policy: ImagePolicy, shown: str) -> bytes:
    """Resolve, check and read; any ``OSError`` left is turned typed above."""
    real = os.path.realpath(given)
    if policy.allow_any_path or not _jail.supported():
        if not policy.allow_any_path and not any(
            _inside(real, root) for root in policy.root_dirs()
        ):
            raise _outside(shown)
        return _read_real(given, real, policy, shown)
    # The real path only picks the root and the way down; the jailed walk
    # decides, so a component swapped for a symlink meanwhile cannot escape.
    root = next((r for r in policy.root_dirs() if _inside(real, r)), None)
    if root is None:
        raise _outside(shown)
    relative = real[len(root.rstrip(os.sep)) :].lstrip(os.sep)
    try:
        fd = _jail.open_beneath(root, relative)
    except (FileNotFoundError, NotADirectoryError):
        raise _not_found(given, shown) from None
    except _jail.EscapesRoot:
        raise _outside(shown) from None
    except _jail.NotRegular as exc:
        raise ImageSourceNotAllowed(
            f"{shown} is {_kind(exc.mode)}; pass a regular image file"
        ) from None
    except _jail.Changed:
        raise ImageSourceNotAllowed(f"{shown} changed while it was opened") from None
    with os.fdopen(fd, "rb") as file:
        cap_bytes(os.fstat(fd).st_size, policy, shown)
        return file.read(policy.max_source_bytes + 1)


def _read_real(given: str, real: str, policy: ImagePolicy, shown: str) -> bytes:
    """Any path (``allow_any_path``) or a platform without ``dir_fd``: check, open."""
    try:
        before = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        raise _not_found(given, shown) from None
    if not stat.S_ISREG(before.st_mode):
        raise ImageSourceNotAllowed(
            f"{shown} is {_kind(before.st_mode)}; pass a regular image file"
        )
    cap_bytes(before.st_size, policy, shown)
    with os.fdopen(os.open(real, _jail.FILE_FLAGS), "rb") as file:
        after = os.fstat(file.fileno())
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (
            before.st_dev,
            before.st_ino,
        ):
            raise ImageSourceNotAllowed(f"{shown} changed while it was opened")
        return file.read(policy.max_source_bytes + 1)


__all__ = ["read_path"]
