"""PDF pages: text layer, rendering at the model's size, caps and hostile files."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from langchain_gravix_vision.documents import PdfFile, has_real_text, is_pdf
from langchain_gravix_vision.errors import (
    EncryptedDocumentError,
    GravixVisionError,
    ImageTooLarge,
    InvalidDocumentError,
    InvalidPageRange,
)
from langchain_gravix_vision.images import ImagePolicy, target_size
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.profiles import GEMMA3_RESOLUTION, QWEN25VL_RESOLUTION
from tests.unit_tests.documents import pdfs

POLICY = ImagePolicy(url_mode="deny")


def test_sniffing() -> None:
    assert is_pdf(pdfs.text_pdf())
    assert is_pdf(b"junk before the header %PDF-1.4\n")
    assert not is_pdf(b"\x89PNG\r\n\x1a\n%PDF-1.4")
    assert not is_pdf(b"plain text")


def test_text_layer_and_scans() -> None:
    with PdfFile(pdfs.text_pdf(2), "report.pdf", POLICY) as pdf:
        assert pdf.page_count == 2
        assert pdf.text(2) == pdfs.PAGE_TEXT.format(n=2)
        assert has_real_text(pdf.text(1))
    with PdfFile(pdfs.scanned_pdf(), "scan.pdf", POLICY) as pdf:
        assert pdf.text(1) == ""
    with PdfFile(pdfs.mixed_pdf(), "mixed.pdf", POLICY) as pdf:
        assert [has_real_text(pdf.text(n)) for n in (1, 2)] == [True, False]


@pytest.mark.parametrize("resolution", [QWEN25VL_RESOLUTION, GEMMA3_RESOLUTION])
def test_pages_render_at_the_model_size(resolution: dict) -> None:
    with PdfFile(pdfs.text_pdf(1), "report.pdf", POLICY) as pdf:
        expected = target_size(1700, 2200, resolution)  # US Letter at 200 dpi
        assert pdf.render_size(1, resolution) == expected
        assert pdf.render(1, resolution).size == expected
        prepared = pdf.prepare(1, resolution)
    assert prepared.sent_size == expected
    assert prepared.source_format == "PDF"
    assert prepared.original_size == (612, 792)
    assert prepared.frames == 1


def test_load_image_takes_a_pdf_page() -> None:
    image = load_image(pdfs.text_pdf(3), policy=POLICY, page=2)
    assert image.source_format == "PDF"
    assert image.frames == 3
    with pytest.raises(InvalidDocumentError, match="no page 4"):
        load_image(pdfs.text_pdf(3), policy=POLICY, page=4)


def test_a_data_url_pdf_is_read(tmp_path: object) -> None:
    import base64

    url = "data:application/pdf;base64," + base64.b64encode(pdfs.text_pdf()).decode()
    assert load_image(url, policy=POLICY).source_format == "PDF"


def test_the_byte_cap_applies_before_pdfium() -> None:
    with pytest.raises(ImageTooLarge, match="max_source_bytes"):
        load_image(pdfs.text_pdf(), policy=ImagePolicy(max_source_bytes=100))


def test_without_resize_the_pixel_cap_applies() -> None:
    policy = ImagePolicy(resize=False, max_source_pixels=1_000_000)
    with (
        PdfFile(pdfs.text_pdf(1), "report.pdf", policy) as pdf,
        pytest.raises(ImageTooLarge, match="max_source_pixels"),
    ):
        pdf.render(1)


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    ("build", "error"),
    [
        (pdfs.page_count_bomb, ImageTooLarge),
        (pdfs.garbage_pdf, InvalidDocumentError),
        (pdfs.encrypted_pdf, EncryptedDocumentError),
        (pdfs.huge_media_box, ImageTooLarge),
    ],
)
def test_hostile_pdfs_end_in_typed_errors(
    build: Callable[[], bytes], error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        load_image(build(), policy=POLICY)
    assert "/" not in str(caught.value)  # no paths in messages


@pytest.mark.timeout(20)
def test_a_broken_xref_is_repaired_or_refused_with_a_typed_error() -> None:
    try:
        image = load_image(pdfs.broken_xref(), policy=POLICY)
    except GravixVisionError:
        return
    assert image.source_format == "PDF"


def test_the_page_count_cap_is_a_policy_setting() -> None:
    small = ImagePolicy(max_document_pages=2)
    with pytest.raises(ImageTooLarge, match="max_document_pages"):
        PdfFile(pdfs.text_pdf(3), "report.pdf", small)


def test_the_tool_page_argument_is_validated() -> None:
    from langchain_gravix_vision.tools.schemas import DescribeImageArgs

    with pytest.raises(ValueError, match="reversed"):
        DescribeImageArgs(image="a.pdf", pages="3-1")
    assert DescribeImageArgs(image="a.pdf", pages="2").pages == "2"
    assert issubclass(InvalidPageRange, ValueError)
