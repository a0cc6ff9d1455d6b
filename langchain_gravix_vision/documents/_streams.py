r"""How much page content a PDF holds, measured before pdfium parses any page.

pdfium turns every byte of a page's content stream into page objects when the
page loads (about 17 bytes of memory per byte of content) and every shown
character into a text-page entry (about 270 bytes each), and neither can be
interrupted. A 50 KB file whose flate stream inflates to 50 MB of text takes
gigabytes. So the raw file is scanned first: every stream that can be page
content (not an image, font, ICC profile, attachment, metadata or
cross-reference stream) is decoded, each decoder stopping one byte past the
cap, and a ``/Contents`` array counts the sum of the streams it lists.

Example:
    >>> measure(b"1 0 obj\n<< /Length 13 >>\nstream\nBT (Hi) Tj ET\nendstream")
    ContentSizes(largest=14, largest_text=14)
"""

from __future__ import annotations

import base64
import bisect
import itertools
import re
import zlib
from dataclasses import dataclass

_STREAM = re.compile(rb">>\s*stream\r?\n")
_OBJ = re.compile(rb"(\d+)\s+\d+\s+obj\b")
_CONTENTS_ARRAY = re.compile(rb"/Contents\s*\[([^\]]*)\]")
_REF = re.compile(rb"(\d+)\s+\d+\s+R")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_NOT_CONTENT = re.compile(
    rb"/Subtype\s*/(?:Image|XML|Type1C|CIDFontType0C|OpenType)\b"
    rb"|/Length[123]\b|/Type\s*/(?:EmbeddedFile|Metadata|XRef)\b|/N\s+[134]\b"
)
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
_TEXT_OPERATORS = (b"Tj", b"TJ", b"'\n", b"' ", b'"\n', b'" ')
"""Text-showing operators (a plain ``in`` each: fast on megabytes)."""


MAX_TOTAL_CONTENT_BYTES = 128 << 20
"""Content decoded in all when measuring one file (a bound on the scan itself)."""
MAX_LZW_INPUT_BYTES = 1 << 20
"""LZW input decoded in Python per file; later LZW streams count at raw size."""
MAX_STREAMS = 200_000
"""Streams one file may have (a 2,000-page document has a few per page)."""
_HEAD_WINDOW = 4096


@dataclass(frozen=True)
class ContentSizes:
    """The largest page content, and the largest one that shows text, in bytes.

    Each is at most the cap it was measured against, plus one; ``largest`` is
    past the cap too when the file's content in all exceeds
    ``MAX_TOTAL_CONTENT_BYTES``.
    """

    largest: int
    largest_text: int


def _lzw(data: bytes, cap: int) -> bytes:
    """LZWDecode (early change), stopping past ``cap`` bytes of output."""
    out = bytearray()
    table = [bytes([i]) for i in range(256)] + [b"", b""]
    bits, width, value, previous = 0, 9, 0, b""
    for byte in data:
        value = (value << 8) | byte
        bits += 8
        while bits >= width:
            bits -= width
            code = (value >> bits) & ((1 << width) - 1)
            if code == 256:
                table, width, previous = table[:258], 9, b""
                continue
            if code == 257:
                return bytes(out)
            if code < len(table):
                entry = table[code]
            elif previous:
                entry = previous + previous[:1]
            else:
                return bytes(out)
            if previous:
                table.append(previous + entry[:1])
            out += entry
            if len(out) > cap:
                return bytes(out)
            previous = entry
            width = min(12, max(9, (len(table) + 1).bit_length()))
    return bytes(out)


def _run_length(data: bytes, cap: int) -> bytes:
    out = bytearray()
    index = 0
    while index < len(data) and len(out) <= cap:
        length = data[index]
        if length == 128:
            break
        if length < 128:
            out += data[index + 1 : index + 2 + length]
            index += 2 + length
        else:
            out += data[index + 1 : index + 2] * (257 - length)
            index += 2
    return bytes(out)


