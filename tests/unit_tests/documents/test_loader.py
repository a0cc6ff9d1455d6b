"""GravixVisionLoader: one Document per page, text layer first, counted requests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.document_loaders import BaseBlobParser, BaseLoader
from langchain_core.document_loaders.blob_loaders import Blob
from PIL import Image

from langchain_gravix_vision import (
    ChatGravixVision,
    GravixVisionLoader,
    GravixVisionParser,
    ImageTooLarge,
    InvalidPageRange,
)
from tests.stand_in import StandInServer
from tests.unit_tests.documents import pdfs


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a_report.pdf").write_bytes(pdfs.text_pdf(2))
    (tmp_path / "b_scan.pdf").write_bytes(pdfs.scanned_pdf(3))
    Image.new("RGB", (64, 64), "red").save(tmp_path / "c_photo.png")
    (tmp_path / "notes.txt").write_text("not a document")
    return tmp_path


def _shape(docs: list) -> list[tuple[str, int, str]]:
    return [
        (Path(d.metadata["source"]).name, d.metadata["page"], d.metadata["method"])
        for d in docs
    ]


def test_interfaces() -> None:
    assert issubclass(GravixVisionLoader, BaseLoader)
    assert issubclass(GravixVisionParser, BaseBlobParser)


def test_a_folder_gives_one_document_per_page_in_order(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    docs = GravixVisionLoader(folder, llm, max_concurrency=3).load()
    assert _shape(docs) == [
        ("a_report.pdf", 1, "text_layer"),
        ("a_report.pdf", 2, "text_layer"),
        ("b_scan.pdf", 1, "vision"),
        ("b_scan.pdf", 2, "vision"),
        ("b_scan.pdf", 3, "vision"),
        ("c_photo.png", 1, "vision"),
    ]
    assert len(server.requests) == 4  # the text-layer pages cost nothing
    assert docs[0].page_content == pdfs.PAGE_TEXT.format(n=1)
    assert docs[0].metadata["tokens"] == 0
    assert docs[0].metadata["model"] is None
    vision = docs[2].metadata
    assert vision["model"] == "qwen2.5vl:7b"
    assert vision["tokens"] > 0
    assert vision["total_pages"] == 3
    assert "error" not in vision


def test_alazy_load_matches_lazy_load(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    async def collect() -> list:
        loader = GravixVisionLoader(folder, llm, max_concurrency=2)
        return [doc async for doc in loader.alazy_load()]

    docs = asyncio.run(collect())
    assert [(p, n, m) for p, n, m in _shape(docs)][:3] == [
        ("a_report.pdf", 1, "text_layer"),
        ("a_report.pdf", 2, "text_layer"),
        ("b_scan.pdf", 1, "vision"),
    ]
    assert len(docs) == 6
    assert len(server.requests) == 4


def test_pages_and_force_ocr(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    loader = GravixVisionLoader(folder / "a_report.pdf", llm, pages="2", force_ocr=True)
    docs = loader.load()
    assert _shape(docs) == [("a_report.pdf", 2, "vision")]
    assert len(server.requests) == 1
    with pytest.raises(InvalidPageRange):
        GravixVisionLoader(folder / "a_report.pdf", llm, pages="5").load()


def test_a_failed_page_is_kept_with_its_error(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    server.fail_next(status=500)
    docs = GravixVisionLoader(folder / "b_scan.pdf", llm, max_concurrency=1).load()
    assert len(docs) == 3
    assert docs[0].page_content == ""
    assert docs[0].metadata["error"].startswith("model_error")
    assert all("error" not in d.metadata for d in docs[1:])


def test_the_parser_works_on_blobs(
    llm: ChatGravixVision, server: StandInServer
) -> None:
    blob = Blob.from_data(pdfs.mixed_pdf(), path="mixed.pdf")
    docs = GravixVisionParser(llm).parse(blob)
    assert [d.metadata["method"] for d in docs] == ["text_layer", "vision"]
    assert len(server.requests) == 1


def test_files_over_the_byte_cap_are_refused_before_reading(
    llm: ChatGravixVision, folder: Path
) -> None:
    from langchain_gravix_vision import ImagePolicy

    loader = GravixVisionLoader(
        folder / "b_scan.pdf", llm, image_policy=ImagePolicy(max_source_bytes=100)
    )
    with pytest.raises(ImageTooLarge):
        loader.load()
