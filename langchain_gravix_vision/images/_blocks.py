"""LangChain image content blocks, every form, parsed into one typed ``BlockSource``.

One rule for what a block may name, on every route (``load_image(block)`` and
the chat model's outgoing messages alike): a block's URL field is an http(s)
URL, a ``data:`` URL, or a local path that is read only under the policy's path
rules (``ImagePolicy.allowed_roots``); base64 fields are decoded under the byte
cap. Tool arguments that are URLs are a different route and are never read as
paths (see ``read_string(..., allow_path=False)``).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import ImageSourceNotAllowed, InvalidImageData
from langchain_gravix_vision.images._data_urls import MIME_PATTERN
from langchain_gravix_vision.images._raw import sniff_mime_type

_IMAGE_BLOCK_KEYS = ("url", "base64", "data", "source", "source_type", "file_id", "id")
Kind = Literal["url", "base64", "bytes"]
PREPARED_KEY = "gravix_prepared"
"""``extras`` key marking a block this package already prepared (see below)."""
PREPARED_TOKEN = secrets.token_hex(8)
"""Per-process value of the marker: a block cannot claim to be prepared unless
this process made it, so the marker cannot be used to skip the policy."""
FRAME_KEY = "gravix_video_frame"
"""``extras`` key (valued ``PREPARED_TOKEN``) of a prepared video frame: it is
capped by ``VideoPolicy``, not counted against ``ImagePolicy.max_images``."""


@dataclass(frozen=True, repr=False)
class BlockSource:
    """What one image content block carries.

    Attributes:
        kind: ``"url"`` (``value`` is an http(s) URL, a data URL or a local
            path), ``"base64"`` (``value`` is base64 text) or ``"bytes"``.
        value: The URL, base64 text or raw bytes.
        mime_type: The MIME type the block declares, if any.
        detail: The ``detail`` hint, wherever the block gives it.
        prepared: The block was made by ``PreparedImage.to_message_block`` in
            this process: its base64 image is final and is sent as it is.
        frame: A prepared frame of a video (``PreparedVideo.to_message_blocks``).

    Example:
        >>> parse_image_block({"type": "image", "url": "https://x/cat.png"})
        BlockSource(url, 'https://x/cat.png', mime_type=None, detail=None)
    """

    kind: Kind
    value: str | bytes
    mime_type: str | None = None
    detail: str | None = None
    prepared: bool = False
    frame: bool = False

    def __repr__(self) -> str:
        shown = (
            f"{len(self.value):,} bytes"
            if isinstance(self.value, bytes)
            else repr(short(self.value, 40))
        )
        return (
            f"BlockSource({self.kind}, {shown}, mime_type={self.mime_type!r},"
            f" detail={self.detail!r})"
        )


def is_image_block(block: object) -> bool:
    """Return whether ``block`` is an image content block in any LangChain form.

    Recognises LangChain v1 and v0 ``{"type": "image", ...}``, OpenAI
    ``{"type": "image_url", ...}`` / ``{"type": "input_image", ...}``,
    Anthropic ``{"type": "image", "source": {...}}`` blocks, and ``file``
    blocks that carry an image (``mime_type: image/...`` or an image data
    URL), whatever the case of ``type``: none of them skips the policy.

    Example:
        >>> is_image_block({"type": "image_url", "image_url": {"url": "https://x/y.png"}})
        True
        >>> is_image_block({"type": "file", "mime_type": "image/png", "base64": "AA=="})
        True
        >>> is_image_block({"type": "text", "text": "hi"})
        False
    """
    if not isinstance(block, Mapping):
        return False
    kind = _kind(block)
    if kind in ("image_url", "input_image"):
        return "image_url" in block or "file_id" in block
    if kind == "image":
        return any(key in block for key in _IMAGE_BLOCK_KEYS)
    if kind == "file":
        return _image_file_data(block) is not None or (
            any(key in block for key in ("url", "base64", "data"))
            and (_is_image_mime(block.get("mime_type")) or _sniffs_as_image(block))
        )
    return False


def is_frame_block(block: object) -> bool:
    """Whether ``block`` is a video frame this process prepared (``FRAME_KEY``)."""
    extras = block.get("extras") if isinstance(block, Mapping) else None
    return (
        isinstance(extras, Mapping)
        and extras.get(FRAME_KEY) == PREPARED_TOKEN
        and extras.get(PREPARED_KEY) == PREPARED_TOKEN
    )


def is_file_block(block: object) -> bool:
    """Return whether ``block`` is a ``file`` content block (any case).

    Example:
        >>> is_file_block({"type": "File", "base64": "JVBERi0=", "mime_type": "application/pdf"})
        True
    """  # noqa: E501
    return isinstance(block, Mapping) and _kind(block) == "file"


def _sniffs_as_image(block: Mapping[str, Any]) -> bool:
    """Whether a file block's base64 data starts like an image.

    langchain-core labels OpenAI ``file_data`` blocks ``application/pdf``
    whatever they hold, so the bytes decide.
    """
    data = block.get("base64", block.get("data"))
    if isinstance(data, (bytes, bytearray)):
        head = bytes(data[:16])
    elif isinstance(data, str):
        try:
            head = base64.b64decode(data.strip()[:24], validate=True)
        except (binascii.Error, ValueError):
            return False
    else:
        return False
    return sniff_mime_type(head).startswith("image/")


def _kind(block: Mapping[str, Any]) -> str:
    """The block type, compared case-insensitively (``IMAGE_URL`` is an image)."""
    kind = block.get("type")
    return kind.strip().lower() if isinstance(kind, str) else ""


def _is_image_mime(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("image/")


def _image_file_data(block: Mapping[str, Any]) -> str | None:
    """The data URL of an OpenAI ``{"type": "file", "file": {"file_data": ...}}``."""
    file = block.get("file")
    data = file.get("file_data") if isinstance(file, Mapping) else None
    if isinstance(data, str) and data[:11].lower() == "data:image/":
        return data
    return None


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidImageData(
            f"image block field {field!r} must be a non-empty string"
        )
    return value


def _mime(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not MIME_PATTERN.match(value.strip()):
        raise InvalidImageData(f"image block mime type {short(value)!r} is not valid")
    return value.strip()


def _base64_field(data: object, field: str) -> tuple[Kind, str | bytes]:
    """(kind, value) of a base64 field; a data URL in it is a URL."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return "bytes", bytes(data)
    text = _text(data, field)
    if text[:5].lower() == "data:":
        return "url", text
    return "base64", text


