"""A read source: ``RawImage`` (capped bytes or a PIL image), the byte cap, sniffing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from langchain_gravix_vision.errors import ImageTooLarge
from langchain_gravix_vision.images._policy import ImagePolicy


class SupportsRead(Protocol):
    """A binary file-like object (``open(path, "rb")``, ``io.BytesIO``)."""

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes."""
        ...


@dataclass(frozen=True, repr=False)
class RawImage:
    """One image source read under the policy: bytes or an in-memory PIL image.

    ``declared_mime`` is the MIME type the source claimed (data URL, content
    block), checked later against the sniffed format.

    Example:
        >>> RawImage("bytes", data=b"abc")
        RawImage('bytes', 3 bytes, declared_mime=None)
    """

    name: str
    data: bytes | None = None
    image: Image.Image | None = None
    declared_mime: str | None = None

    def __repr__(self) -> str:
        size = "PIL image" if self.data is None else f"{len(self.data):,} bytes"
        return f"RawImage({self.name!r}, {size}, declared_mime={self.declared_mime!r})"


def cap_bytes(size: int, policy: ImagePolicy, name: str) -> None:
    """Refuse ``size`` bytes over ``policy.max_source_bytes`` with ``ImageTooLarge``.

    Example:
        >>> cap_bytes(10, ImagePolicy(max_source_bytes=5), "photo.jpg")
        Traceback (most recent call last):
        ...
        langchain_gravix_vision.errors.ImageTooLarge: photo.jpg is 10 bytes; the limit is 5 (ImagePolicy.max_source_bytes). Downscale or compress the image first.
    """  # noqa: E501
    if size > policy.max_source_bytes:
        raise ImageTooLarge(
            f"{name} is {size:,} bytes; the limit is {policy.max_source_bytes:,}"
            " (ImagePolicy.max_source_bytes). Downscale or compress the image first."
        )


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


__all__ = ["RawImage", "SupportsRead", "cap_bytes", "sniff_mime_type"]
