"""Open a file beneath a root directory without races: Go's ``os.Root`` semantics.

The path is walked one component at a time from a file descriptor of the
root: each directory is opened ``O_DIRECTORY | O_NOFOLLOW`` relative to its
parent's descriptor, ``..`` returns to the descriptor already held for the
parent (it can never climb above the root), and a symbolic link is read with
``readlink`` and followed only while its target stays beneath the root (an
absolute target must name the root's real path). The last component is
``lstat``-ed, opened ``O_NOFOLLOW | O_NONBLOCK`` and re-checked with
``fstat``. So swapping any component for a symlink at any moment cannot make
the open land outside the root: the swap is either seen and checked, or it
makes the open fail.

Example:
    >>> import os, tempfile
    >>> root = os.path.realpath(tempfile.mkdtemp())
    >>> _ = open(os.path.join(root, "a.png"), "wb").write(b"x")
    >>> os.mkdir(os.path.join(root, "sub"))
    >>> fd = open_beneath(root, "sub/../a.png")
    >>> os.read(fd, 1), os.close(fd)
    (b'x', None)
    >>> open_beneath(root, "sub/../../a.png")
    Traceback (most recent call last):
    ...
    langchain_gravix_vision.images._jail.EscapesRoot: ..
"""

from __future__ import annotations

import errno
import os
import stat
from collections import deque

MAX_SYMLINKS = 40
"""Symbolic links followed in one walk (Linux's own limit), then ``ELOOP``."""
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | _CLOEXEC
for _flag in ("O_NONBLOCK", "O_BINARY", "O_NOCTTY"):
    FILE_FLAGS |= getattr(os, _flag, 0)
# O_PATH (Linux): a directory that may be searched but not listed still opens.
_DIR_OPEN = getattr(os, "O_PATH", os.O_RDONLY) | _DIRECTORY | _CLOEXEC
_DIR_FLAGS = _DIR_OPEN | _NOFOLLOW


class EscapesRoot(Exception):
    """The path (through ``..`` or a symlink) leads outside the root."""


class NotRegular(Exception):
    """The path names something other than a regular file (``mode`` says what)."""

    def __init__(self, mode: int) -> None:
        super().__init__(mode)
        self.mode = mode


class Changed(Exception):
    """The file was replaced between its check and its open."""


class Vanished(OSError):
    """The file was removed between its check and its open (not "not found")."""


_SUPPORTED = (
    bool(_DIRECTORY and _NOFOLLOW)
    and {
        os.open,
        os.stat,
        os.readlink,
    }
    <= os.supports_dir_fd
)


def supported() -> bool:
    """Whether this platform can walk from directory descriptors (POSIX)."""
    return _SUPPORTED


def _parts(path: str) -> list[str]:
    return [part for part in path.split(os.sep) if part not in ("", ".")]


def _beneath(target: str, root: str) -> str:
    """An absolute link target as a path relative to ``root``, else ``EscapesRoot``."""
    base = root.rstrip(os.sep)
    if target == base or target.rstrip(os.sep) == base:
        return ""
    if not target.startswith(base + os.sep):
        raise EscapesRoot(target)
    return target[len(base) + 1 :]


def open_beneath(root: str, relative: str) -> int:
    """Open the regular file ``relative`` beneath the directory ``root``.

    ``root`` is a real path (symlinks resolved) and trusted; ``relative`` is
    walked as described above. Returns a descriptor opened read-only and
    non-blocking. Raises ``EscapesRoot``, ``NotRegular``, ``Changed``, or the
    ``OSError`` of a component (``FileNotFoundError``, ``NotADirectoryError``,
    ``ELOOP`` when a component turned into a symlink mid-walk...).
    """
    stack = [os.open(root, _DIR_OPEN)]
    try:
        return _walk(stack, root, deque(_parts(relative)))
    finally:
        for fd in stack:
            os.close(fd)


def _walk(stack: list[int], root: str, parts: deque[str]) -> int:
    links = 0
    while parts:
        name = parts.popleft()
        if name == "..":
            if len(stack) == 1:
                raise EscapesRoot(name)
            os.close(stack.pop())
            continue
        info = os.stat(name, dir_fd=stack[-1], follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            links += 1
            if links > MAX_SYMLINKS:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
            target = os.readlink(name, dir_fd=stack[-1])
            if os.path.isabs(target):
                target = _beneath(target, root)
                while len(stack) > 1:  # an absolute target restarts at the root
                    os.close(stack.pop())
            parts.extendleft(reversed(_parts(target)))
            continue
        if parts:
            stack.append(os.open(name, _DIR_FLAGS, dir_fd=stack[-1]))
            continue
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(info.st_mode)
        return _open_file(name, stack[-1], info)
    raise NotRegular(stat.S_IFDIR)  # the walk ended on a directory (the root...)


def _open_file(name: str, dir_fd: int, before: os.stat_result) -> int:
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError as exc:
        raise Vanished(exc.errno, exc.strerror) from None
    after = os.fstat(fd)
    if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (
        before.st_dev,
        before.st_ino,
    ):
        os.close(fd)
        raise Changed(name)
    return fd


__all__ = [
    "FILE_FLAGS",
    "MAX_SYMLINKS",
    "Changed",
    "EscapesRoot",
    "NotRegular",
    "Vanished",
    "open_beneath",
    "supported",
]
