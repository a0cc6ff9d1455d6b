"""Turn any image source into capped raw bytes (or a PIL image) and a display name.

This is where ``ImagePolicy``'s source rules apply: the path policy (real path,
regular file, allowed roots), the URL mode and SSRF-safe fetcher, and the byte
cap (checked before base64 is decoded). Nothing here decodes the image; the
bytes are sniffed later by ``prepare``, never trusted by extension or MIME.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, Union

from PIL import Image

from langchain_gravix_vision.errors import (
    ImageSourceNotAllowed,
    ImageTooLarge,
    InvalidImageData,
)
from langchain_gravix_vision.images.fetch import fetch_url
from langchain_gravix_vision.images.policy import ImagePolicy, short


class SupportsRead(Protocol):
    """A binary file-like object (``open(path, "rb")``, ``io.BytesIO``)."""

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes."""
        ...


ImageSource = Union[
    str,
    "os.PathLike[str]",
    bytes,
    bytearray,
    memoryview,
    SupportsRead,
    Image.Image,
    Mapping[str, Any],
]
"""Everything ``load_image`` accepts."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_MIME = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$")
_IMAGE_BLOCK_KEYS = ("url", "base64", "data", "source", "source_type", "file_id", "id")


@dataclass(frozen=True, repr=False)
class RawImage:
    """One image source read under the policy: bytes or an in-memory PIL image.

    ``declared_mime`` is the MIME type the source claimed (data URL, content
    block), checked later against the sniffed format.
    """

    name: str
    data: bytes | None = None
    image: Image.Image | None = None
    declared_mime: str | None = None

    def __repr__(self) -> str:
        size = "PIL image" if self.data is None else f"{len(self.data):,} bytes"
        return f"RawImage({self.name!r}, {size}, declared_mime={self.declared_mime!r})"


_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})


def sniff_mime_type(data: bytes) -> str:
    r"""Return the MIME type the magic bytes of ``data`` show (no decoding).

    For labelling bytes that are sent without preprocessing; unknown data is
    ``"application/octet-stream"``.

    Example:
        >>> sniff_mime_type(b"\x89PNG\r\n\x1a\n..."), sniff_mime_type(b"<html>")
        ('image/png', 'application/octet-stream')
    """
    head = bytes(data[:16])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:2] == b"BM":
        return "image/bmp"
    if head[4:8] == b"ftyp" and head[8:12] in _AVIF_BRANDS:
        return "image/avif"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return "application/octet-stream"


# --------------------------------------------------------------------------
# LangChain content blocks


def is_image_block(block: object) -> bool:
    """Return whether ``block`` is an image content block in any LangChain form.

    Recognises LangChain v1 and v0 ``{"type": "image", ...}``, OpenAI
    ``{"type": "image_url", ...}`` / ``{"type": "input_image", ...}`` and
    Anthropic ``{"type": "image", "source": {...}}`` blocks.

    Example:
        >>> is_image_block({"type": "image_url", "image_url": {"url": "https://x/y.png"}})
        True
        >>> is_image_block({"type": "text", "text": "hi"})
        False
    """
    if not isinstance(block, Mapping):
        return False
    kind = block.get("type")
    if kind in ("image_url", "input_image"):
        return "image_url" in block or "file_id" in block
    if kind == "image":
        return any(key in block for key in _IMAGE_BLOCK_KEYS)
    return False


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidImageData(
            f"image block field {field!r} must be a non-empty string"
        )
    return value


def _base64_payload(data: object, mime: object, field: str) -> str | bytes:
    """Turn a block's base64 field (plus its MIME type) into a data URL."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    text = _text(data, field)
    if text[:5].lower() == "data:":
        return text
    if mime is None or mime == "":
        return f"data:;base64,{text}"
    if not isinstance(mime, str) or not _MIME.match(mime.strip()):
        raise InvalidImageData(f"image block mime type {short(mime)!r} is not valid")
    return f"data:{mime.strip()};base64,{text}"


