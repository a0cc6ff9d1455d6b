"""Any image source to capped raw bytes (or a PIL image): the dispatch.

This is where ``ImagePolicy``'s source rules apply: the path policy (real path,
regular file, allowed roots), the URL mode and SSRF-safe fetcher, and the byte
cap (checked before base64 is decoded). Nothing here decodes the image; the
bytes are sniffed later, never trusted by extension or MIME.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Literal, Union

from PIL import Image

from langchain_gravix_vision._text import printable, short
from langchain_gravix_vision.errors import ImageSourceNotAllowed, InvalidImageData
from langchain_gravix_vision.images._blocks import BlockSource, parse_image_block
from langchain_gravix_vision.images._data_urls import decode_base64, read_data_url
from langchain_gravix_vision.images._fetch import fetch_url
from langchain_gravix_vision.images._paths import read_path
from langchain_gravix_vision.images._policy import ImagePolicy
from langchain_gravix_vision.images._raw import RawImage, SupportsRead, cap_bytes
from langchain_gravix_vision.images._urls import url_shown

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

SourceKind = Literal["data", "http", "other_url", "path"]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def read_bytes(data: bytes | bytearray | memoryview, policy: ImagePolicy) -> RawImage:
    """Take in-memory bytes under the byte cap.

    Example:
        >>> read_bytes(b"abc", ImagePolicy()).data
        b'abc'
    """
    size = data.nbytes if isinstance(data, memoryview) else len(data)
    cap_bytes(size, policy, "image data")
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
    cap_bytes(len(data), policy, name)
    return RawImage(name, data=bytes(data))


def source_kind(text: str) -> SourceKind:
    """Say how a string image source is read: the one URL-versus-path rule.

    ``"data"`` (a ``data:`` URL), ``"http"`` (http or https), ``"other_url"``
    (any other ``scheme://`` or ``file:``, always refused) or ``"path"``.

    Example:
        >>> [source_kind(s) for s in ("data:image/png;base64,AA==",
        ...  "HTTPS://x/a.png", "ftp://x/a.png", "photos/cat.jpg")]
        ['data', 'http', 'other_url', 'path']
    """
    head = text.lstrip()
    if head[:5].lower() == "data:":
        return "data"
    match = _SCHEME.match(head)
    scheme = match.group(1).lower() if match else ""
    if scheme in ("http", "https"):
        return "http"
    if scheme or head[:5].lower() == "file:":
        return "other_url"
    return "path"


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
    kind = source_kind(head)
    if kind == "data":
        return read_data_url(head, policy)
    if kind == "http":
        if policy.url_mode == "deny":
            raise ImageSourceNotAllowed(
                "image URLs are disabled (ImagePolicy.url_mode='deny'); download"
                " the image and pass the file or its bytes"
            )
        return RawImage(url_shown(head), data=fetch_url(head, policy))
    if kind == "other_url":
        match = _SCHEME.match(head)
        scheme = match.group(1).lower() if match else "file"
        raise ImageSourceNotAllowed(
            f"URL scheme {printable(scheme, 20)!r} is not allowed; pass an"
            " http(s) URL, a data URL, a local path or bytes"
        )
    if not allow_path:
        raise ImageSourceNotAllowed(
            "a URL field (a tool's image_url) must be an http(s) or data URL;"
            " pass local files as a path (image_path)"
        )
    return read_path(text, policy)


def read_block(source: BlockSource, policy: ImagePolicy) -> RawImage:
    """Read what an image block carries, under ``policy``.

    A URL field may be an http(s) URL, a data URL or a local path (read under
    the path policy); base64 is decoded under the byte cap.

    Example:
        >>> from langchain_gravix_vision.images._blocks import parse_image_block
        >>> block = {"type": "image", "base64": "aGVsbG8=", "mime_type": "image/png"}
        >>> read_block(parse_image_block(block), ImagePolicy())
        RawImage('base64 data', 5 bytes, declared_mime='image/png')
    """
    if isinstance(source.value, bytes):
        return read_bytes(source.value, policy)
    if source.kind == "base64":
        data = decode_base64(source.value, policy)
        return RawImage("base64 data", data=data, declared_mime=source.mime_type)
    return read_string(source.value, policy)


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
        return read_block(parse_image_block(source), policy)
    if callable(getattr(source, "read", None)):
        return read_file_object(source, policy)
    raise InvalidImageData(
        f"unsupported image source type {short(type(source).__name__)}; pass a path,"
        " URL, data URL, bytes, a binary file, a PIL image or an image content block"
    )


__all__ = [
    "ImageSource",
    "SourceKind",
    "read_block",
    "read_bytes",
    "read_file_object",
    "read_source",
    "read_string",
    "source_kind",
]