def _decode(data: bytes, filters: list[bytes], cap: int, lzw: list[int]) -> bytes:
    """Apply the stream's filters; an unknown one leaves the bytes as they are.

    ``lzw`` holds the LZW input budget left (shared by the file's streams).
    """
    for name in filters:
        try:
            if name in (b"FlateDecode", b"Fl"):
                data = zlib.decompressobj().decompress(data, cap + 1)
            elif name in (b"ASCIIHexDecode", b"AHx"):
                hexdigits = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">", 1)[0])
                data = bytes.fromhex((hexdigits + b"0" * (len(hexdigits) % 2)).decode())
            elif name in (b"ASCII85Decode", b"A85"):
                body = data.split(b"~>", 1)[0].strip().removeprefix(b"<~")
                data = base64.a85decode(re.sub(rb"\s", b"", body), adobe=False)
            elif name in (b"LZWDecode", b"LZW") and len(data) <= lzw[0]:
                lzw[0] -= len(data)
                data = _lzw(data, cap)
            elif name in (b"RunLengthDecode", b"RL"):
                data = _run_length(data, cap)
        except (zlib.error, ValueError):
            return data[: cap + 1]
    return data[: cap + 1]


def measure(data: bytes, cap: int = 64 << 20) -> ContentSizes:
    """Measure the page content of a raw PDF (see the module docstring)."""
    sizes: dict[int, int] = {}
    text: dict[int, int] = {}
    decoded_objects: list[bytes] = []
    ends = [found.start() for found in re.finditer(rb"endstream", data)]
    budget, lzw = MAX_TOTAL_CONTENT_BYTES, [MAX_LZW_INPUT_BYTES]
    matches = list(itertools.islice(_STREAM.finditer(data), MAX_STREAMS + 1))
    if len(matches) > MAX_STREAMS:
        return ContentSizes(max(cap, MAX_TOTAL_CONTENT_BYTES) + 1, 0)
    headers = [(found.end(), int(found.group(1))) for found in _OBJ.finditer(data)]
    header_ends = [end for end, _ in headers]
    for index, match in enumerate(matches):
        start = match.end()
        limit = matches[index + 1].start() if index + 1 < len(matches) else len(data)
        before = bisect.bisect_right(header_ends, match.start()) - 1
        number, head = -1, b""
        if before >= 0 and match.start() - header_ends[before] <= _HEAD_WINDOW:
            number = headers[before][1]
            head = data[header_ends[before] : match.start() + 2]
        following = bisect.bisect_left(ends, start)
        end = min(ends[following], limit) if following < len(ends) else limit
        raw = data[start:end]
        filters = _FILTER.search(head)
        names = _NAME.findall(filters.group(1)) if filters else []
        if _NOT_CONTENT.search(head) and not _OBJECT_STREAM.search(head):
            continue
        body = _decode(raw, names, min(cap, budget), lzw)
        budget -= len(body)
        if budget < 0:  # more content than any page read could need
            return ContentSizes(max(cap, MAX_TOTAL_CONTENT_BYTES) + 1, 0)
        if _OBJECT_STREAM.search(head):
            decoded_objects.append(body)
            continue
        sizes[number] = max(sizes.get(number, 0), len(body))
        if any(operator in body for operator in _TEXT_OPERATORS):
            text[number] = max(text.get(number, 0), len(body))
    largest = max(sizes.values(), default=0)
    largest_text = max(text.values(), default=0)
    for source in (data, *decoded_objects):
        for array in _CONTENTS_ARRAY.finditer(source):
            refs = [int(ref) for ref in _REF.findall(array.group(1))]
            largest = max(largest, sum(sizes.get(ref, 0) for ref in refs))
            largest_text = max(largest_text, sum(text.get(ref, 0) for ref in refs))
    return ContentSizes(min(largest, cap + 1), min(largest_text, cap + 1))


__all__ = [
    "MAX_LZW_INPUT_BYTES",
    "MAX_STREAMS",
    "MAX_TOTAL_CONTENT_BYTES",
    "ContentSizes",
    "measure",
]
