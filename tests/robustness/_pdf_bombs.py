"""Hostile PDFs built in memory, each a few bytes to a few hundred kilobytes."""

from __future__ import annotations

import zlib

from tests.unit_tests.documents.pdfs import build_pdf

_CATALOG = "<< /Type /Catalog /Pages 2 0 R >>"
_FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _flate(content: bytes, extra: str = "") -> str:
    packed = zlib.compress(content, 9)
    return (
        f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n"
        + packed.decode("latin-1")
        + "\nendstream"
    )


def _one_page(page_extra: str, content: str | None = None) -> bytes:
    objects = [
        _CATALOG,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R {page_extra} >>",
    ]
    if content is not None:
        objects.append(content)
    return build_pdf(objects)


def page_size_bomb(width: float = 1, height: float = 5e7) -> bytes:
    """One page 1 x 50,000,000 points: its area is exactly max_source_pixels."""
    return _one_page(f"/MediaBox [0 0 {width:.0f} {height:.0f}]")


def text_layer_bomb(megabytes: float = 50) -> bytes:
    """One page whose flate content stream shows ``megabytes`` MB of text."""
    line = b"(" + b"A" * 60 + b") Tj\n"
    content = b"BT /F1 1 Tf 0 0 Td " + line * int(megabytes * 1e6 / len(line)) + b"ET"
    return build_pdf(
        [
            _CATALOG,
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            " /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            _FONT,
            _flate(content),
        ]
    )


def text_pages(pages: int, kilobytes: float) -> bytes:
    """``pages`` pages sharing one content stream of ``kilobytes`` KB of text."""
    line = b"(" + b"B" * 60 + b") Tj\n"
    content = b"BT /F1 1 Tf 0 0 Td " + line * int(kilobytes * 1e3 / len(line)) + b"ET"
    kids = " ".join(["3 0 R"] * pages)
    return build_pdf(
        [
            _CATALOG,
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            " /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            _FONT,
            _flate(content),
        ]
    )


def page_tree_claiming(pages: int = 10**6) -> bytes:
    """A page tree whose /Count claims ``pages`` pages for one real page."""
    return build_pdf(
        [
            _CATALOG,
            f"<< /Type /Pages /Kids [3 0 R] /Count {pages} >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )


def image_xobject_bomb(side: int = 20_000) -> bytes:
    """A page drawing a ``side`` x ``side`` RGB image held in ~1 KB of flate."""
    packed = zlib.compress(bytes(1 << 20), 9)  # 1 MiB of zeros: about 1 KB
    image = (
        f"<< /Type /XObject /Subtype /Image /Width {side} /Height {side}"
        f" /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length {len(packed)}"
        " /Filter /FlateDecode >>\nstream\n" + packed.decode("latin-1") + "\nendstream"
    )
    content = b"q 612 0 0 792 0 0 cm /Im1 Do Q"
    return build_pdf(
        [
            _CATALOG,
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            " /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
            image,
            f"<< /Length {len(content)} >>\nstream\n{content.decode()}\nendstream",
        ]
    )


def deeply_nested(depth: int = 100_000) -> bytes:
    """A page whose dictionary holds arrays nested ``depth`` deep."""
    return _one_page("/MediaBox [0 0 612 792] /Junk " + "[" * depth + "]" * depth)


def pages_cycle() -> bytes:
    """A /Pages node that lists itself (and its parent) among its kids."""
    return build_pdf(
        [
            _CATALOG,
            "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
            "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 2 >>",
        ]
    )


def object_stream_loop() -> bytes:
    """An object stream that /Extends itself, holding the page tree."""
    body = b"2 0 << /Type /Pages /Kids [3 0 R] /Count 1 >>"
    header = b"2 0 "
    objstm = (
        f"<< /Type /ObjStm /N 1 /First {len(header)} /Extends 4 0 R"
        f" /Length {len(body)} >>\nstream\n{body.decode()}\nendstream"
    )
    return build_pdf(
        [
            _CATALOG,
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            objstm,
        ]
    )


__all__ = [
    "deeply_nested",
    "image_xobject_bomb",
    "object_stream_loop",
    "page_size_bomb",
    "page_tree_claiming",
    "pages_cycle",
    "text_layer_bomb",
    "text_pages",
]