def _detail(block: Mapping[str, Any]) -> str | None:
    candidates: list[object] = []
    image_url = block.get("image_url")
    if isinstance(image_url, Mapping):
        candidates.append(image_url.get("detail"))
    candidates.append(block.get("detail"))
    extras = block.get("extras")
    if isinstance(extras, Mapping):
        candidates.append(extras.get("detail"))
    return next((c for c in candidates if isinstance(c, str) and c), None)


def _file_id_refused() -> ImageSourceNotAllowed:
    return ImageSourceNotAllowed(
        "image blocks that reference a file id cannot be loaded; send the"
        " image as base64 or a URL"
    )


def _payload(block: Mapping[str, Any]) -> tuple[Kind, str | bytes, object]:
    """(kind, value, declared MIME) of any image block form."""
    kind = _kind(block)
    if kind == "file" and (file_data := _image_file_data(block)) is not None:
        return "url", file_data, None
    if kind in ("image_url", "input_image"):
        value = block.get("image_url")
        if isinstance(value, Mapping):
            return "url", _text(value.get("url"), "image_url.url"), None
        if value is None:
            raise _file_id_refused()
        return "url", _text(value, "image_url"), None
    source = block.get("source")
    if isinstance(source, Mapping):  # Anthropic
        source_kind = source.get("type")
        if source_kind == "base64":
            media = source.get("media_type")
            return (*_base64_field(source.get("data"), "source.data"), media)
        if source_kind == "url":
            return "url", _text(source.get("url"), "source.url"), None
        raise ImageSourceNotAllowed(
            f"image source type {short(source_kind)!r} is not supported; send the"
            " image as base64 or a URL"
        )
    source_type = block.get("source_type")
    if source_type is not None:  # LangChain v0
        if source_type == "url":
            return "url", _text(block.get("url"), "url"), None
        if source_type == "base64":
            mime = block.get("mime_type")
            return (*_base64_field(block.get("data"), "data"), mime)
        raise ImageSourceNotAllowed(
            f"image blocks with source_type {short(source_type)!r} are not supported;"
            " send the image as base64 or a URL"
        )
    if block.get("url") is not None:  # LangChain v1
        return "url", _text(block["url"], "url"), None
    for field in ("base64", "data"):
        if block.get(field) is not None:
            mime = block.get("mime_type")
            return (*_base64_field(block[field], field), mime)
    if block.get("file_id") is not None or block.get("id") is not None:
        raise _file_id_refused()
    raise InvalidImageData("image block has no url or base64 data")


