"""``GravixVisionLoader``: PDFs, images and folders to one ``Document`` per page.

A page with a real text layer is read from it (no model call); other pages
(scans, images) are read by the vision model through ``extract_text``'s flow,
a bounded number at a time, through the model's own rate limiter. Pages come
out in order as they are ready (``lazy_load`` / ``alazy_load``); a page that
fails becomes a ``Document`` with empty content and an ``error`` in its
metadata, so the other pages are kept.

Example:
    .. code-block:: python

        from langchain_gravix_vision import GravixVisionLoader

        for doc in GravixVisionLoader("reports/", pages="1-5").lazy_load():
            print(doc.metadata["page"], doc.metadata["method"], doc.page_content[:60])
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from langchain_core.document_loaders import BaseBlobParser, BaseLoader
from langchain_core.document_loaders.blob_loaders import Blob
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import ImageTooLarge
from langchain_gravix_vision.images import ImagePolicy, RawImage
from langchain_gravix_vision.images._sources import read_bytes
from langchain_gravix_vision.inputs import find_files
from langchain_gravix_vision.tools.schemas import ExtractTextArgs
from langchain_gravix_vision.tools.text import ExtractTextTool, PageReading


class GravixVisionParser(BaseBlobParser):
    """Parse a PDF or image blob into one ``Document`` per page (for ``GenericLoader``).

    Args:
        llm: The vision model (default ``ChatGravixVision(model=DEFAULT_MODEL)``).
        output_format: ``"markdown"`` (keeps headings and tables) or ``"plain"``.
        pages: Pages to read from each PDF, e.g. ``"1-3,7"`` (default: all,
            up to ``image_policy.max_pages``).
        force_ocr: Read every page with the model, even text-layer pages.
        image_policy: Caps on bytes, pages and pixels (default ``ImagePolicy()``).
        max_concurrency: Pages read by the model at the same time.
    """

    def __init__(
        self,
        llm: BaseChatModel | None = None,
        *,
        output_format: Literal["plain", "markdown"] = "markdown",
        pages: str | None = None,
        force_ocr: bool = False,
        image_policy: ImagePolicy | None = None,
        max_concurrency: int = 4,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.tool = ExtractTextTool(llm=llm, image_policy=image_policy or ImagePolicy())
        self.output_format = output_format
        self.pages = pages
        self.force_ocr = force_ocr
        self.max_concurrency = max_concurrency

    def _args(self, source: str) -> ExtractTextArgs:
        return ExtractTextArgs(
            image=source or "blob",
            output_format=self.output_format,
            pages=self.pages,
            force_ocr=self.force_ocr,
        )

    def _read(self, blob: Blob) -> tuple[RawImage, ExtractTextArgs]:
        source = str(blob.source or "")
        policy = self.tool.image_policy
        name = short(os.path.basename(source) or "blob")
        raw = RawImage(name, data=read_bytes(blob.as_bytes(), policy).data)
        return raw, self._args(source)

    def _document(self, reading: PageReading, source: str) -> Document:
        """One page as a Document; a failure is recorded in its metadata."""
        read = reading.text
        metadata: dict[str, Any] = {
            "source": source,
            "page": read.page,
            "total_pages": reading.total_pages,
            "method": read.method,
            "model": reading.model,
            "tokens": reading.tokens,
        }
        if read.error is not None:
            metadata["error"] = read.error
        return Document(page_content=read.text, metadata=metadata)

    # ------------------------------------------------------------ BaseBlobParser

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """Yield one Document per page, in order, reading pages concurrently."""
        raw, args = self._read(blob)
        for reading in self.tool.read_pages(
            raw, args, max_concurrency=self.max_concurrency
        ):
            yield self._document(reading, args.image)

    async def alazy_parse(self, blob: Blob) -> AsyncIterator[Document]:
        """Async :meth:`lazy_parse` (pages read in worker threads, in order)."""
        raw, args = await asyncio.to_thread(self._read, blob)
        async for reading in self.tool.aread_pages(
            raw, args, max_concurrency=self.max_concurrency
        ):
            yield self._document(reading, args.image)


class GravixVisionLoader(BaseLoader):
    """Load PDFs, images and folders of them: one ``Document`` per page.

    Metadata: ``source``, ``page`` (1-based), ``total_pages``, ``method``
    (``"text_layer"``: the PDF's own text, no model call; ``"vision"``), ``model``
    (for vision pages), ``tokens`` (the model's total tokens for the page) and
    ``error`` on a page that failed. Other arguments as ``GravixVisionParser``.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import GravixVisionLoader

            docs = GravixVisionLoader("invoice.pdf", pages="1-2").load()
    """

    def __init__(
        self,
        file_path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        llm: BaseChatModel | None = None,
        *,
        recursive: bool = False,
        **parser_kwargs: Any,
    ) -> None:
        paths = (
            [file_path]
            if isinstance(file_path, (str, os.PathLike))
            else list(file_path)
        )
        self.paths = [Path(path) for path in paths]
        self.recursive = recursive
        self.parser = GravixVisionParser(llm, **parser_kwargs)

    def _files(self) -> Iterator[Path]:
        for path in self.paths:
            if path.is_dir():
                yield from find_files(path, recursive=self.recursive)
            else:
                yield path

    def _blob(self, path: Path) -> Blob:
        limit = self.parser.tool.image_policy.max_source_bytes
        size = path.stat().st_size
        if size > limit:
            raise ImageTooLarge(
                f"{short(path.name)} is {size:,} bytes; the limit is {limit:,}"
                " (ImagePolicy.max_source_bytes)"
            )
        return Blob.from_path(path)

    def lazy_load(self) -> Iterator[Document]:
        """Yield each file's pages in order, as they are read."""
        for path in self._files():
            yield from self.parser.lazy_parse(self._blob(path))

    async def alazy_load(self) -> AsyncIterator[Document]:
        """Async :meth:`lazy_load`."""
        for path in self._files():
            blob = await asyncio.to_thread(self._blob, path)
            async for doc in self.parser.alazy_parse(blob):
                yield doc


__all__ = ["GravixVisionLoader", "GravixVisionParser"]
