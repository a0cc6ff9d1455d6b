r"""PDF pages with pypdfium2: page count, text layer, pages at the model's size.

A page is rendered once, directly at the scale that gives the model's
resolution (``target_size`` of the page at ``REFERENCE_DPI``), never at print
resolution and shrunk afterwards. The document goes through the same
``ImagePolicy`` as images (byte cap before this point; page-count, page-size
and pixel caps here). Encrypted and corrupt files raise typed errors. Forms
are never initialised, so no JavaScript runs; attachments are never read.

pdfium is not thread-safe, even across documents: every call into it holds
one process-wide lock.

Example:
    >>> from langchain_gravix_vision.documents.pdf import PdfFile, is_pdf
    >>> is_pdf(b"%PDF-1.7 ..."), is_pdf(b"\x89PNG")
    (True, False)
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from langchain_gravix_vision.documents._streams import MAX_TOTAL_CONTENT_BYTES, measure
from langchain_gravix_vision.documents.paged import Paged
from langchain_gravix_vision.errors import (
    EncryptedDocumentError,
    ImageTooLarge,
    InvalidDocumentError,
)
from langchain_gravix_vision.images import (
    ImagePolicy,
    PreparedImage,
    RawImage,
    prepare_image,
)
from langchain_gravix_vision.images._raw import sniff_mime_type
from langchain_gravix_vision.resolution import (
    ImageResolution,
    default_resolution,
    target_size,
)

REFERENCE_DPI = 200
"""A page's own resolution, before fitting to the model (a good scan's)."""
MIN_TEXT_CHARS = 20
"""Letters and digits a page's text layer needs to count as real text."""
PDF_MIME = "application/pdf"
RENDER_MAX_SIDE = 16_384
"""Longest side of a page bitmap pdfium is asked for (the model needs far less)."""
RENDER_MIN_PIXELS = 1 << 22
"""A page bitmap may hold four times the model's pixels, or at least this many
(4 MP, 16 MB as BGRA): a bound on memory whatever the page's shape."""
MAX_PAGE_CONTENT_BYTES = 8 << 20
"""Inflated content one page may have (pdfium parses it all when the page loads)."""
MAX_TEXT_CONTENT_BYTES = 1 << 20
"""Inflated content that shows text one page may have for its text layer to be
read (pdfium's text page costs about 270 bytes per character)."""
MAX_PAGE_TEXT_CHARS = 200_000
"""Characters read from one page's text layer (a dense page has about 5,000)."""
MAX_DOCUMENT_TEXT_CHARS = 1_000_000
"""Characters read from all text layers of one open document together."""
_LOCK = threading.RLock()


def is_pdf(data: bytes | bytearray | memoryview) -> bool:
    """Whether the bytes are a PDF: ``%PDF-`` within the first 1024 bytes.

    Bytes that start like an image are never a PDF.
    """
    head = bytes(data[:1024])
    return b"%PDF-" in head and sniff_mime_type(head) == "application/octet-stream"


def has_real_text(text: str) -> bool:
    """Whether a text layer holds real text (not a scan's empty or stray layer).

    Example:
        >>> has_real_text("  12 "), has_real_text("Quarterly revenue grew by 12%.")
        (False, True)
    """
    return sum(ch.isalnum() for ch in text) >= MIN_TEXT_CHARS


