"""Small PDFs built in memory: text-layer, scanned and hostile ones."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

PAGE_TEXT = "Quarterly report, page {n}: revenue grew by twelve percent."


def build_pdf(objects: list[str], *, root: int = 1, trailer_extra: str = "") -> bytes:
    """A PDF from numbered object bodies (1-based), with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R {trailer_extra}>>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _stream(content: str) -> str:
    return f"<< /Length {len(content)} >>\nstream\n{content}\nendstream"


def text_pdf(pages: int = 2, media_box: str = "0 0 612 792") -> bytes:
    """A PDF whose pages carry a real text layer (Helvetica text)."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        text = PAGE_TEXT.format(n=i + 1)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}]"
            f" /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
        )
        objects.append(_stream(f"BT /F1 14 Tf 72 700 Td ({text}) Tj ET"))
    return build_pdf(objects)


def scanned_pdf(pages: int = 1, text: str = "Invoice 42") -> bytes:
    """A PDF of page images only (no text layer), as a scanner writes."""
    images = []
    for i in range(pages):
        image = Image.new("RGB", (850, 1100), "white")
        ImageDraw.Draw(image).text((60, 60), f"{text} p{i + 1}", fill="black")
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=100, save_all=True, append_images=images[1:])
    return out.getvalue()


def mixed_pdf() -> bytes:
    """Page 1 with a text layer, page 2 a scan (no text)."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        " /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        _stream(f"BT /F1 14 Tf 72 700 Td ({PAGE_TEXT.format(n=1)}) Tj ET"),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 7 0 R >>",
        _stream("0 0 0 rg 72 600 300 40 re f"),  # a drawn box, no text
    ]
    return build_pdf(objects)


def page_count_bomb(kids: int = 5000) -> bytes:
    """A page tree listing one page object thousands of times."""
    refs = " ".join(["3 0 R"] * kids)
    return build_pdf(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{refs}] /Count {kids} >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )


def huge_media_box() -> bytes:
    """One page 10 million points on a side."""
    return text_pdf(1, media_box="0 0 10000000 10000000")


def broken_xref() -> bytes:
    """A PDF whose xref offsets and startxref point nowhere."""
    data = text_pdf(1)
    head, _, _ = data.rpartition(b"startxref")
    return head.replace(b" 00000 n ", b" 00000 x ") + b"startxref\n999999\n%%EOF\n"


def garbage_pdf() -> bytes:
    """A PDF header followed by nothing readable."""
    return b"%PDF-1.7\n" + b"\x00garbage" * 100


def encrypted_pdf() -> bytes:
    """A PDF with a standard-security /Encrypt dictionary (a user password)."""
    data = text_pdf(1)
    encrypt = (
        "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4"
        f" /O <{'11' * 32}> /U <{'22' * 32}> >>"
    )
    objects_end = data.index(b"xref\n")
    body = data[:objects_end]
    number = body.count(b" 0 obj\n") + 1
    extra = f"{number} 0 obj\n{encrypt}\nendobj\n".encode()
    rebuilt = body + extra
    # Rebuild the xref by re-parsing offsets.
    offsets = []
    position = 0
    for n in range(1, number + 1):
        position = rebuilt.index(f"{n} 0 obj\n".encode(), position)
        offsets.append(position)
    xref = len(rebuilt)
    tail = f"xref\n0 {number + 1}\n0000000000 65535 f \n"
    tail += "".join(f"{o:010d} 00000 n \n" for o in offsets)
    tail += (
        f"trailer\n<< /Size {number + 1} /Root 1 0 R /Encrypt {number} 0 R"
        f" /ID [<{'ab' * 16}> <{'ab' * 16}>] >>\nstartxref\n{xref}\n%%EOF\n"
    )
    return rebuilt + tail.encode()
