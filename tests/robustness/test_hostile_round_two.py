"""Hostile inputs, round two: decoder denial of service and leaks (issue 12).

Each test uses small parameters that still prove the guard; the catalogue
(test_hostile_catalogue.py) runs the file-based cases through every tool and
the chat model.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import random
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from PIL import Image, ImageCms

from langchain_gravix_vision import DescribeImageTool, ExtractTextTool, ImagePolicy
from langchain_gravix_vision.errors import (
    GravixVisionError,
    ImageFetchError,
    ImageSourceNotAllowed,
    ImageTooLarge,
    InvalidImageData,
)
from langchain_gravix_vision.images import _paths, to_thread_cancellable
from langchain_gravix_vision.images._data_urls import decode_base64
from langchain_gravix_vision.images._fetch import fetch_url
from langchain_gravix_vision.images._guard import FRAME_COUNT_LIMIT
from langchain_gravix_vision.images._urls import check_url
from langchain_gravix_vision.images._worker import DecodeCancelled
from langchain_gravix_vision.inputs import load_image
from tests.robustness._support import (
    LEAK_KEY,
    call_tool,
    data_url,
    many_page_tiff,
    progressive_jpeg_scan_bomb,
    sent_images,
    vision_model,
)
from tests.stand_in import Reply, StandInServer
from tests.unit_tests.images._imaging import encode, png_bytes

pytestmark = [pytest.mark.enable_socket, pytest.mark.timeout(60)]

PNG = png_bytes((40, 30))


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


# --------------------------------------------------------------------------
# 1. Decode work: scans, deadline, cancellation


def test_cancelling_the_caller_stops_the_decode_in_its_thread() -> None:
    bomb = progressive_jpeg_scan_bomb(side=1500, repeats=400)
    policy = ImagePolicy(max_jpeg_scans=10**6, decode_timeout=600)
    outcome: dict[str, Any] = {}

    def decode() -> None:
        try:
            load_image(bomb, policy=policy)
            outcome["result"] = "finished"
        except BaseException as exc:
            outcome["result"] = type(exc)
        outcome["thread"] = threading.current_thread().name

    async def cancel_early() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(to_thread_cancellable(decode), 0.05)
        while "result" not in outcome:  # the thread ends by itself, soon
            await asyncio.sleep(0.01)

    asyncio.run(cancel_early())
    assert outcome["result"] is DecodeCancelled


def test_the_scan_cap_counts_before_decoding() -> None:
    bomb = progressive_jpeg_scan_bomb(side=64, repeats=101)
    with pytest.raises(ImageTooLarge, match="max_jpeg_scans"):
        load_image(bomb)
    # A normal progressive JPEG (about ten scans) is untouched by the cap.
    assert load_image(progressive_jpeg_scan_bomb(side=64, repeats=0)).sent_size


# --------------------------------------------------------------------------
# 3. TIFF pages are counted only so far


def test_tiff_pages_are_counted_only_up_to_the_limit() -> None:
    image = load_image(many_page_tiff(FRAME_COUNT_LIMIT + 50))
    assert image.frames == FRAME_COUNT_LIMIT
    assert load_image(many_page_tiff(3)).frames == 3


# --------------------------------------------------------------------------
# 4. Whitespace in base64


def test_whitespace_padded_base64_is_capped_without_splitting() -> None:
    policy = ImagePolicy(max_source_bytes=1 << 20)
    text = "AB " * 900_000  # 2.7 MB of text, ~1.8 MB of data: over the cap
    tracemalloc.start()
    try:
        with pytest.raises(ImageTooLarge, match="max_source_bytes"):
            decode_base64(text, policy)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # split() made one string per chunk (about 20x the text); one pass is ~2x.
    assert peak < 3 * len(text)


def test_base64_with_line_breaks_still_decodes() -> None:
    wrapped = "\r\n".join(
        base64.b64encode(PNG).decode()[i : i + 76] for i in range(0, 400, 76)
    )
    assert decode_base64(wrapped + base64.b64encode(PNG).decode()[400:], ImagePolicy())
    with pytest.raises(InvalidImageData, match="base64"):
        decode_base64("AAAA\u00e9AAA", ImagePolicy())


# --------------------------------------------------------------------------
# 5. Filesystem races are typed


@pytest.mark.parametrize(
    "error", [OSError(40, "Too many levels of symbolic links"), FileNotFoundError()]
)
def test_a_filesystem_race_is_a_typed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError
) -> None:
    (tmp_path / "cat.png").write_bytes(PNG)

    def racing(*_args: Any, **_kwargs: Any) -> str:
        raise error

    monkeypatch.setattr(_paths.os.path, "realpath", racing)
    with pytest.raises(ImageSourceNotAllowed, match=r"cat\.png cannot be read"):
        load_image(
            str(tmp_path / "cat.png"), policy=ImagePolicy(allowed_roots=tmp_path)
        )


def test_a_file_removed_between_stat_and_open_is_a_typed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cat.png").write_bytes(PNG)
    real_open = _paths.os.open

    def vanish(path: str, flags: int, *args: Any, **kwargs: Any) -> int:
        if path == "cat.png":  # the last component, opened from its directory
            os.unlink(path, dir_fd=kwargs.get("dir_fd"))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(_paths.os, "open", vanish)
    with pytest.raises(ImageSourceNotAllowed, match="cannot be read"):
        load_image(
            str(tmp_path / "cat.png"), policy=ImagePolicy(allowed_roots=tmp_path)
        )


# --------------------------------------------------------------------------
# 6. URL secrets, host-controlled text, DNS deadline


@pytest.mark.parametrize(
    "url",
    [
        "http://admin:S3cr3t@img.test:99999/a.png?X-Amz-Signature=f00d",
        "http://img.test:99999/a.png?X-Amz-Signature=f00d&token=S3cr3t",
        "http://[::1/a.png?sig=S3cr3t",
        "http://img.test:bad/a.png#S3cr3t",
    ],
)
def test_url_errors_never_echo_credentials_or_queries(url: str) -> None:
    with pytest.raises(ImageSourceNotAllowed) as raised:
        check_url(url, ImagePolicy())
    message = str(raised.value)
    assert "S3cr3t" not in message
    assert "Signature" not in message
    assert "admin" not in message


def test_dns_lookup_is_inside_the_fetch_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def hung_resolver(*_args: Any, **_kwargs: Any) -> Any:
        time.sleep(3)
        raise OSError("no answer")

    monkeypatch.setattr(socket, "getaddrinfo", hung_resolver)
    started = time.monotonic()
    with pytest.raises(ImageFetchError, match="fetch_timeout"):
        fetch_url("http://slow-dns.test/a.png", ImagePolicy(fetch_timeout=0.3))
    assert time.monotonic() - started < 2.5  # not the resolver's 3 s


@pytest.mark.parametrize(
    "host",
    [
        "127。0。0。1",
        "%31%32%37.0.0.1",
        "localhost%2e",
        "ⓛⓞⓒⓐⓛⓗⓞⓢⓣ",
        "\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54",  # full-width
    ],
)
def test_pass_through_urls_are_checked_as_a_url_parser_reads_them(
    host: str, server: StandInServer
) -> None:
    llm = vision_model(server, image_policy=ImagePolicy(url_mode="pass_through"))
    before = len(server.requests)
    with pytest.raises(ImageSourceNotAllowed, match="loopback"):
        llm.invoke([HumanMessage([{"type": "image", "url": f"http://{host}/a.png"}])])
    assert len(server.requests) == before


# --------------------------------------------------------------------------
# Blocks the package did not recognise


@pytest.mark.parametrize(
    "block",
    [
        {"type": "IMAGE_URL", "image_url": {"url": "http://169.254.169.254/a.png"}},
        {"type": "Image", "url": "http://169.254.169.254/a.png"},
        {"type": "file", "mime_type": "image/png", "url": "http://169.254.169.254/a"},
        {
            "type": "file",
            "file": {"file_data": "data:image/png;base64,AAAA", "filename": "a.png"},
        },
    ],
)
def test_odd_image_blocks_go_through_the_policy(
    block: dict[str, Any], server: StandInServer
) -> None:
    llm = vision_model(server)
    before = len(server.requests)
    with pytest.raises(GravixVisionError):
        llm.invoke([HumanMessage([{"type": "text", "text": "hi"}, block])])
    assert len(server.requests) == before


def test_an_image_file_block_is_prepared_like_any_image(
    server: StandInServer,
) -> None:
    block = {
        "type": "file",
        "base64": base64.b64encode(PNG).decode(),
        "mime_type": "image/png",
    }
    vision_model(server).invoke([HumanMessage([{"type": "text", "text": "hi"}, block])])
    (image,) = sent_images(server.requests[-1])
    resolution = vision_model(server).get_image_resolution()
    assert image.size == load_image(PNG, resolution=resolution).sent_size


# --------------------------------------------------------------------------
# Metadata


def _png_with_junk_icc() -> bytes:
    noise = Image.effect_noise((64, 64), 40).convert("RGB")
    junk = random.Random(7).randbytes(550_000)  # incompressible
    return encode(noise, "PNG", icc_profile=junk)


def test_junk_icc_and_other_metadata_are_not_sent() -> None:
    source = _png_with_junk_icc()
    assert len(source) > 500_000
    prepared = load_image(source)
    sent = Image.open(io.BytesIO(prepared.data))
    assert "icc_profile" not in sent.info
    assert prepared.sent_bytes < 50_000


def test_a_real_colour_profile_is_applied_then_dropped() -> None:
    adobe = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))  # not RGB: kept
    assert adobe is not None
    wide = Image.new("RGB", (32, 32), (200, 30, 30))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    # An sRGB profile changes nothing; the pixels are sent as they are.
    same = load_image(
        encode(wide, "PNG", icc_profile=srgb), policy=ImagePolicy(encoding="png")
    )
    sent = Image.open(io.BytesIO(same.data))
    assert sent.getpixel((0, 0)) == (200, 30, 30)
    assert "icc_profile" not in sent.info


def test_the_shipped_adobe_rgb_photo_is_converted_to_srgb() -> None:
    rocket = Path(__file__).parents[1] / "data" / "photos" / "rocket.jpg"
    original = Image.open(rocket)
    assert "Adobe RGB" in ImageCms.getProfileDescription(
        ImageCms.ImageCmsProfile(io.BytesIO(original.info["icc_profile"]))
    )
    prepared = load_image(
        str(rocket), policy=ImagePolicy(allow_any_path=True, encoding="png")
    )
    sent = Image.open(io.BytesIO(prepared.data))
    assert "icc_profile" not in sent.info
    assert sent.size == original.size
    assert sent.tobytes() != original.convert("RGB").tobytes()  # colours mapped


# --------------------------------------------------------------------------
# Per-request caps


def test_images_per_request_are_capped(server: StandInServer) -> None:
    llm = vision_model(server, image_policy=ImagePolicy(max_images=2))
    blocks = [{"type": "image", "url": data_url(PNG)} for _ in range(3)]
    before = len(server.requests)
    with pytest.raises(ImageTooLarge, match="max_images"):
        llm.invoke([HumanMessage(blocks)])
    assert len(server.requests) == before


def test_image_bytes_per_request_are_capped(server: StandInServer) -> None:
    noise = encode(Image.effect_noise((300, 300), 60).convert("RGB"), "PNG")
    llm = vision_model(server, image_policy=ImagePolicy(max_request_image_bytes=20_000))
    with pytest.raises(ImageTooLarge, match="max_request_image_bytes"):
        llm.invoke([HumanMessage([{"type": "image", "url": data_url(noise)}] * 2)])


def test_overlong_questions_are_invalid_arguments(server: StandInServer) -> None:
    tool = DescribeImageTool(llm=vision_model(server))
    message = call_tool(tool, {"image_url": data_url(PNG), "question": "?" * 2001})
    assert message.status == "error"
    assert str(message.content).startswith("invalid_arguments:")
    schema = tool.tool_call_schema.model_json_schema()  # type: ignore[union-attr]
    assert schema["properties"]["question"]["anyOf"][0]["maxLength"] == 2000
    hint = ExtractTextTool(llm=vision_model(server))
    message = call_tool(hint, {"image_url": data_url(PNG), "language_hint": "x" * 65})
    assert str(message.content).startswith("invalid_arguments:")


# --------------------------------------------------------------------------
# A successful answer that echoes the key


def test_an_answer_echoing_the_key_is_redacted(server: StandInServer) -> None:
    answer = {"text": f"the key is {LEAK_KEY}", "language": "en", "has_table": False}
    server.script_queue([Reply(content=json.dumps(answer))])
    message = call_tool(
        ExtractTextTool(llm=vision_model(server)), {"image_url": data_url(PNG)}
    )
    assert message.status == "success"
    assert LEAK_KEY not in str(message.content)
    assert LEAK_KEY not in message.artifact.model_dump_json()
    assert "[REDACTED]" in message.artifact.text

    server.script_queue([Reply(content=f"Your key: {LEAK_KEY}")])
    reply = vision_model(server).invoke("What is my key?")
    assert LEAK_KEY not in str(reply.content)


# --------------------------------------------------------------------------
# Tool calls whose arguments are not an object


@pytest.mark.parametrize("args", ["not json", None, 42, ["image_path"], "  "])
def test_tool_calls_with_non_object_args_get_invalid_arguments(
    args: object, server: StandInServer
) -> None:
    tool = DescribeImageTool(llm=vision_model(server))
    call = {"args": args, "id": "call_9", "name": tool.name, "type": "tool_call"}
    message = tool.invoke(call)
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert message.tool_call_id == "call_9"
    assert str(message.content).startswith("invalid_arguments:")
    amessage = asyncio.run(tool.ainvoke(call))
    assert str(amessage.content).startswith("invalid_arguments:")


def test_tool_call_args_as_json_text_are_parsed(server: StandInServer) -> None:
    tool = DescribeImageTool(llm=vision_model(server))
    args = json.dumps({"image_url": data_url(PNG)})
    message = tool.invoke(
        {"args": args, "id": "c", "name": tool.name, "type": "tool_call"}
    )
    assert message.status == "success"
