"""Section 1: bytes uploaded and image tokens, ChatGravixVision vs the naive way.

Naive: the original file as a base64 data URL (what Gravix's docs show).
Ours: ``load_image(path, resolution=QWEN25VL_RESOLUTION).data_url``, which is
what ChatGravixVision sends for ``qwen2.5vl:7b``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks._common import Config, Section, Target, fmt_bytes, table
from benchmarks._images import (
    GRAIN_SIGMA,
    PHONE_JPEG_QUALITY,
    displayed_size,
    document_images,
    make_phone_photos,
    naive_data_url,
    qwen_image_tokens,
    server_smart_resize,
)
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION

TARGET_RATIO = 15.0
QUALITY_SWEEP = (90, 85, 80, 75)


@dataclass
class Row:
    """One image: sizes, upload bytes and tokens both ways."""

    name: str
    original: tuple[int, int]
    sent: tuple[int, int]
    server_of_original: tuple[int, int]
    server_of_sent: tuple[int, int]
    naive_bytes: int
    sent_bytes: int
    mime: str

    @property
    def ratio(self) -> float:
        """How many times smaller our upload is."""
        return self.naive_bytes / self.sent_bytes

    @property
    def tokens_naive(self) -> int:
        """Tokens the server spends on the original (its own smart_resize)."""
        return qwen_image_tokens(*self.server_of_original)

    @property
    def tokens_sent(self) -> int:
        """Tokens the server spends on what we send."""
        return qwen_image_tokens(*self.server_of_sent)


def measure(path: Path, policy: ImagePolicy | None = None) -> Row:
    """Upload bytes and sizes for one image, both ways."""
    policy = policy or ImagePolicy(allow_any_path=True)
    image = load_image(path, policy=policy, resolution=QWEN25VL_RESOLUTION)
    original = displayed_size(path)
    return Row(
        name=path.name,
        original=original,
        sent=image.sent_size,
        server_of_original=server_smart_resize(*original),
        server_of_sent=server_smart_resize(*image.sent_size),
        naive_bytes=len(naive_data_url(path)),
        sent_bytes=len(image.data_url),
        mime=image.mime_type.split("/")[1],
    )


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _rows_table(rows: list[Row]) -> list[str]:
    return table(
        [
            "image",
            "original",
            "naive upload",
            "sent (ours)",
            "ours upload",
            "smaller by",
            "server smart_resize(original)",
            "tokens naive -> ours",
        ],
        [
            (
                r.name,
                _size(r.original),
                fmt_bytes(r.naive_bytes),
                f"{_size(r.sent)} {r.mime}",
                fmt_bytes(r.sent_bytes),
                f"{r.ratio:.1f}x",
                _size(r.server_of_original)
                + (" (same)" if r.server_of_original == r.sent else " (differs)"),
                f"{r.tokens_naive} -> {r.tokens_sent}",
            )
            for r in rows
        ],
    )


def _set_summary(label: str, rows: list[Row]) -> tuple[str, float]:
    naive = sum(r.naive_bytes for r in rows)
    sent = sum(r.sent_bytes for r in rows)
    line = (
        f"- **{label}**: {fmt_bytes(naive)} naive vs {fmt_bytes(sent)} ours, "
        f"**{naive / sent:.1f}x** smaller in total (per image "
        f"{min(r.ratio for r in rows):.1f}x to {max(r.ratio for r in rows):.1f}x); "
        f"image tokens {sum(r.tokens_naive for r in rows)} naive -> "
        f"{sum(r.tokens_sent for r in rows)} ours."
    )
    return line, naive / sent


def run(cfg: Config, workdir: Path) -> Section:
    """Measure the photo, chart and document sets."""
    section = Section("1. Upload size and image tokens")
    photos = make_phone_photos(workdir / "photos", cfg.photo_size)
    grainy = make_phone_photos(workdir / "grain", cfg.photo_size, grain=True)
    sets = {
        f"{cfg.photo_size[0] * cfg.photo_size[1] / 1e6:.0f} MP phone photos": photos,
        "same photos + sensor grain": grainy,
        **document_images(),
    }
    results = {label: [measure(p) for p in paths] for label, paths in sets.items()}
    photo_rows = next(iter(results.values()))

    section.add(
        f"Photos: the three shipped CC0/public-domain photos (tests/data/photos) "
        f"**upscaled** (LANCZOS, cropped to 4:3) to {_size(cfg.photo_size)} and "
        f"saved as a phone would (JPEG q{PHONE_JPEG_QUALITY}, 4:2:0; the rocket "
        "as a portrait stored sideways with EXIF Orientation 6). Upscaled "
        "pictures are smoother than real phone shots, so these files are small "
        "for 12 MP (real phone JPEGs are several MB); the *grain* set adds "
        f"Gaussian noise (sigma {GRAIN_SIGMA:g}) as a rough check of how the "
        "ratio moves with real sensor detail. Charts and documents are the "
        "shipped test images (tests/data/charts, tests/data/text), unchanged.",
        "",
        "Bytes are data-URL characters (what goes into the JSON body); the rest "
        "of the request is identical both ways. Server sizes use Ollama's "
        "qwen25vl `SmartResize` (round-half-even to 28 px, budget 2<<20 px); "
        "tokens = (w/28)*(h/28).",
        "",
    )
    for label, rows in results.items():
        line, _ = _set_summary(label, rows)
        section.add(line)
    section.add("")
    for label, rows in results.items():
        section.add(f"**{label}**", "", *_rows_table(rows), "")

    _explain_sizes(section, results)
    _explain_documents(section, {k: results[k] for k in document_images()})
    worst = min(r.ratio for r in photo_rows)
    section.targets.append(
        Target(
            "Upload >= 15x smaller for 12 MP photos",
            f"{worst:.1f}x (worst photo)",
            f">= {TARGET_RATIO:g}x",
            worst >= TARGET_RATIO,
            "see the bound below" if worst < TARGET_RATIO else "",
        )
    )
    graphics = [r for key in document_images() for r in results[key]]
    larger = [r.name for r in graphics if r.sent_bytes > r.naive_bytes]
    saved = sum(r.naive_bytes for r in graphics) / sum(r.sent_bytes for r in graphics)
    section.targets.append(
        Target(
            "Sent bytes <= original for every chart and document",
            f"{len(graphics) - len(larger)}/{len(graphics)} not larger; total "
            f"{saved:.2f}x smaller",
            "all",
            not larger,
            f"larger: {', '.join(larger)}" if larger else "",
        )
    )
    section.targets.append(
        Target(
            "Photos still >= 3.9x smaller",
            f"{worst:.1f}x (worst photo)",
            ">= 3.9x",
            round(worst, 1) >= 3.9,
        )
    )
    same = all(r.sent == r.server_of_original for r in photo_rows)
    section.targets.append(
        Target(
            "Sent size == server's smart_resize(original) for photos",
            "identical" if same else "differs",
            "identical",
            same,
        )
    )
    if worst < TARGET_RATIO:
        _explain_gap(section, photo_rows, photos)
    return section


def _explain_sizes(section: Section, results: dict[str, list[Row]]) -> None:
    rows = [r for group in results.values() for r in group]
    resized = [r for r in rows if r.sent != r.original]
    kept = [r for r in rows if r.sent == r.original]
    idempotent = all(r.server_of_sent == r.sent for r in resized)
    section.add(
        "**What the server does with each upload.** Images over the budget are "
        "resized to the server's own size: its smart_resize of what we send is "
        f"the sent size itself ({'true for all' if idempotent else 'NOT true for all'}"
        f" {len(resized)} resized images), so it never resamples them again.",
        "",
    )
    if kept:
        names = ", ".join(r.name for r in kept)
        section.add(
            f"Images already within the budget are sent at their own size ({names})"
            ": the server rounds each side to its 28-px grid, exactly as it does "
            "for a naive upload, so tokens are the naive upload's. (Snapping them "
            "down to the grid client-side, as before, saved a few tokens but "
            "resampled the picture, blurring text and making PNGs larger.)",
            "",
        )
    section.add(
        "For the 12 MP photos the token count is the same both ways (the server "
        "would shrink the original to exactly the size we send): what the "
        "client saves is upload bytes, request size and the server's decode of "
        'a 12 MP file, not tokens (`detail="low"` or `max_image_tokens` do '
        "save tokens, section 6). The portrait photo is also sent upright; Go's "
        "`image/jpeg` ignores EXIF orientation, so unless the server adds its "
        "own handling the model would see the naive upload sideways.",
        "",
    )


def _explain_documents(section: Section, results: dict[str, list[Row]]) -> None:
    rows = [r for group in results.values() for r in group]
    paths = [p for group in document_images().values() for p in group]
    naive = sum(r.naive_bytes for r in rows)
    ours = sum(r.sent_bytes for r in rows)
    passed = [
        p.name
        for p in paths
        if load_image(
            p, policy=ImagePolicy(allow_any_path=True), resolution=QWEN25VL_RESOLUTION
        ).passed_through
    ]
    verdict = "larger" if ours > naive else "smaller"
    section.add(
        f"**Charts and documents** are already small and under the budget. "
        f"Ours is {verdict} than the original files here ({fmt_bytes(ours)} vs "
        f"{fmt_bytes(naive)}). Sent as they are, with only their metadata "
        f"stripped: {', '.join(passed) or 'none'}. The others are re-encoded "
        "without resampling because they need work (an alpha channel to "
        "flatten, EXIF rotation, a colour profile): as an optimized PNG with an "
        "exact palette when they have at most 256 colours, which is smaller "
        "than the originals here.",
        "",
    )


def _explain_gap(section: Section, rows: list[Row], photos: list[Path]) -> None:
    pixel_ratio = [
        (r.original[0] * r.original[1]) / (r.sent[0] * r.sent[1]) for r in rows
    ]
    sweep_rows = []
    for quality in QUALITY_SWEEP:
        policy = ImagePolicy(allow_any_path=True, jpeg_quality=quality)
        ratios = [measure(p, policy).ratio for p in photos]
        sweep_rows.append((f"q{quality}", f"{min(ratios):.1f}x", f"{max(ratios):.1f}x"))
    bpp = [
        (
            r.name,
            f"{r.naive_bytes * 3 / 4 / (r.original[0] * r.original[1]):.3f}",
            f"{r.sent_bytes * 3 / 4 / (r.sent[0] * r.sent[1]):.3f}",
        )
        for r in rows
    ]
    section.add(
        "**Why 15x is not reached.** The sent size is fixed by the server "
        "(anything larger is shrunk by the server, anything smaller loses "
        f"detail the model would have used): {_size(rows[0].original)} -> "
        f"{_size(rows[0].sent)} has only {min(pixel_ratio):.1f}x fewer pixels. "
        "The byte ratio is that pixel ratio times the ratio of bytes per pixel, "
        "and a downscaled image carries *more* detail per pixel than the "
        "original, so at the same JPEG quality it costs more bytes per pixel:",
        "",
        *table(["photo", "original B/px", "sent B/px"], bpp),
        "",
        f"15x would need about {min(pixel_ratio) / TARGET_RATIO:.1f}x the "
        "original's bytes per pixel. Lowering "
        "`ImagePolicy.jpeg_quality` (default 90) is the only lever; measured on "
        "the same photos:",
        "",
        *table(["jpeg_quality", "worst photo", "best photo"], sweep_rows),
        "",
        "Lower quality trades image fidelity (what the model sees) for bytes; "
        "that is a policy choice, so the default (90) is left as it is and the "
        "target as stated is reported as not met on these photos.",
        "",
    )
