"""Run every benchmark and write ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/run.py            # full run (~3-5 min), writes RESULTS.md
    python benchmarks/run.py --smoke    # tiny sizes (~15 s); writes a temp file
    python benchmarks/run.py --only 1 3 # some sections (report to --out or temp)

Install the baselines first: ``pip install qwen-vl-utils psutil`` (without
qwen-vl-utils that baseline is skipped with a note).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/run.py` puts benchmarks/ first
    sys.path.insert(0, str(ROOT))

from benchmarks import (  # noqa: E402
    client,
    concurrency,
    documents,
    memory,
    report,
    reuse,
    throughput,
    upload,
    video,
)
from benchmarks._common import Config, Section  # noqa: E402

SECTIONS = {
    "1": upload.run,
    "2": throughput.run,
    "3": client.run,
    "4": concurrency.run,
    "5": memory.run,
    "6": documents.run,
    "7": reuse.run,
    "8": video.run,
}
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def _print_section(section: Section, seconds: float) -> None:
    print(f"## {section.title} ({seconds:.1f} s)", flush=True)
    for target in section.targets:
        print(
            f"   [{target.verdict}] {target.name}: {target.measured}"
            f" (wanted {target.wanted})",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections, print a summary and write the report."""
    parser = argparse.ArgumentParser(prog="python benchmarks/run.py")
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run")
    parser.add_argument("--only", nargs="+", choices=sorted(SECTIONS), default=None)
    parser.add_argument("--out", type=Path, default=None, help="report path")
    args = parser.parse_args(argv)
    cfg = Config.smoke_run() if args.smoke else Config.full()
    chosen = args.only or sorted(SECTIONS)
    out = args.out
    if out is None:
        partial = args.smoke or args.only is not None
        out = Path(tempfile.gettempdir()) / "gravix-bench-RESULTS.md"
        out = out if partial else RESULTS
    started = time.perf_counter()
    load_before = report.load_average()
    sections = []
    with tempfile.TemporaryDirectory(prefix="gravix-bench-") as tmp:
        for key in chosen:
            begin = time.perf_counter()
            section = SECTIONS[key](cfg, Path(tmp))
            _print_section(section, time.perf_counter() - begin)
            sections.append(section)
    elapsed = time.perf_counter() - started
    out.write_text(report.render(cfg, sections, elapsed, load_before), encoding="utf-8")
    print(f"report written to {out} ({elapsed:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