def parse_file_block(block: Mapping[str, Any]) -> BlockSource:
    """Parse a ``file`` content block (a PDF, say) into a ``BlockSource``.

    The declared MIME type is dropped: the bytes are sniffed.

    Example:
        >>> parse_file_block({"type": "file", "base64": "JVBERi0=",
        ...                   "mime_type": "application/pdf"})
        BlockSource(base64, 'JVBERi0=', mime_type=None, detail=None)
    """
    if not is_file_block(block):
        raise InvalidImageData("not a file content block")
    file = block.get("file")
    data = file.get("file_data") if isinstance(file, Mapping) else None
    if isinstance(data, str) and data[:5].lower() == "data:":
        return BlockSource("url", data)
    kind, value, _ = _payload(block)
    return BlockSource(kind, value)


def parse_image_block(block: Mapping[str, Any]) -> BlockSource:
    """Parse an image content block, in any LangChain form, into a ``BlockSource``.

    Blocks that only reference a provider file id raise
    ``ImageSourceNotAllowed``; malformed blocks raise ``InvalidImageData``.

    Example:
        >>> parse_image_block(
        ...     {"type": "image", "source": {"type": "base64",
        ...      "media_type": "image/png", "data": "iVBORw0KGgo="}}
        ... )
        BlockSource(base64, 'iVBORw0KGgo=', mime_type='image/png', detail=None)
        >>> parse_image_block(
        ...     {"type": "image_url", "image_url": {"url": "photos/cat.jpg",
        ...      "detail": "low"}}
        ... ).detail
        'low'
    """
    if not is_image_block(block):
        raise InvalidImageData(
            "not an image content block; expected {'type': 'image', ...} or"
            " {'type': 'image_url', ...}"
        )
    kind, value, declared = _payload(block)
    if _kind(block) == "file" and not _is_image_mime(declared):
        declared = None  # a label invented upstream; the bytes are sniffed
    mime = _mime(declared) if kind == "base64" else None
    extras = block.get("extras")
    prepared = (
        kind == "base64"
        and isinstance(extras, Mapping)
        and extras.get(PREPARED_KEY) == PREPARED_TOKEN
    )
    return BlockSource(
        kind,
        value,
        mime_type=mime,
        detail=_detail(block),
        prepared=prepared,
        frame=prepared and is_frame_block(block),
    )


__all__ = [
    "FRAME_KEY",
    "PREPARED_KEY",
    "PREPARED_TOKEN",
    "BlockSource",
    "is_file_block",
    "is_frame_block",
    "is_image_block",
    "parse_file_block",
    "parse_image_block",
]
