"""Section 6: image tokens per detail setting, and repeated image work avoided.

Tokens: each 12 MP photo of section 1 at ``detail`` ``"high"``, ``"auto"``,
``"low"`` and ``ImagePolicy(max_image_tokens=1024)``, against the naive upload
(the server's own ``smart_resize`` of the original). Repeated work: a 10-turn
conversation carrying one photo in its history (time spent preparing its
images per turn), and the three tools on the same file (how many times it is
prepared).
"""

from __future__ import annotations

import time
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from benchmarks._common import Config, Section, Target, median, table
from benchmarks._images import (
    displayed_size,
    make_phone_photos,
    qwen_image_tokens,
    server_smart_resize,
)
from langchain_gravix_vision import (
    ChatGravixVision,
    DescribeImageTool,
    ExtractTextTool,
    ReadChartTool,
)
from langchain_gravix_vision.images import (
    LOW_DETAIL_TOKENS,
    PREPARED_CACHE,
    ImagePolicy,
)
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
from langchain_gravix_vision.tools.schemas import (
    DescribeImageArgs,
    ExtractTextArgs,
    ReadChartArgs,
)

TURNS = 10
TARGET_TURN_MS = 2.0
SETTINGS: dict[str, tuple[str | None, int | None]] = {
    'detail="high"': ("high", None),
    'detail="auto"': ("auto", None),
    "no detail": (None, None),
    "max_image_tokens=1024": (None, 1024),
    'detail="low"': ("low", None),
}


def _tokens(cfg: Config, photos: list[Path], section: Section) -> None:
    naive = [
        qwen_image_tokens(*server_smart_resize(*displayed_size(p))) for p in photos
    ]
    rows = [("naive upload (server's smart_resize)", *naive, "1.00x")]
    per_setting: dict[str, list[int]] = {}
    for label, (detail, cap) in SETTINGS.items():
        policy = ImagePolicy(allow_any_path=True, max_image_tokens=cap)
        tokens = []
        for path in photos:
            image = load_image(
                path, policy=policy, resolution=QWEN25VL_RESOLUTION, detail=detail
            )
            tokens.append(qwen_image_tokens(*server_smart_resize(*image.sent_size)))
        per_setting[label] = tokens
        rows.append((label, *tokens, f"{sum(naive) / sum(tokens):.2f}x"))
    section.add(
        f"**Image tokens per photo** ({cfg.photo_size[0]}x{cfg.photo_size[1]}; "
        "tokens = (w/28)*(h/28) of the server's smart_resize of what is sent, "
        "markers excluded):",
        "",
        *table(
            ["setting", *(p.name for p in photos), "fewer than naive by"],
            rows,
        ),
        "",
    )
    low = max(per_setting['detail="low"'])
    section.targets.append(
        Target(
            'detail="low" <= 256 image tokens per 12 MP photo',
            f"{low} (worst photo) vs {max(naive)} naive",
            f"<= {LOW_DETAIL_TOKENS}",
            low <= LOW_DETAIL_TOKENS,
        )
    )
    high = per_setting['detail="high"'] == naive == per_setting['detail="auto"']
    section.targets.append(
        Target(
            'detail="high"/"auto" = the server\'s maximum',
            "identical to naive" if high else "differs from naive",
            "identical",
            high,
        )
    )
    capped = max(per_setting["max_image_tokens=1024"])
    section.targets.append(
        Target(
            "ImagePolicy(max_image_tokens=1024) caps every photo",
            f"{capped} (worst photo)",
            "<= 1024",
            capped <= 1024,
        )
    )


def _conversation(photo: Path, section: Section) -> None:
    llm = ChatGravixVision(
        model="qwen2.5vl:7b",
        api_key="x",
        image_policy=ImagePolicy(allowed_roots=(photo.parent,)),
    )
    PREPARED_CACHE.clear()
    image = {"type": "image", "url": str(photo)}
    history: list[BaseMessage] = [HumanMessage([{"type": "text", "text": "?"}, image])]
    times = []
    urls = set()
    for turn in range(TURNS):
        start = time.perf_counter()
        prepared = llm._prepare_images(history, None)
        times.append((time.perf_counter() - start) * 1e3)
        first = prepared[0].content[1]
        assert isinstance(first, dict)
        urls.add(first["image_url"]["url"])
        history += [AIMessage(f"answer {turn}"), HumanMessage(f"question {turn}")]
    later = times[1:]
    section.add(
        f"**A {TURNS}-turn conversation** carrying {photo.name} in its history "
        "(time in `ChatGravixVision`'s image preparation per turn; each turn "
        "re-sends the whole history, as chat-completions requires):",
        "",
        *table(
            ["turn", "ms on images"],
            [("1 (prepared)", f"{times[0]:.1f}")]
            + [(str(i + 2), f"{t:.2f}") for i, t in enumerate(later)],
        ),
        "",
        f"Turns 2-{TURNS}: median {median(later):.2f} ms, worst {max(later):.2f} ms "
        f"(reading the file and hashing it), against {times[0]:.0f} ms for "
        f"turn 1; the image URL was byte-identical in all {TURNS} requests "
        f"({'yes' if len(urls) == 1 else 'NO'}).",
        "",
    )
    section.targets.append(
        Target(
            f"Turns 2-{TURNS} spend < {TARGET_TURN_MS:g} ms each on images",
            f"worst {max(later):.2f} ms (turn 1: {times[0]:.0f} ms)",
            f"< {TARGET_TURN_MS:g} ms",
            max(later) < TARGET_TURN_MS and len(urls) == 1,
        )
    )


def _three_tools(photo: Path, section: Section) -> None:
    llm = ChatGravixVision(model="qwen2.5vl:7b", api_key="x")
    policy = ImagePolicy(allowed_roots=(photo.parent,))
    PREPARED_CACHE.clear()
    image = str(photo)
    DescribeImageTool(llm=llm, image_policy=policy)._prepare(
        DescribeImageArgs(image=image)
    )
    ReadChartTool(llm=llm, image_policy=policy)._prepare(ReadChartArgs(image=image))
    ExtractTextTool(llm=llm, image_policy=policy)._prepare(ExtractTextArgs(image=image))
    prepared = PREPARED_CACHE.misses
    section.add(
        f"**describe -> read_chart -> extract_text** on {photo.name}: the image "
        f"was prepared (decoded) {prepared} time(s) for 3 tool calls.",
        "",
    )
    section.targets.append(
        Target(
            "Three tools on one file decode it once",
            f"{prepared} decode(s)",
            "1",
            prepared == 1,
        )
    )


def run(cfg: Config, workdir: Path) -> Section:
    """Tokens per detail setting; a conversation and three tools on one photo."""
    section = Section("7. Image tokens per detail, and repeated work")
    photos = make_phone_photos(workdir / "photos", cfg.photo_size)
    _tokens(cfg, photos, section)
    _conversation(photos[0], section)
    _three_tools(photos[0], section)
    return section
