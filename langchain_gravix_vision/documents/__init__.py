"""Documents: PDF pages (text layer or rendered at the model's size) and page ranges.

``GravixVisionLoader`` (a LangChain document loader) lives in
``langchain_gravix_vision.documents.loader`` and is exported by the package.
"""

from langchain_gravix_vision.documents.pages import parse_page_spec, select_pages
from langchain_gravix_vision.documents.pdf import (
    PDF_MIME,
    PdfFile,
    has_real_text,
    is_pdf,
    open_pdf,
    prepare_pdf_page,
)

__all__ = [
    "PDF_MIME",
    "PdfFile",
    "has_real_text",
    "is_pdf",
    "open_pdf",
    "parse_page_spec",
    "prepare_pdf_page",
    "select_pages",
]
