"""Section 5: peak memory while preparing a batch of phone photos.

Each strategy runs in its own fresh process (``python -m benchmarks.memory
--worker MODE ...``) so peaks never mix. The batch cycles through the 12 MP
photos of section 1; every strategy keeps all its results to the end:

- ours: ``load_image`` one by one, keeping the ``PreparedImage`` objects;
- naive upload: the original files as base64 data URLs (Gravix's docs);
- naive decode: ``Image.open(...).load()`` for all, keeping the decoded images.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from benchmarks._common import Config, Section, Target, fmt_bytes, run_worker, table

MODES = {
    "ours": "`load_image` -> keep `PreparedImage`",
    "naive-b64": "naive: keep base64 data URLs of the originals",
    "naive-decode": "naive: Pillow decode all, keep the images",
}
FRAMES_ALLOWED = 3


def current_rss() -> int:
    """Resident set size now, in bytes (psutil, else /proc, else 0)."""
    try:
        import psutil
    except ImportError:
        try:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return 0
        return pages * os.sysconf("SC_PAGE_SIZE")
    return int(psutil.Process().memory_info().rss)


def peak_rss() -> int:
    """Peak resident set size of this process so far, in bytes.

    Linux: ``VmHWM`` from /proc/self/status (``getrusage``'s ru_maxrss would
    also count the parent's pages from before ``exec``). Elsewhere
    ``getrusage`` (bytes on macOS), else the current RSS.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:
        return current_rss()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _loader(mode: str) -> Any:
    from PIL import Image

    if mode == "ours":
        from langchain_gravix_vision.images import PREPARED_CACHE, ImagePolicy
        from langchain_gravix_vision.inputs import load_image
        from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION

        policy = ImagePolicy(allow_any_path=True)

        def ours(path: Path) -> Any:
            PREPARED_CACHE.clear()  # the kept results only, not the cache too
            return load_image(path, policy=policy, resolution=QWEN25VL_RESOLUTION)

        return ours
    if mode == "naive-b64":
        from benchmarks._images import naive_data_url

        return naive_data_url

    def decode(path: Path) -> Image.Image:
        image = Image.open(path)
        image.load()
        return image

    return decode


def decoded_bytes(width: int, height: int, bands: int = 3) -> int:
    """Memory Pillow uses for a decoded image (3 or 4 bands: 4 bytes a pixel)."""
    return width * height * (4 if bands >= 3 else bands)


def _kept_bytes(item: Any) -> int:
    if isinstance(item, str):
        return len(item)
    if hasattr(item, "sent_bytes"):
        return int(item.sent_bytes)
    return decoded_bytes(item.width, item.height, len(item.getbands()))


def worker(mode: str, paths: list[Path], count: int) -> dict[str, Any]:
    """Prepare ``count`` images cycling through ``paths``; report RSS figures."""
    load = _loader(mode)
    before = current_rss()
    kept = []
    after_each = []
    for index in range(count):
        kept.append(load(paths[index % len(paths)]))
        after_each.append(current_rss())
    return {
        "before": before,
        "peak": peak_rss(),
        "after_each": after_each,
        "kept": sum(_kept_bytes(item) for item in kept),
    }


def run(cfg: Config, workdir: Path) -> Section:
    """Run each strategy in a fresh process and compare peak RSS growth."""
    from PIL import Image

    from benchmarks._images import make_phone_photos

    section = Section("5. Memory while preparing a batch")
    photos = make_phone_photos(workdir / "photos", cfg.photo_size)
    with Image.open(photos[0]) as image:
        frame = decoded_bytes(image.width, image.height)
    count = cfg.memory_images
    args = [str(count), *map(str, photos)]
    results = {
        mode: run_worker("benchmarks.memory", ["--worker", mode, *args])
        for mode in MODES
    }
    rows = []
    for mode, r in results.items():
        growth = max(0, r["peak"] - r["before"])
        each = r["after_each"]
        slope = (each[-1] - each[0]) / max(1, len(each) - 1)
        r["growth"] = growth
        rows.append(
            (
                MODES[mode],
                fmt_bytes(r["before"]),
                fmt_bytes(r["peak"]),
                f"**{fmt_bytes(growth)}**",
                fmt_bytes(slope),
                fmt_bytes(r["kept"]),
            )
        )
    ours, decode = results["ours"], results["naive-decode"]
    w, h = cfg.photo_size
    section.add(
        f"{count} photos of {w}x{h} (cycling through the {len(photos)} photos "
        f"of section 1; one decoded frame = {fmt_bytes(frame)}, as Pillow keeps "
        "RGB in 4 bytes a pixel), each strategy "
        "in a fresh process; RSS from psutil, peak from /proc/self/status "
        "VmHWM. Growth = peak minus RSS before the first image (imports "
        "excluded).",
        "",
        *table(
            [
                "strategy",
                "RSS before",
                "peak RSS",
                "peak growth",
                "growth per image",
                "results kept",
            ],
            rows,
        ),
        "",
    )
    share = ours["growth"] / max(decode["growth"], 1)
    section.add(
        f"ChatGravixVision's peak growth is {share:.1%} of decoding everything "
        "with Pillow"
        + (
            ": only one photo is decoded at a time (at 1/2 scale via `draft`), "
            "and what stays is the encoded JPEG."
            if share < 0.5
            else " (too few or too small images here for a meaningful ratio)."
        ),
        "",
    )
    bound = ours["kept"] + FRAMES_ALLOWED * frame
    section.targets.append(
        Target(
            "Batch preparation does not hold all images decoded",
            f"peak growth {fmt_bytes(ours['growth'])} vs "
            f"{fmt_bytes(decode['growth'])} naive decode",
            f"<= kept results + {FRAMES_ALLOWED} decoded frames = {fmt_bytes(bound)}",
            ours["growth"] <= bound,
        )
    )
    return section


def main() -> None:
    """Worker entry point: print the RSS figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--worker", choices=sorted(MODES), required=True)
    parser.add_argument("count", type=int)
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args()
    print(json.dumps(worker(args.worker, args.paths, args.count)))


if __name__ == "__main__":
    main()
