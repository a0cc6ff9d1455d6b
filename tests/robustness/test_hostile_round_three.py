"""Hostile inputs, round three: PDF bombs, the path jail, frame counting (issue 24).

Each case ends in a typed error or a correct success. The costly ones run in a
child process (``_limits.run_bounded``) that reports the CPU seconds and the
peak RSS it took, checked against the issue's bounds: 5 s CPU, 900 MB. Hostile
files are built in code, small.
"""

from __future__ import annotations

import base64
import os
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from langchain_gravix_vision import ImagePolicy
from langchain_gravix_vision.errors import (
    GravixVisionError,
    ImageSourceNotAllowed,
    ImageTooLarge,
)
from langchain_gravix_vision.images._frames import FRAME_COUNT_LIMIT, gif_frames
from langchain_gravix_vision.inputs import load_image
from tests.robustness import _pdf_bombs
from tests.robustness._limits import run_bounded
from tests.robustness._support import (
    assert_no_leak,
    gif_with_frames,
    many_page_tiff,
    webp_with_frames,
)
from tests.unit_tests.images._imaging import png_bytes

pytestmark = [pytest.mark.timeout(120)]


# --------------------------------------------------------------------------
# 1. The path jail: a directory swapped for a symlink while reading


@pytest.mark.skipif(not hasattr(os, "O_DIRECTORY"), reason="POSIX dir_fd walk")
def test_a_directory_swapped_for_a_symlink_never_reads_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "swapdir").mkdir(parents=True)
    outside.mkdir()
    (root / "swapdir" / "secret.png").write_bytes(png_bytes((10, 10)))
    (outside / "secret.png").write_bytes(png_bytes((20, 20)))
    stop = threading.Event()

    def swap() -> None:  # rename, symlink, back, in a loop
        folder, aside = root / "swapdir", root / "swapdir.real"
        while not stop.is_set():
            os.rename(folder, aside)
            os.symlink(outside, folder)
            os.unlink(folder)
            os.rename(aside, folder)

    monkeypatch.chdir(root)
    policy = ImagePolicy(allowed_roots=(root,))
    sizes: list[tuple[int, int]] = []
    errors: list[GravixVisionError] = []
    attacker = threading.Thread(target=swap)
    attacker.start()
    try:
        for _ in range(1500):
            try:
                image = load_image("swapdir/secret.png", policy=policy)
                sizes.append(image.original_size)
            except GravixVisionError as exc:
                errors.append(exc)
    finally:
        stop.set()
        attacker.join()
    assert (20, 20) not in sizes, f"read outside {sizes.count((20, 20))} times"
    assert all(isinstance(error, ImageSourceNotAllowed) for error in errors)
    shown = [str(error).replace("swapdir/secret.png", "") for error in errors]
    assert not any("/" in text for text in shown)  # no resolved path
    assert load_image("swapdir/secret.png", policy=policy).original_size == (10, 10)


@pytest.mark.skipif(not hasattr(os, "O_DIRECTORY"), reason="POSIX dir_fd walk")
@pytest.mark.parametrize(
    ("link", "target", "expect"),
    [
        ("inner.png", "sub/real.png", None),  # relative, stays inside
        ("up.png", "../outside/secret.png", "outside"),  # climbs above the root
        ("abs-in.png", "{root}/sub/real.png", None),  # absolute, under the root
        ("abs-out.png", "{outside}/secret.png", "outside"),
        ("subdir/hop.png", "../sub/real.png", None),  # .. from a subfolder
        ("loop.png", "loop.png", "cannot be read"),  # ELOOP after 40 links
    ],
)
def test_symlinks_are_followed_only_while_they_stay_beneath_the_root(
    tmp_path: Path, link: str, target: str, expect: str | None
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    (root / "subdir").mkdir()
    outside.mkdir()
    (root / "sub" / "real.png").write_bytes(png_bytes((10, 10)))
    (outside / "secret.png").write_bytes(png_bytes((20, 20)))
    os.symlink(target.format(root=root, outside=outside), root / link)
    policy = ImagePolicy(allowed_roots=(root,))
    if expect is None:
        assert load_image(str(root / link), policy=policy).original_size == (10, 10)
        return
    with pytest.raises(ImageSourceNotAllowed, match=expect):
        load_image(str(root / link), policy=policy)


@pytest.mark.skipif(not hasattr(os, "O_DIRECTORY"), reason="POSIX dir_fd walk")
def test_the_walk_itself_refuses_escapes_the_real_path_check_did_not_see(
    tmp_path: Path,
) -> None:
    """The walk decides, not the earlier realpath: escapes found mid-walk."""
    from langchain_gravix_vision.images import _jail

    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"secret")
    os.symlink(outside, root / "swapped")  # as if swapped in after realpath
    os.symlink("../outside/secret.png", root / "rel.png")
    for relative in ("swapped/secret.png", "rel.png", "../outside/secret.png"):
        with pytest.raises(_jail.EscapesRoot):
            _jail.open_beneath(str(root.resolve()), relative)


# --------------------------------------------------------------------------
# 2. PDF bombs, each in a child process: typed end (or success) within bounds

