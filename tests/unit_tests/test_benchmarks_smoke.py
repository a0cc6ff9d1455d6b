"""The benchmarks still run: ``python benchmarks/run.py --smoke`` exits 0.

No timing is asserted here (figures live in benchmarks/RESULTS.md). The smoke
run starts loopback servers in child processes, hence ``enable_socket``; it
must not touch the committed RESULTS.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTIONS = (
    "## 1. Upload size and image tokens",
    "## 2. Preprocessing throughput",
    "## 3. Client overhead",
    "## 4. Concurrency and rate limiting",
    "## 5. Memory while preparing a batch",
    "## 6. PDF pages: render at the model's size, text layer first",
)


@pytest.mark.enable_socket
@pytest.mark.timeout(180)
def test_benchmarks_run_in_smoke_mode(tmp_path: Path) -> None:
    before = RESULTS.read_bytes() if RESULTS.exists() else None
    out = tmp_path / "report.md"
    proc = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    for title in SECTIONS:
        assert title in proc.stdout
        assert title in out.read_text(encoding="utf-8")
    after = RESULTS.read_bytes() if RESULTS.exists() else None
    assert after == before, "smoke mode must not rewrite benchmarks/RESULTS.md"
