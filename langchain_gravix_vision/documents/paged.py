"""``Paged``: what every openable source offers, a PDF or one image alike."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_gravix_vision.images import ImagePolicy, PreparedImage
    from langchain_gravix_vision.resolution import ImageResolution


class Paged(ABC):
    """An open source seen as pages (1-based); use it as a context manager.

    ``documents.pdf.PdfFile`` and ``inputs.ImagePages`` implement it, so the
    callers of ``inputs.open_pages`` need no PDF-or-image branch of their own.
    """

    is_pdf: bool
    name: str
    policy: ImagePolicy
    page_count: int

    def __enter__(self) -> Paged:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release what the source holds open."""

    @abstractmethod
    def text(self, number: int) -> str:
        """Page ``number``'s text layer (``""`` when it has none)."""

    @abstractmethod
    def prepare(
        self, number: int, resolution: ImageResolution | None = None
    ) -> PreparedImage:
        """Page ``number`` ready to send at ``resolution``."""