_CHILD_SETUP = """
import os, tempfile
from tests.robustness import _pdf_bombs as bombs
from tests.stand_in import StandInServer
from tests.unit_tests.documents import pdfs
from langchain_gravix_vision import ChatGravixVision, ExtractTextTool, ImagePolicy
from langchain_gravix_vision.inputs import load_image

class ToolAnswered(Exception):
    code = "tool_answer"

def through_tool(data, **args):
    root = tempfile.mkdtemp()
    with open(os.path.join(root, "doc.pdf"), "wb") as file:
        file.write(data)
    with StandInServer() as server:
        llm = ChatGravixVision(
            model="qwen2.5vl:7b", base_url=server.base_url,
            api_key="sk-child-0000", max_retries=0,
        )
        tool = ExtractTextTool(llm=llm, image_policy=ImagePolicy(allowed_roots=root))
        call = {"args": {"image_path": os.path.join(root, "doc.pdf"), **args},
                "id": "c1", "name": tool.name, "type": "tool_call"}
        message = tool.invoke(call)
    pages = getattr(message.artifact, "pages", None) or []
    methods = ",".join(page.method for page in pages)
    raise ToolAnswered(f"{message.status} [{methods}] {message.content}")

def pdfs_text(data):
    from langchain_gravix_vision.documents.pdf import PdfFile
    with PdfFile(data, "doc.pdf", ImagePolicy()) as pdf:
        return pdf.text(1)
"""


@dataclass(frozen=True)
class PdfCase:
    id: str
    call: str  # Python run in the child; it ends in an exception or returns
    expect: str | None  # the error type's name, None: a success
    match: str = ""


PDF_CASES = [
    PdfCase(
        "pdf-page-size-bomb",
        "load_image(bombs.page_size_bomb())",
        "ImageTooLarge",
        "sides are too unequal",
    ),
    PdfCase(
        "pdf-page-size-bomb-wide",
        "load_image(bombs.page_size_bomb(5e7, 1))",
        "ImageTooLarge",
        "sides are too unequal",
    ),
    PdfCase(
        "pdf-text-layer-bomb-50mb",
        "through_tool(bombs.text_layer_bomb(50))",
        "ToolAnswered",
        "error [] image_too_large: doc.pdf has a page whose content inflates past",
    ),
    PdfCase(
        "pdf-text-layer-bomb-50mb-rendered",
        "load_image(bombs.text_layer_bomb(50))",
        "ImageTooLarge",
        "inflates past 8 MiB",
    ),
    # A text layer too large to read: the page is read as an image instead.
    PdfCase(
        "pdf-text-layer-5mb-is-read-as-an-image",
        "through_tool(bombs.text_layer_bomb(5))",
        "ToolAnswered",
        "success [vision] ",
    ),
    PdfCase(
        "pdf-text-layer-900k-characters-is-read-as-an-image",
        "through_tool(bombs.text_layer_bomb(0.99))",
        "ToolAnswered",
        "success [vision] ",
    ),
    PdfCase(
        "pdf-text-layer-5mb-direct",
        "pdfs_text(bombs.text_layer_bomb(5))",
        "ImageTooLarge",
        "shows more than 1 MiB of text content",
    ),
    PdfCase(
        "pdf-text-layer-900k-characters-direct",
        "pdfs_text(bombs.text_layer_bomb(0.99))",
        "ImageTooLarge",
        "characters of text; the limit is 200,000 a page",
    ),
    PdfCase(
        "pdf-page-tree-claims-a-million-pages",
        "load_image(bombs.page_tree_claiming(10**6))",
        "ImageTooLarge",
        "1,000,000 pages",
    ),
    PdfCase(
        "pdf-million-kids-in-the-page-tree",
        "load_image(pdfs.page_count_bomb(10**6))",
        "ImageTooLarge",
        "max_document_pages",
    ),
    PdfCase(
        "pdf-image-xobject-20000-squared-in-1kb",
        "load_image(bombs.image_xobject_bomb())",
        None,
    ),
    PdfCase("pdf-deeply-nested-arrays", "load_image(bombs.deeply_nested())", None),
    PdfCase(
        "pdf-pages-cycle",
        "load_image(bombs.pages_cycle())",
        "InvalidDocumentError",
        "could not be read",
    ),
    PdfCase("pdf-object-stream-loop", "load_image(bombs.object_stream_loop())", None),
    PdfCase(
        "pdf-pages-1-to-999999999",
        "through_tool(pdfs.text_pdf(3), pages='1-999999999')",
        "ToolAnswered",
        "error [] invalid_pages: page 999,999,999 is beyond the document's 3 pages",
    ),
    PdfCase(
        "pdf-pages-repeated-100000-times",
        "through_tool(pdfs.text_pdf(3), pages=','.join(['1'] * 10**5))",
        "ToolAnswered",
        "error [] invalid_arguments",
    ),
]


@pytest.mark.parametrize("case", PDF_CASES, ids=lambda case: case.id)
def test_pdf_bombs_end_typed_within_the_bounds(case: PdfCase) -> None:
    outcome = run_bounded(case.call, _CHILD_SETUP)
    assert outcome.within_bounds(), outcome
    if case.expect is None:
        assert outcome.ok, outcome
        return
    assert outcome.type == case.expect, outcome
    assert case.match in outcome.message, outcome
    assert_no_leak([outcome.message])


