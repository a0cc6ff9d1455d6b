"""Documents: PDF pages (text layer or rendered at the model's size) and page ranges.

``GravixVisionLoader`` (a LangChain document loader) lives in
``langchain_gravix_vision.document_loaders`` and is exported by the package;
``langchain_gravix_vision.inputs`` decides whether a source is a PDF or an image.
"""

from langchain_gravix_vision.documents.pages import parse_page_spec, select_pages
from langchain_gravix_vision.documents.pdf import (
    PDF_MIME,
    PdfFile,
    has_real_text,
    is_pdf,
)

__all__ = [
    "PDF_MIME",
    "PdfFile",
    "has_real_text",
    "is_pdf",
    "parse_page_spec",
    "select_pages",
]
