"""PDFs through the tools and the chat model, counted against the stand-in.

A page with a real text layer costs no model request; a scanned page costs
one; a failed page keeps the others.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from langchain_gravix_vision import (
    ChatGravixVision,
    DescribeImageTool,
    ExtractedText,
    ExtractTextTool,
)
from tests.stand_in import StandInServer
from tests.unit_tests.documents import pdfs


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.pdf").write_bytes(pdfs.text_pdf(3))
    (tmp_path / "scan.pdf").write_bytes(pdfs.scanned_pdf(2))
    (tmp_path / "mixed.pdf").write_bytes(pdfs.mixed_pdf())
    return tmp_path


def _text(tool: ExtractTextTool, args: dict[str, Any]) -> tuple[ToolMessage, Any]:
    message = tool.invoke(
        {"args": args, "id": "call_1", "name": tool.name, "type": "tool_call"}
    )
    return message, message.artifact


def _images(body: dict[str, Any]) -> int:
    return sum(
        1
        for message in body["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
        if part.get("type") == "image_url"
    )


def test_text_layer_pages_make_no_model_request(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    message, result = _text(ExtractTextTool(llm=llm), {"image": "report.pdf"})
    assert server.requests == []
    assert message.status == "success"
    assert [(p.page, p.method) for p in result.pages] == [
        (1, "text_layer"),
        (2, "text_layer"),
        (3, "text_layer"),
    ]
    assert result.pages[1].text == pdfs.PAGE_TEXT.format(n=2)  # exact
    assert pdfs.PAGE_TEXT.format(n=3) in message.content


def test_scanned_pages_each_make_one_request(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    _, result = _text(ExtractTextTool(llm=llm), {"image": "scan.pdf"})
    assert len(server.requests) == 2
    assert all(_images(body) == 1 for body in server.requests)
    assert [(p.page, p.method, p.error) for p in result.pages] == [
        (1, "vision", None),
        (2, "vision", None),
    ]


def test_a_mixed_pdf_calls_the_model_for_the_scan_only(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    _, result = _text(ExtractTextTool(llm=llm), {"image": "mixed.pdf"})
    assert len(server.requests) == 1
    assert [p.method for p in result.pages] == ["text_layer", "vision"]


def test_force_ocr_and_page_selection(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    args = {"image": "report.pdf", "pages": "2-3", "force_ocr": True}
    _, result = _text(ExtractTextTool(llm=llm), args)
    assert len(server.requests) == 2
    assert [(p.page, p.method) for p in result.pages] == [(2, "vision"), (3, "vision")]


def test_a_failed_page_keeps_the_others(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    server.fail_next(status=500)
    message, result = _text(ExtractTextTool(llm=llm), {"image": "scan.pdf"})
    assert message.status == "success"
    first, second = result.pages
    assert first.error is not None
    assert first.error.startswith("model_error")
    assert second.error is None
    assert "page 1, vision, failed" in message.content


def test_every_page_failing_is_a_tool_error(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    server.fail_next(status=500, times=2)
    message, _ = _text(ExtractTextTool(llm=llm), {"image": "scan.pdf"})
    assert message.status == "error"
    assert message.content.startswith("model_error")


def test_bad_page_selections_are_tool_errors(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    for pages, code in (("0", "invalid_arguments"), ("9", "invalid_pages")):
        message, _ = _text(
            ExtractTextTool(llm=llm), {"image": "report.pdf", "pages": pages}
        )
        assert message.status == "error"
        assert message.content.startswith(code)
    assert server.requests == []


def test_async_extract_text_matches_sync(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    tool = ExtractTextTool(llm=llm)
    result = asyncio.run(tool.ainvoke({"image": "mixed.pdf"}))
    assert "page 1, text_layer" in result
    assert len(server.requests) == 1


def test_describe_reads_one_selected_page(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    tool = DescribeImageTool(llm=llm)
    call = {"id": "c", "name": tool.name, "type": "tool_call"}
    ok = tool.invoke({**call, "args": {"image": "report.pdf", "pages": "2"}})
    assert ok.status == "success"
    assert len(server.requests) == 1
    assert _images(server.requests[0]) == 1
    many = tool.invoke({**call, "args": {"image": "report.pdf", "pages": "1-2"}})
    assert many.status == "error"
    assert many.content.startswith("invalid_pages")
    assert len(server.requests) == 1


def test_an_image_has_only_page_one(
    llm: ChatGravixVision, server: StandInServer, folder: Path
) -> None:
    from PIL import Image

    Image.new("RGB", (64, 64), "red").save(folder / "red.png")
    message, _ = _text(ExtractTextTool(llm=llm), {"image": "red.png", "pages": "2"})
    assert message.content.startswith("invalid_pages")


def test_a_pdf_file_block_becomes_page_images(
    llm: ChatGravixVision, server: StandInServer
) -> None:
    data = base64.b64encode(pdfs.text_pdf(2)).decode()
    blocks: list[Any] = [
        {"type": "text", "text": "Summarise."},
        {"type": "file", "base64": data, "mime_type": "application/pdf"},
    ]
    llm.invoke([HumanMessage(blocks)])
    assert _images(server.requests[-1]) == 2
    openai_form = {
        "type": "file",
        "file": {"file_data": f"data:application/pdf;base64,{data}"},
    }
    llm.invoke([HumanMessage([openai_form])])
    assert _images(server.requests[-1]) == 2


def test_extracted_text_round_trips() -> None:
    result = ExtractedText(
        text="a",
        pages=[{"page": 1, "method": "text_layer", "text": "a"}],  # type: ignore[list-item]
    )
    assert ExtractedText.model_validate(result.model_dump()) == result


def test_pdf_pages_count_towards_max_images(server: StandInServer) -> None:
    from langchain_gravix_vision import ImagePolicy, ImageTooLarge

    llm = ChatGravixVision(
        base_url=server.base_url,
        api_key="sk-fake",
        max_retries=0,
        image_policy=ImagePolicy(max_images=2),
    )
    data = base64.b64encode(pdfs.text_pdf(3)).decode()
    block = {"type": "file", "base64": data, "mime_type": "application/pdf"}
    with pytest.raises(ImageTooLarge, match="max_images"):
        llm.invoke([HumanMessage([block])])
