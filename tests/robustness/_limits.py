"""Run one hostile call in a child process and measure what it cost.

The child sets a generous address-space limit (so a runaway cannot take the
machine down), runs the snippet, and reports the exception it ended in (or
success), the CPU seconds the snippet itself used and the process's peak RSS
(``VmHWM``). Tests compare those with the issue's bounds: 5 s CPU, 900 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CPU_BOUND_S = 5.0
RSS_BOUND_MB = 900.0
_MARK = "BOUNDED-RESULT "
_CHILD = """
import json, os, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))

def _peak_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024

def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

{setup}
_started = _cpu()
try:
{snippet}
    _out = {{"ok": True}}
except BaseException as _exc:
    _out = {{
        "ok": False,
        "type": type(_exc).__name__,
        "code": getattr(_exc, "code", None),
        "message": str(_exc)[:500],
    }}
_out["cpu_s"] = _cpu() - _started
_out["peak_mb"] = _peak_mb()
print({mark!r} + json.dumps(_out), flush=True)
"""


@dataclass(frozen=True)
class Outcome:
    """What the child reported (``ok`` or the exception), its CPU and peak RSS."""

    ok: bool
    type: str | None
    code: str | None
    message: str
    cpu_s: float
    peak_mb: float

    def within_bounds(self) -> bool:
        return self.cpu_s < CPU_BOUND_S and self.peak_mb < RSS_BOUND_MB


def run_bounded(snippet: str, setup: str = "", timeout: float = 90) -> Outcome:
    """Run ``snippet`` (after ``setup``) in a child; its outcome and cost.

    Raises ``AssertionError`` when the child died without reporting (a signal,
    the address-space limit): that is the failure these tests look for.
    """
    source = _CHILD.format(
        setup=textwrap.dedent(setup),
        snippet=textwrap.indent(textwrap.dedent(snippet), "    "),
        mark=_MARK,
    )
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith(_MARK):
            report = json.loads(line[len(_MARK) :])
            return Outcome(
                ok=report["ok"],
                type=report.get("type"),
                code=report.get("code"),
                message=report.get("message", ""),
                cpu_s=report["cpu_s"],
                peak_mb=report["peak_mb"],
            )
    raise AssertionError(
        f"the child died (exit {done.returncode}) without a result:"
        f" {done.stderr[-800:]}"
    )


__all__ = ["CPU_BOUND_S", "RSS_BOUND_MB", "Outcome", "run_bounded"]
