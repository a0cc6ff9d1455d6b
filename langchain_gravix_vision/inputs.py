"""The one PDF-or-image dispatch: a read source as pages, whatever it holds.

Every route that takes a source which may be a PDF comes through here:
``load_image``, the chat model's ``file`` and image blocks, ``VisionTool``,
``ExtractTextTool`` and the document loader. ``open_pages`` sniffs the bytes
once and returns either a ``PdfFile`` (``documents.pdf``) or an ``ImagePages``
(a raster image seen as a document of one page); both offer ``page_count``,
``text(n)``, ``prepare(n, resolution)`` and ``close()``.

Example:
    >>> from PIL import Image
    >>> from langchain_gravix_vision.images import ImagePolicy, RawImage
    >>> raw = RawImage("square", image=Image.new("RGB", (64, 64)))
    >>> with open_pages(raw, ImagePolicy()) as pages:
    ...     pages.page_count, pages.text(1), pages.prepare(1, None).sent_size
    (1, '', (64, 64))
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from langchain_gravix_vision.documents.paged import Paged
from langchain_gravix_vision.documents.pages import select_pages
from langchain_gravix_vision.documents.pdf import PdfFile, is_pdf
from langchain_gravix_vision.images import (
    ImagePolicy,
    ImageSource,
    PreparedImage,
    RawImage,
    prepare_image,
    read_source,
)
from langchain_gravix_vision.resolution import ImageResolution

SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp",
     ".heic", ".heif", ".avif", ".pdf"}
)  # fmt: skip
"""File types a folder is searched for (the CLI, the loader and MCP alike)."""


def find_files(
    folder: Path, *, recursive: bool = True, suffixes: frozenset[str] = SUFFIXES
) -> Iterator[Path]:
    """The images and PDFs in ``folder`` (``SUFFIXES``, or ``suffixes``), by path.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     for name in ("b.PNG", "a.pdf", "notes.txt"):
        ...         _ = (Path(tmp) / name).write_bytes(b"")
        ...     [p.name for p in find_files(Path(tmp))]
        ['a.pdf', 'b.PNG']
    """
    found = folder.rglob("*") if recursive else folder.iterdir()
    yield from sorted(p for p in found if p.is_file() and p.suffix.lower() in suffixes)


class ImagePages(Paged):
    """A raster image as a document of one page without a text layer.

    ``detail`` caps the image tokens as ``prepare_image`` does (PDF pages are
    rendered at the model's size and take no ``detail``).
    """

    is_pdf = False
    page_count = 1

    def __init__(
        self, raw: RawImage, policy: ImagePolicy, detail: str | None = None
    ) -> None:
        self.raw = raw
        self.name = raw.name
        self.policy = policy
        self.detail = detail

    def close(self) -> None:
        """Nothing to release (the image is decoded per ``prepare``)."""

    def text(self, number: int) -> str:
        """An image has no text layer: always ``""``."""
        return ""

    def prepare(
        self, number: int, resolution: ImageResolution | None = None
    ) -> PreparedImage:
        """The image ready to send (``number`` is 1: an image has one page)."""
        return prepare_image(
            self.raw, policy=self.policy, resolution=resolution, detail=self.detail
        )


def open_pages(
    raw: RawImage, policy: ImagePolicy, *, detail: str | None = None
) -> Paged:
    """Open a read source as pages: a ``PdfFile`` for PDF bytes, else ``ImagePages``.

    Raises (for PDFs): ``EncryptedDocumentError``, ``InvalidDocumentError``,
    ``ImageTooLarge`` (see ``PdfFile``).
    """
    if raw.data is not None and is_pdf(raw.data):
        return PdfFile(raw.data, raw.name, policy)
    return ImagePages(raw, policy, detail)


def prepare_page(
    raw: RawImage,
    *,
    policy: ImagePolicy,
    resolution: ImageResolution | None,
    page: int = 1,
    detail: str | None = None,
) -> PreparedImage:
    """Page ``page`` of a PDF, or the image itself, ready to send."""
    with open_pages(raw, policy, detail=detail) as pages:
        return pages.prepare(page if pages.is_pdf else 1, resolution)


def prepare_pages(
    opened: Paged, resolution: ImageResolution | None, pages: str | None = None
) -> list[PreparedImage]:
    """The selected pages of an open source (default: all, up to the policy's cap)."""
    selected = select_pages(
        pages, opened.page_count, limit=opened.policy.max_pages, default="all"
    )
    return [opened.prepare(number, resolution) for number in selected]


def load_image(
    source: ImageSource,
    *,
    policy: ImagePolicy | None = None,
    resolution: ImageResolution | None = None,
    page: int = 1,
    detail: str | None = None,
) -> PreparedImage:
    """Load any image source and prepare it for a vision model.

    ``source`` may be a path (``str`` or ``os.PathLike``), an ``http(s)://``
    URL (fetched SSRF-safely unless ``url_mode="deny"``), a
    ``data:image/...;base64,`` URL, ``bytes``/``bytearray``/``memoryview``, a
    binary file object, a ``PIL.Image.Image`` or a LangChain image content
    block (whose URL is http(s), data, or a path read under the policy's
    roots, as a path argument is). The format is sniffed from the bytes. Only
    frame 0 of animated or multi-page images is used (``frames`` records how
    many there were); a PDF gives its page ``page``, rendered at the model's
    size. ``resolution=None`` uses ``DEFAULT_RESOLUTION`` (or
    ``policy.max_side_unknown`` when set). ``detail="low"`` (or
    ``policy.max_image_tokens``) caps the image tokens. A JPEG or PNG that is
    upright, single-frame, within the budget, opaque and in sRGB is sent as it
    is, with only its metadata stripped. Sync only: async code can call
    ``await to_thread_cancellable(load_image, ...)``.

    Raises:
        ImageSourceNotAllowed: The policy refuses the path, scheme or host.
        ImageNotFound: A path names no file under the allowed roots.
        ImageTooLarge: A byte or pixel limit is exceeded.
        UnsupportedImageFormat: The bytes are not a supported image.
        InvalidImageData: Empty, truncated, bad base64 or a MIME type that lies.
        ImageFetchError: A download failed (status, timeout, redirects).

    Example:
        >>> import io
        >>> from PIL import Image
        >>> buffer = io.BytesIO()
        >>> Image.new("RGB", (4032, 3024), "navy").save(buffer, "JPEG")
        >>> from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
        >>> image = load_image(buffer.getvalue(), resolution=QWEN25VL_RESOLUTION)
        >>> image.sent_size, image.mime_type
        ((1652, 1232), 'image/png')
    """
    policy = policy or ImagePolicy()
    raw = read_source(source, policy)
    return prepare_page(
        raw, policy=policy, resolution=resolution, page=page, detail=detail
    )


__all__ = [
    "SUFFIXES",
    "ImagePages",
    "find_files",
    "load_image",
    "open_pages",
    "prepare_page",
    "prepare_pages",
]