def image_from_content_block(block: Mapping[str, Any]) -> str | bytes:
    """Return the URL, data URL or raw bytes an image content block carries.

    Base64 payloads come back as a ``data:`` URL that keeps the declared MIME
    type (checked against the bytes when loaded); raw ``bytes`` in a base64
    field come back as bytes. Blocks that only reference a provider file id
    raise ``ImageSourceNotAllowed``.

    Example:
        >>> image_from_content_block({"type": "image", "url": "https://x/cat.png"})
        'https://x/cat.png'
        >>> image_from_content_block(
        ...     {"type": "image", "source": {"type": "base64",
        ...      "media_type": "image/png", "data": "iVBORw0KGgo="}}
        ... )
        'data:image/png;base64,iVBORw0KGgo='
    """
    if not is_image_block(block):
        raise InvalidImageData(
            "not an image content block; expected {'type': 'image', ...} or"
            " {'type': 'image_url', ...}"
        )
    kind = block["type"]
    if kind in ("image_url", "input_image"):
        value = block.get("image_url")
        if isinstance(value, Mapping):
            return _text(value.get("url"), "image_url.url")
        if value is None:
            raise ImageSourceNotAllowed(
                "image blocks that reference a file id cannot be loaded; send the"
                " image as base64 or a URL"
            )
        return _text(value, "image_url")
    source = block.get("source")
    if isinstance(source, Mapping):  # Anthropic
        source_kind = source.get("type")
        if source_kind == "base64":
            return _base64_payload(
                source.get("data"), source.get("media_type"), "source.data"
            )
        if source_kind == "url":
            return _text(source.get("url"), "source.url")
        raise ImageSourceNotAllowed(
            f"image source type {short(source_kind)!r} is not supported; send the"
            " image as base64 or a URL"
        )
    source_type = block.get("source_type")
    if source_type is not None:  # LangChain v0
        if source_type == "url":
            return _text(block.get("url"), "url")
        if source_type == "base64":
            return _base64_payload(block.get("data"), block.get("mime_type"), "data")
        raise ImageSourceNotAllowed(
            f"image blocks with source_type {short(source_type)!r} are not supported;"
            " send the image as base64 or a URL"
        )
    if block.get("url") is not None:  # LangChain v1
        return _text(block["url"], "url")
    for field in ("base64", "data"):
        if block.get(field) is not None:
            return _base64_payload(block[field], block.get("mime_type"), field)
    if block.get("file_id") is not None or block.get("id") is not None:
        raise ImageSourceNotAllowed(
            "image blocks that reference a file id cannot be loaded; send the"
            " image as base64 or a URL"
        )
    raise InvalidImageData("image block has no url or base64 data")


def block_detail(block: Mapping[str, Any]) -> str | None:
    """Return the ``detail`` hint of an image block, wherever it is given.

    Looks at ``image_url.detail``, a top-level ``detail`` and
    ``extras["detail"]`` (LangChain v1).

    Example:
        >>> block_detail({"type": "image_url", "image_url": {"url": "u", "detail": "low"}})
        'low'
        >>> block_detail({"type": "image", "url": "u", "extras": {"detail": "high"}})
        'high'
    """  # noqa: E501
    candidates: list[object] = []
    image_url = block.get("image_url")
    if isinstance(image_url, Mapping):
        candidates.append(image_url.get("detail"))
    candidates.append(block.get("detail"))
    extras = block.get("extras")
    if isinstance(extras, Mapping):
        candidates.append(extras.get("detail"))
    return next((c for c in candidates if isinstance(c, str) and c), None)


# --------------------------------------------------------------------------
# Bytes, base64 and data URLs


def _cap(size: int, policy: ImagePolicy, name: str) -> None:
    if size > policy.max_source_bytes:
        raise ImageTooLarge(
            f"{name} is {size:,} bytes; the limit is {policy.max_source_bytes:,}"
            " (ImagePolicy.max_source_bytes). Downscale or compress the image first."
        )


