"""LangChain document loaders: PDFs, images and folders to one ``Document`` per page.

Example:
    .. code-block:: python

        from langchain_gravix_vision.document_loaders import GravixVisionLoader

        docs = GravixVisionLoader("reports/", pages="1-5").load()
"""

from langchain_gravix_vision.document_loaders.vision import (
    GravixVisionLoader,
    GravixVisionParser,
)

__all__ = ["GravixVisionLoader", "GravixVisionParser"]