class PdfFile(Paged):
    """One open PDF, read under a policy; use it as a context manager.

    Raises (on opening):
        EncryptedDocumentError: The PDF needs a password.
        InvalidDocumentError: The bytes are not a readable PDF.
        ImageTooLarge: More pages than ``policy.max_document_pages``.
    """

    is_pdf = True  # the dispatch's PDF branch (``inputs.open_pages``)

    def __init__(self, data: bytes, name: str, policy: ImagePolicy) -> None:
        self.name = name
        self.policy = policy
        self.source_bytes = len(data)
        with _LOCK:
            try:
                self._pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as exc:
                if getattr(exc, "err_code", None) in (
                    pdfium_c.FPDF_ERR_PASSWORD,
                    pdfium_c.FPDF_ERR_SECURITY,
                ):
                    raise EncryptedDocumentError(
                        f"{name} is an encrypted PDF; decrypt it first"
                    ) from None
                raise InvalidDocumentError(
                    f"{name} is not a readable PDF (corrupt or truncated)"
                ) from None
            self.page_count = len(self._pdf)
        if self.page_count < 1:
            self.close()
            raise InvalidDocumentError(f"{name} has no pages")
        if self.page_count > policy.max_document_pages:
            self.close()
            raise ImageTooLarge(
                f"{name} has {self.page_count:,} pages; the limit is"
                f" {policy.max_document_pages:,} (ImagePolicy.max_document_pages)."
                " Split the document first."
            )
        content = measure(data, MAX_PAGE_CONTENT_BYTES)
        if content.largest > MAX_PAGE_CONTENT_BYTES:
            self.close()
            raise ImageTooLarge(
                f"{name} has a page whose content inflates past"
                f" {MAX_PAGE_CONTENT_BYTES >> 20} MiB (or more than"
                f" {MAX_TOTAL_CONTENT_BYTES >> 20} MiB in all); render or split it"
                " with another tool first"
            )
        self._text_content = content.largest_text
        self._text_read = 0

    def close(self) -> None:
        """Release pdfium's document."""
        with _LOCK:
            self._pdf.close()

    def _page(self, number: int) -> pdfium.PdfPage:
        if not 1 <= number <= self.page_count:
            raise InvalidDocumentError(
                f"{self.name} has no page {number} (it has {self.page_count})"
            )
        try:
            return self._pdf[number - 1]
        except pdfium.PdfiumError:
            raise InvalidDocumentError(
                f"page {number} of {self.name} could not be read"
            ) from None

    def page_size(self, number: int) -> tuple[float, float]:
        """Page ``number``'s (1-based) width and height in points (1/72 in)."""
        with _LOCK:
            page = self._page(number)
            try:
                return page.get_size()
            finally:
                page.close()

    def text(self, number: int) -> str:
        """Page ``number``'s text layer (``""`` when it has none), LF line ends.

        Raises ``ImageTooLarge`` for a text layer too large to read: content
        showing more than ``MAX_TEXT_CONTENT_BYTES`` (checked before pdfium
        builds its text page), more than ``MAX_PAGE_TEXT_CHARS`` characters on
        the page, or more than ``MAX_DOCUMENT_TEXT_CHARS`` read in all.
        """
        if self._text_content > MAX_TEXT_CONTENT_BYTES:
            raise ImageTooLarge(
                f"a page of {self.name} shows more than"
                f" {MAX_TEXT_CONTENT_BYTES >> 20} MiB of text content; its text"
                " layer is not read (split the document or extract it elsewhere)"
            )
        with _LOCK:
            page = self._page(number)
            try:
                textpage = page.get_textpage()
                try:
                    text = self._bounded_text(number, textpage)
                finally:
                    textpage.close()
            except pdfium.PdfiumError:
                return ""
            finally:
                page.close()
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    def _bounded_text(self, number: int, textpage: pdfium.PdfTextPage) -> str:
        count = textpage.count_chars()
        if count > MAX_PAGE_TEXT_CHARS:
            raise ImageTooLarge(
                f"page {number} of {self.name} has {count:,} characters of text;"
                f" the limit is {MAX_PAGE_TEXT_CHARS:,} a page"
            )
        if self._text_read + count > MAX_DOCUMENT_TEXT_CHARS:
            raise ImageTooLarge(
                f"{self.name}'s text layers exceed {MAX_DOCUMENT_TEXT_CHARS:,}"
                f" characters at page {number}; read fewer pages at a time"
            )
        self._text_read += count
        return str(textpage.get_text_bounded())

    def render_size(
        self, number: int, resolution: ImageResolution | None
    ) -> tuple[int, int]:
        """The pixel size page ``number`` is rendered at for ``resolution``."""
        width_pt, height_pt = self.page_size(number)
        return self._target(number, width_pt, height_pt, resolution)

    def _target(
        self,
        number: int,
        width_pt: float,
        height_pt: float,
        resolution: ImageResolution | None,
    ) -> tuple[int, int]:
        policy = self.policy
        if not (width_pt >= 1 and height_pt >= 1):
            raise InvalidDocumentError(f"page {number} of {self.name} has no area")
        if width_pt * height_pt > policy.max_source_pixels:
            raise ImageTooLarge(
                f"page {number} of {self.name} is {width_pt:,.0f}x{height_pt:,.0f}"
                " points, larger than ImagePolicy.max_source_pixels at 72 dpi"
            )
        scale = REFERENCE_DPI / 72
        natural = (max(1, round(width_pt * scale)), max(1, round(height_pt * scale)))
        if not policy.resize:
            return natural
        return target_size(
            *natural,
            resolution or default_resolution(policy.max_side_unknown),
            upscale=False,
        )

    def render(
        self, number: int, resolution: ImageResolution | None = None
    ) -> Image.Image:
        """Render page ``number`` directly at the model's size (RGB)."""
        with _LOCK:
            page = self._page(number)
            try:
                width_pt, height_pt = page.get_size()
                target = self._target(number, width_pt, height_pt, resolution)
                if target[0] * target[1] > self.policy.max_source_pixels:
                    raise ImageTooLarge(
                        f"page {number} of {self.name} would render to"
                        f" {target[0]}x{target[1]} pixels; the limit is"
                        f" {self.policy.max_source_pixels:,}"
                        " (ImagePolicy.max_source_pixels)"
                    )
                scale = max(target[0] / width_pt, target[1] / height_pt)
                self._check_render(number, (width_pt, height_pt), scale, target)
                bitmap = page.render(scale=scale, may_draw_forms=False)
                try:
                    image = bitmap.to_pil().convert("RGB")
                finally:
                    bitmap.close()
            except pdfium.PdfiumError:
                raise InvalidDocumentError(
                    f"page {number} of {self.name} could not be rendered"
                ) from None
            finally:
                page.close()
        if image.size != target:
            if (image.width > image.height) != (target[0] > target[1]):
                target = (target[1], target[0])  # a /Rotate'd page
            if image.size != target:  # a pixel or a grid step, not a shrink
                image = image.resize(target, Image.Resampling.LANCZOS)
        return image

    def _check_render(
        self,
        number: int,
        size_pt: tuple[float, float],
        scale: float,
        target: tuple[int, int],
    ) -> None:
        """Bound the bitmap pdfium would allocate by each side and by memory.

        The scale that covers the target on both sides may blow the other side
        up: a 1 x 50,000,000 pt page (area within the pixel cap) fits a model
        as 1 x 1536 pixels, but covering the 1-pixel width renders 1 x 5e7.
        """
        width = math.ceil(size_pt[0] * scale)
        height = math.ceil(size_pt[1] * scale)
        budget = max(4 * target[0] * target[1], RENDER_MIN_PIXELS)
        if max(width, height) > RENDER_MAX_SIDE or width * height > budget:
            raise ImageTooLarge(
                f"page {number} of {self.name} is {size_pt[0]:,.0f}x"
                f"{size_pt[1]:,.0f} points; rendering it for the model's"
                f" {target[0]}x{target[1]} pixels would take a {width:,}x{height:,}"
                " bitmap (its sides are too unequal). Crop or split the page."
            )

    def prepare(
        self, number: int, resolution: ImageResolution | None = None
    ) -> PreparedImage:
        """Page ``number`` as a ``PreparedImage`` (sizes in points as the original)."""
        width_pt, height_pt = self.page_size(number)
        image = self.render(number, resolution)
        prepared = prepare_image(
            RawImage(f"page {number} of {self.name}", image=image),
            policy=self.policy,
            resolution={"strategy": "fit", "max_side": max(image.size)},
        )
        return replace(
            prepared,
            source_format="PDF",
            original_size=(round(width_pt), round(height_pt)),
            source_bytes=self.source_bytes,
            frames=self.page_count,
        )


__all__ = [
    "MAX_DOCUMENT_TEXT_CHARS",
    "MAX_PAGE_CONTENT_BYTES",
    "MAX_PAGE_TEXT_CHARS",
    "MAX_TEXT_CONTENT_BYTES",
    "MIN_TEXT_CHARS",
    "PDF_MIME",
    "REFERENCE_DPI",
    "PdfFile",
    "has_real_text",
    "is_pdf",
]
