"""Section 3: client overhead: model construction and per-call ``invoke`` cost.

Calls go to :class:`benchmarks._server.LoopbackServer`, which answers at once
from another process over keep-alive, so the time measured is the client's
own work plus one loopback round trip, the same for every client.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import openai
from langchain_openai import ChatOpenAI

from benchmarks._common import (
    Config,
    Section,
    Target,
    median,
    package_table,
    profile_by_package,
    table,
    time_calls,
)
from benchmarks._server import LoopbackServer
from langchain_gravix_vision import ChatGravixVision

MODEL = "qwen2.5vl:7b"
MESSAGES = [{"role": "user", "content": "Hi"}]
TARGET_CONSTRUCT_MS = 2.0
TARGET_INVOKE_RATIO = 1.2
TARGET_VS_PLAIN = 1.05
BLOCK = 10
RAW = "raw openai SDK `chat.completions.create`"
OURS = "`ChatGravixVision.invoke`"
PLAIN = "`ChatOpenAI.invoke` (langchain-openai)"


def _construction(cfg: Config) -> dict[str, float]:
    makers: dict[str, Callable[[], Any]] = {
        "`ChatGravixVision(api_key=...)`": lambda: ChatGravixVision(api_key="x"),
        "`openai.OpenAI(api_key=...)`": lambda: openai.OpenAI(api_key="x"),
        "`ChatOpenAI(api_key=...)` (langchain-openai)": lambda: ChatOpenAI(api_key="x"),
    }
    for make in makers.values():
        make()
    return {
        name: median(time_calls(make, cfg.construct_reps)) * 1e3
        for name, make in makers.items()
    }


def _callers(base_url: str) -> dict[str, Callable[[], Any]]:
    raw = openai.OpenAI(base_url=base_url, api_key="x")
    ours = ChatGravixVision(model=MODEL, base_url=base_url, api_key="x")
    plain = ChatOpenAI(model=MODEL, base_url=base_url, api_key="x", temperature=0.7)
    return {
        RAW: lambda: raw.chat.completions.create(
            model=MODEL, messages=MESSAGES, temperature=0.7
        ),
        OURS: lambda: ours.invoke("Hi"),
        PLAIN: lambda: plain.invoke("Hi"),
    }


def _repeat(fn: Callable[[], Any], times: int) -> None:
    for _ in range(times):
        fn()


def run(cfg: Config, workdir: Path) -> Section:
    """Measure construction and invoke overhead against the loopback server."""
    section = Section("3. Client overhead")
    build = _construction(cfg)
    ours_build = build["`ChatGravixVision(api_key=...)`"]
    section.add(
        f"**Construction** (median of {cfg.construct_reps}, after one warm-up):",
        "",
        *table(["what", "median ms"], [(k, f"{v:.3f}") for k, v in build.items()]),
        "",
        "ChatGravixVision shares one pooled httpx client per process "
        "(`_http.py`), so a model costs pydantic validation only; a bare "
        "`openai.OpenAI()` builds a new httpx client (and SSL context) every "
        "time.",
        "",
    )
    section.targets.append(
        Target(
            "Model construction <= 2 ms",
            f"{ours_build:.3f} ms",
            f"<= {TARGET_CONSTRUCT_MS:g} ms",
            ours_build <= TARGET_CONSTRUCT_MS,
        )
    )

    with LoopbackServer() as server:
        callers = _callers(server.base_url)
        for call in callers.values():  # warm up connections and lazy imports
            for _ in range(BLOCK):
                call()
        samples: dict[str, list[float]] = {name: [] for name in callers}
        for _ in range(max(1, cfg.invoke_calls // BLOCK)):
            for name, call in callers.items():
                samples[name] += time_calls(call, BLOCK)
        medians = {name: median(v) * 1e3 for name, v in samples.items()}
        profiles = {}
        if cfg.profile:
            profiles = {
                label: profile_by_package(partial(_repeat, callers[name], 100), 100)
                for label, name in (("raw SDK", RAW), ("ChatGravixVision", OURS))
            }
    raw_ms, ours_ms = medians[RAW], medians[OURS]
    ratio = ours_ms / raw_ms
    section.add(
        f"**Per call** against the instant loopback server (one text message, "
        f"non-streaming; {len(samples[RAW])} calls each, interleaved in "
        f"blocks of {BLOCK} after {BLOCK} warm-up calls):",
        "",
        *table(
            ["client", "median ms per call", "vs raw SDK"],
            [(k, f"{v:.3f}", f"{v / raw_ms:.2f}x") for k, v in medians.items()],
        ),
        "",
        f"ChatGravixVision adds **{(ours_ms - raw_ms) * 1e3:.0f} us** per call "
        "over the raw SDK.",
        "",
    )
    section.targets.append(
        Target(
            "invoke overhead <= 1.2x raw openai SDK",
            f"{ratio:.2f}x ({ours_ms:.2f} ms vs {raw_ms:.2f} ms)",
            f"<= {TARGET_INVOKE_RATIO:g}x",
            ratio <= TARGET_INVOKE_RATIO,
            "" if ratio <= TARGET_INVOKE_RATIO else "see the profile below",
        )
    )
    plain_ms = medians[PLAIN]
    vs_plain = ours_ms / plain_ms
    section.targets.append(
        Target(
            "invoke overhead <= `ChatOpenAI.invoke` + 5%",
            f"{vs_plain:.3f}x ({ours_ms:.3f} ms vs {plain_ms:.3f} ms)",
            f"<= {TARGET_VS_PLAIN:g}x",
            vs_plain <= TARGET_VS_PLAIN,
            "same server, same message, calls interleaved",
        )
    )
    if profiles:
        _explain(section, profiles, medians)
    return section


def _explain(
    section: Section,
    profiles: dict[str, dict[str, float]],
    medians: dict[str, float],
) -> None:
    ours = profiles["ChatGravixVision"]
    own = ours.get("langchain_gravix_vision", 0.0)
    section.add(
        "**Where the time goes** (cProfile, 100 calls each, own time per call "
        "grouped by package; cProfile inflates Python-heavy code, so read the "
        "shares, not the absolute numbers):",
        "",
        *package_table(profiles),
        "",
        f"The package's own code is {own:.0f} us of "
        f"{sum(ours.values()):.0f} us per profiled call. The rest of the gap "
        "is the LangChain layers every LangChain OpenAI-compatible model pays: "
        f"langchain_core ({ours.get('langchain_core', 0.0):.0f} us: config, "
        "callback managers, run ids, message objects) and langchain_openai "
        f"({ours.get('langchain_openai', 0.0):.0f} us), which also calls "
        "`with_raw_response.create(...).parse()`, hence the extra time inside "
        "openai, httpx and the stdlib. `ChatOpenAI.invoke` takes "
        f"{medians[PLAIN]:.2f} ms against the same server vs "
        f"{medians[OURS]:.2f} ms for ChatGravixVision. In absolute terms "
        f"the gap is {medians[OURS] - medians[RAW]:.2f} ms a call, "
        "against model calls of hundreds of milliseconds or more.",
        "",
    )