def decode_base64(text: str, policy: ImagePolicy, name: str = "base64 data") -> bytes:
    """Strictly decode base64 text, refusing oversize data BEFORE decoding.

    Whitespace is ignored; any other non-alphabet character or bad padding is
    ``InvalidImageData``.

    Example:
        >>> decode_base64("aGVs bG8=", ImagePolicy())
        b'hello'
    """
    limit = policy.max_source_bytes
    if len(text) > 2 * (limit * 4 // 3 + 4):  # too big even with whitespace
        _cap(len(text) * 3 // 4, policy, name)
    compact = "".join(text.split())
    _cap(len(compact) * 3 // 4 - compact[-2:].count("="), policy, name)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidImageData(
            f"{name} is not valid base64 (standard alphabet, with padding)"
        ) from None


def read_data_url(url: str, policy: ImagePolicy) -> RawImage:
    """Decode a ``data:<mime>;base64,<data>`` URL under the byte cap.

    Example:
        >>> read_data_url("data:image/png;base64,aGVsbG8=", ImagePolicy())
        RawImage('data URL', 5 bytes, declared_mime='image/png')
    """
    header, comma, payload = url.partition(",")
    if not comma:
        raise InvalidImageData(
            "malformed data URL (no comma); expected data:image/png;base64,..."
        )
    params = [p.strip().lower() for p in header[5:].split(";")]
    if "base64" not in params[1:]:
        raise InvalidImageData(
            f"data URL {short(header)!r} is not base64; only"
            " data:<mime>;base64,... URLs are supported"
        )
    if params[0] and not _MIME.match(params[0]):
        raise InvalidImageData(
            f"data URL media type {short(params[0], 40)!r} is not valid; expected"
            " e.g. data:image/png;base64,..."
        )
    data = decode_base64(payload, policy, "data URL")
    return RawImage("data URL", data=data, declared_mime=params[0] or None)


def read_bytes(data: bytes | bytearray | memoryview, policy: ImagePolicy) -> RawImage:
    """Take in-memory bytes under the byte cap.

    Example:
        >>> read_bytes(b"abc", ImagePolicy()).data
        b'abc'
    """
    size = data.nbytes if isinstance(data, memoryview) else len(data)
    _cap(size, policy, "image data")
    return RawImage("bytes", data=bytes(data))


def read_file_object(file: SupportsRead, policy: ImagePolicy) -> RawImage:
    """Read an open binary file object, at most ``max_source_bytes + 1`` bytes.

    The caller opened the file, so the path policy does not apply to it.

    Example:
        >>> import io
        >>> read_file_object(io.BytesIO(b"abc"), ImagePolicy()).data
        b'abc'
    """
    raw_name = getattr(file, "name", None)
    name = short(os.path.basename(raw_name)) if isinstance(raw_name, str) else "file"
    try:
        data = file.read(policy.max_source_bytes + 1)
    except (OSError, ValueError) as exc:
        raise InvalidImageData(f"{name} could not be read: {short(exc)}") from None
    if isinstance(data, str):
        raise InvalidImageData(f"{name} is open in text mode; open it with 'rb'")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidImageData(f"{name}.read() did not return bytes")
    _cap(len(data), policy, name)
    return RawImage(name, data=bytes(data))


# --------------------------------------------------------------------------
# Local paths


def _shown(given: str) -> str:
    """The path as it may appear in messages: relative and short, else basename."""
    if not os.path.isabs(given) and len(given) <= 60:
        return given
    return short(os.path.basename(given.rstrip("/\\")) or "path")


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
        raise ImageSourceNotAllowed(f"{shown} was not found{hint}") from None
    except OSError as exc:
        raise ImageSourceNotAllowed(
            f"{shown} cannot be read ({exc.strerror})"
        ) from None
    if not stat.S_ISREG(before.st_mode):
        raise ImageSourceNotAllowed(
            f"{shown} is {_kind(before.st_mode)}; pass a regular image file"
        )
    _cap(before.st_size, policy, shown)
    flags = os.O_RDONLY
    for flag in ("O_NONBLOCK", "O_NOFOLLOW", "O_CLOEXEC", "O_BINARY", "O_NOCTTY"):
        flags |= getattr(os, flag, 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise ImageSourceNotAllowed(
            f"{shown} cannot be read ({exc.strerror})"
        ) from None
    with os.fdopen(fd, "rb") as file:
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (
            before.st_dev,
            before.st_ino,
        ):
            raise ImageSourceNotAllowed(f"{shown} changed while it was opened")
        try:
            data = file.read(policy.max_source_bytes + 1)
        except OSError as exc:
            raise ImageSourceNotAllowed(
                f"{shown} cannot be read ({exc.strerror})"
            ) from None
    _cap(len(data), policy, shown)
    return RawImage(short(os.path.basename(given)) or shown, data=data)


# --------------------------------------------------------------------------
# Strings and dispatch


def _url_name(url: str) -> str:
    """Host plus last path segment, without query: safe to show."""
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    path = rest[len(host) :].split("?", 1)[0].split("#", 1)[0]
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return short(f"{host}/{last}" if last else host)


def read_string(text: str, policy: ImagePolicy, *, allow_path: bool = True) -> RawImage:
    """Dispatch a string: data URL, http(s) URL or local path.

    Other ``scheme://`` forms (``file://``, ``ftp://``, ...) and ``file:`` are
    refused. With ``allow_path=False`` (strings from content blocks) a plain
    path is refused too: a URL field is never read as a local path.

    Example:
        >>> read_string("ftp://example.com/cat.png", ImagePolicy())
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.ImageSourceNotAllowed: URL scheme 'ftp' is not allowed; pass an http(s) URL, a data URL, a local path or bytes
    """  # noqa: E501
    if not text.strip():
        raise InvalidImageData("the image source is an empty string")
    head = text.lstrip()
    if head[:5].lower() == "data:":
        return read_data_url(head, policy)
    match = _SCHEME.match(head)
    scheme = match.group(1).lower() if match else ""
    if scheme in ("http", "https"):
        if policy.url_mode == "deny":
            raise ImageSourceNotAllowed(
                "image URLs are disabled (ImagePolicy.url_mode='deny'); download"
                " the image and pass the file or its bytes"
            )
        return RawImage(_url_name(head), data=fetch_url(head, policy))
    if scheme or head[:5].lower() == "file:":
        raise ImageSourceNotAllowed(
            f"URL scheme {short(scheme or 'file', 20)!r} is not allowed; pass an"
            " http(s) URL, a data URL, a local path or bytes"
        )
    if not allow_path:
        raise ImageSourceNotAllowed(
            "a URL field (an image block's URL, a tool's image_url) must be an"
            " http(s) or data URL; pass local files as a path (image_path)"
        )
    return read_path(text, policy)


def read_source(source: ImageSource, policy: ImagePolicy) -> RawImage:
    r"""Read any supported image source under ``policy``.

    Example:
        >>> read_source(b"\x89PNG...", ImagePolicy()).name
        'bytes'
    """
    if isinstance(source, Image.Image):
        return RawImage("PIL image", image=source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return read_bytes(source, policy)
    if isinstance(source, str):
        return read_string(source, policy)
    if isinstance(source, os.PathLike):
        return read_path(os.fsdecode(os.fspath(source)), policy)
    if isinstance(source, Mapping):
        payload = image_from_content_block(source)
        if isinstance(payload, bytes):
            return read_bytes(payload, policy)
        return read_string(payload, policy, allow_path=False)
    if callable(getattr(source, "read", None)):
        return read_file_object(source, policy)
    raise InvalidImageData(
        f"unsupported image source type {short(type(source).__name__)}; pass a path,"
        " URL, data URL, bytes, a binary file, a PIL image or an image content block"
    )


__all__ = [
    "ImageSource",
    "RawImage",
    "SupportsRead",
    "block_detail",
    "decode_base64",
    "image_from_content_block",
    "is_image_block",
    "read_bytes",
    "read_data_url",
    "read_file_object",
    "read_path",
    "read_source",
    "read_string",
    "sniff_mime_type",
]
