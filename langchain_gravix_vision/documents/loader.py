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
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.document_loaders import BaseBlobParser, BaseLoader
from langchain_core.document_loaders.blob_loaders import Blob
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig

from langchain_gravix_vision._text import short
from langchain_gravix_vision.documents.pages import select_pages
from langchain_gravix_vision.documents.pdf import PdfFile, is_pdf
from langchain_gravix_vision.errors import ImageTooLarge
from langchain_gravix_vision.images import ImagePolicy, RawImage, read_bytes
from langchain_gravix_vision.tools.schemas import ExtractTextArgs
from langchain_gravix_vision.tools.text import ExtractTextTool

SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
"""File types a folder is scanned for."""


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

    # ------------------------------------------------------------ one page

    def _args(self, source: str) -> ExtractTextArgs:
        return ExtractTextArgs(
            image=source or "blob",
            output_format=self.output_format,
            pages=self.pages,
            force_ocr=self.force_ocr,
        )

    def _model_name(self) -> str:
        llm = self.tool._llm()
        name = getattr(llm, "model_name", None) or llm._get_ls_params().get(
            "ls_model_name"
        )
        return str(name or "")

    def _read_page(
        self, raw: RawImage, pdf: PdfFile | None, page: int, args: ExtractTextArgs
    ) -> Document:
        """One page as a Document; a failure is recorded, not raised."""
        usage = UsageMetadataCallbackHandler()
        config: RunnableConfig = {"callbacks": [usage]}
        if pdf is not None:
            read, _ = self.tool._page(pdf, page, args, config)
        else:
            read = self.tool._image_page(
                raw, args.model_copy(update={"pages": None}), config
            )
        metadata: dict[str, Any] = {
            "source": args.image,
            "page": read.page,
            "total_pages": pdf.page_count if pdf is not None else 1,
            "method": read.method,
            "model": self._model_name() if read.method == "vision" else None,
            "tokens": sum(u["total_tokens"] for u in usage.usage_metadata.values()),
        }
        if read.error is not None:
            metadata["error"] = read.error
        return Document(page_content=read.text, metadata=metadata)

    def _jobs(self, blob: Blob) -> tuple[list[Callable[[], Document]], PdfFile | None]:
        """The page reads of one blob (and the open PDF to close afterwards)."""
        source = str(blob.source or "")
        data = blob.as_bytes()
        policy = self.tool.image_policy
        name = short(os.path.basename(source) or "blob")
        raw = RawImage(name, data=read_bytes(data, policy).data)
        args = self._args(source)
        if not is_pdf(data):
            select_pages(self.pages, 1, limit=1)
            return [lambda: self._read_page(raw, None, 1, args)], None
        pdf = PdfFile(data, raw.name, policy)
        try:
            selected = select_pages(
                self.pages, pdf.page_count, limit=policy.max_pages, default="all"
            )
        except Exception:
            pdf.close()
            raise
        return [
            (lambda n=n: self._read_page(raw, pdf, n, args))  # type: ignore[misc]
            for n in selected
        ], pdf

    # ------------------------------------------------------------ BaseBlobParser

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """Yield one Document per page, in order, reading pages concurrently."""
        jobs, pdf = self._jobs(blob)
        try:
            yield from _ordered(jobs, self.max_concurrency)
        finally:
            if pdf is not None:
                pdf.close()

    async def alazy_parse(self, blob: Blob) -> AsyncIterator[Document]:
        """Async :meth:`lazy_parse` (pages read in worker threads, in order)."""
        jobs, pdf = await asyncio.to_thread(self._jobs, blob)
        semaphore = asyncio.Semaphore(self.max_concurrency)

        async def run(job: Callable[[], Document]) -> Document:
            async with semaphore:
                return await asyncio.to_thread(job)

        try:
            window: deque[asyncio.Task[Document]] = deque()
            for job in jobs:
                window.append(asyncio.ensure_future(run(job)))
                if len(window) > self.max_concurrency:
                    yield await window.popleft()
            while window:
                yield await window.popleft()
        finally:
            for task in window:
                task.cancel()
            if pdf is not None:
                pdf.close()


def _ordered(
    jobs: Sequence[Callable[[], Document]], workers: int
) -> Iterator[Document]:
    """Run ``jobs`` at most ``workers`` at a time; yield results in order."""
    if workers == 1:
        for job in jobs:
            yield job()
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        window: deque[Future[Document]] = deque()
        try:
            for job in jobs:
                window.append(pool.submit(job))
                if len(window) > workers:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for future in window:
                future.cancel()


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
                found = path.rglob("*") if self.recursive else path.iterdir()
                yield from sorted(
                    p for p in found if p.is_file() and p.suffix.lower() in SUFFIXES
                )
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


__all__ = ["SUFFIXES", "GravixVisionLoader", "GravixVisionParser"]
