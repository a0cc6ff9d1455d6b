"""Base64 text and ``data:`` URLs, decoded strictly and only under the byte cap."""

from __future__ import annotations

import base64
import binascii
import re

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import InvalidImageData
from langchain_gravix_vision.images._policy import ImagePolicy
from langchain_gravix_vision.images._raw import RawImage, cap_bytes

MIME_PATTERN = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$")
"""A syntactically valid ``type/subtype`` MIME type (no parameters)."""
_WHITESPACE = b" \t\n\r\x0b\x0c"


def decode_base64(text: str, policy: ImagePolicy, name: str = "base64 data") -> bytes:
    """Strictly decode base64 text, refusing oversize data BEFORE decoding.

    Whitespace is ignored; any other non-alphabet character or bad padding is
    ``InvalidImageData``.

    Example:
        >>> decode_base64("aGVs bG8=", ImagePolicy())
        b'hello'
    """
    # Cap first, on the text itself: whitespace may at most double it.
    limit = policy.max_source_bytes
    if len(text) > 2 * (limit * 4 // 3 + 4):
        cap_bytes(len(text) * 3 // 8, policy, name)
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidImageData(
            f"{name} is not valid base64 (standard alphabet, with padding)"
        ) from None
    # One C-level pass drops whitespace (no per-line strings, unlike split()).
    compact = raw.translate(None, _WHITESPACE)
    cap_bytes(len(compact) * 3 // 4 - compact[-2:].count(b"="), policy, name)
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
    if params[0] and not MIME_PATTERN.match(params[0]):
        raise InvalidImageData(
            f"data URL media type {short(params[0], 40)!r} is not valid; expected"
            " e.g. data:image/png;base64,..."
        )
    data = decode_base64(payload, policy, "data URL")
    return RawImage("data URL", data=data, declared_mime=params[0] or None)


__all__ = ["MIME_PATTERN", "decode_base64", "read_data_url"]