def test_text_read_is_capped_per_document() -> None:
    """Pages that each pass the per-page cap stop at the document's cap."""
    from langchain_gravix_vision.documents.pdf import PdfFile

    with PdfFile(_pdf_bombs.text_pages(8, 200), "doc.pdf", ImagePolicy()) as pdf:
        for page in range(1, 6):  # 181,800 characters each: under the page cap
            assert pdf.text(page)
        with pytest.raises(ImageTooLarge, match="exceed 1,000,000 characters"):
            pdf.text(6)


def test_content_is_measured_through_every_filter_and_contents_arrays() -> None:
    from langchain_gravix_vision.documents._streams import measure

    text = b"BT (" + b"C" * 60 + b") Tj ET\n"
    body = text * 20_000  # 1.3 MB
    for packed, filters in [
        (zlib.compress(body), "/FlateDecode"),
        (base64.a85encode(zlib.compress(body)) + b"~>", "[/A85 /Fl]"),
        (zlib.compress(body).hex().encode() + b">", "[/AHx /Fl]"),
        (bytes([257 - 128, ord("C")]) * (len(body) // 128), "/RunLengthDecode"),
    ]:
        pdf = (
            f"4 0 obj\n<< /Length {len(packed)} /Filter {filters} >>\nstream\n".encode()
            + packed
            + b"\nendstream\nendobj\n"
        )
        assert measure(pdf).largest >= len(body) - 128, filters
    one = b"5 0 obj\n<< /Length 70 >>\nstream\n" + text + b"\nendstream\nendobj\n"
    repeated = one + b"3 0 obj << /Contents [" + b"5 0 R " * 1000 + b"] >> endobj"
    assert measure(repeated).largest_text > 1000 * len(text)


# --------------------------------------------------------------------------
# 3. Frames are counted only up to the cap (only frame 0 is sent)


def test_a_gif_of_a_million_frames_is_counted_only_up_to_the_cap() -> None:
    outcome = run_bounded(
        "image = load_image(gif_with_frames(10**6))\n"
        "assert image.frames == FRAME_COUNT_LIMIT, image.frames",
        "from tests.robustness._support import gif_with_frames\n"
        "from langchain_gravix_vision.inputs import load_image\n"
        "from langchain_gravix_vision.images._frames import FRAME_COUNT_LIMIT\n",
    )
    assert outcome.ok, outcome
    assert outcome.cpu_s < 2.0, outcome  # counting all of them took 8.5 s


@pytest.mark.parametrize(
    ("build", "frames"),
    [
        (lambda: gif_with_frames(3), 3),
        (lambda: gif_with_frames(FRAME_COUNT_LIMIT + 1), FRAME_COUNT_LIMIT),
        (lambda: webp_with_frames(3), 3),
        (lambda: webp_with_frames(100_000), FRAME_COUNT_LIMIT),
        (lambda: many_page_tiff(FRAME_COUNT_LIMIT + 10), FRAME_COUNT_LIMIT),
    ],
    ids=["gif-3", "gif-over-the-cap", "webp-3", "webp-100000", "tiff-over-the-cap"],
)
def test_frames_are_counted_up_to_the_cap_and_frame_0_is_sent(
    build: Callable[[], bytes], frames: int
) -> None:
    image = load_image(build())
    assert image.frames == frames
    assert image.sent_size == image.original_size == (1, 1)


def test_gif_frames_are_counted_from_the_blocks() -> None:
    data = gif_with_frames(5)
    assert gif_frames(data, 256) == 5
    assert gif_frames(data, 2) == 2
    assert gif_frames(data[:34], 256) == 1  # cut after frame 1
    with_extensions = data[:19] + b"\x21\xf9\x04\x00\x01\x00\x00\x00" + data[19:]
    assert gif_frames(with_extensions, 256) == 5


def test_the_content_scan_itself_is_bounded() -> None:
    """Stream markers without objects or ends, and many near-cap streams."""
    import time

    from langchain_gravix_vision.documents._streams import (
        MAX_TOTAL_CONTENT_BYTES,
        measure,
    )
    from langchain_gravix_vision.documents.pdf import MAX_PAGE_CONTENT_BYTES

    started = time.process_time()
    measure(b">>stream\n" * 2_000_000)  # was quadratic: each looked back and on
    assert measure(b"obj >>stream\n" * 200_000 + b"endstream").largest < 100
    packed = zlib.compress(bytes(MAX_PAGE_CONTENT_BYTES - 1024), 9)
    one = (
        f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode()
        + packed
        + b"\nendstream\nendobj\n"
    )
    count = MAX_TOTAL_CONTENT_BYTES // MAX_PAGE_CONTENT_BYTES + 2
    many = b"".join(b"%d 0 obj\n" % (n + 1) + one for n in range(count))
    assert measure(many, MAX_PAGE_CONTENT_BYTES).largest > MAX_PAGE_CONTENT_BYTES
    assert time.process_time() - started < 5.0
