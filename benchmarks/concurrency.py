"""Section 4: concurrent tool calls and client-side rate limiting.

Part A: ``DescribeImageTool.abatch`` of many calls against the loopback server
(answers after a fixed delay), with ``max_concurrency=N``, compared with the
ideal ``ceil(calls / N) * delay`` and with the raw async openai SDK under the
same semaphore. Part B: ``InMemoryRateLimiter`` on ``ChatGravixVision`` against
the stand-in gateway (tests/stand_in) with its 429 rate limit enforced, on a
scaled clock so a "minute" takes seconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openai
from langchain_core.messages import HumanMessage, convert_to_openai_messages
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import Runnable

from benchmarks._common import (
    ROOT,
    Config,
    Section,
    Target,
    median,
    table,
)
from benchmarks._server import CAPTION, LoopbackServer
from langchain_gravix_vision import (
    ChatGravixVision,
    DescribeImageTool,
    ImageDescription,
    ImagePolicy,
)
from langchain_gravix_vision.images import PREPARED_CACHE
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
from langchain_gravix_vision.tools._answers import ask_for, read
from tests.stand_in import StandInServer

MODEL = "qwen2.5vl:7b"
IMAGE = ROOT / "tests" / "data" / "photos" / "chelsea.png"
TARGET_VS_IDEAL = 1.5
TARGET_TOOL_MS = 12.0
RATE_CONCURRENCY = 8
MARGIN = 0.95
TOOL_STEP = "`DescribeImageTool.ainvoke` (the bound call + `load_image` + tool layer)"
BOUND_STEP = (
    "+ JSON-schema `response_format` bound, answer read by the tool "
    "(`tools/_answers.py`, what `VisionTool` does)"
)
TARGET_LEVEL = 25


# ----------------------------------------------------------------- part A


def _tool(base_url: str) -> DescribeImageTool:
    llm = ChatGravixVision(model=MODEL, base_url=base_url, api_key="x")
    return DescribeImageTool(llm=llm, image_policy=ImagePolicy(allow_any_path=True))


def _tool_batch(tool: DescribeImageTool, calls: int, limit: int) -> float:
    inputs = [{"image": str(IMAGE)}] * calls
    start = time.perf_counter()
    outputs = asyncio.run(tool.abatch(inputs, config={"max_concurrency": limit}))
    elapsed = time.perf_counter() - start
    failed = [o for o in outputs if not str(o).startswith(CAPTION)]
    if failed:
        msg = f"{len(failed)} tool calls failed, e.g. {failed[0]!r}"
        raise RuntimeError(msg)
    return elapsed


def _raw_batch(base_url: str, data_url: str, calls: int, limit: int) -> float:
    messages: Any = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe the image."},
                {"type": "image_url", "image_url": {"url": data_url}},
            ],
        }
    ]

    async def main() -> None:
        gate = asyncio.Semaphore(limit)
        async with openai.AsyncOpenAI(base_url=base_url, api_key="x") as client:

            async def one() -> None:
                async with gate:
                    await client.chat.completions.create(model=MODEL, messages=messages)

            await asyncio.gather(*(one() for _ in range(calls)))

    start = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - start


async def _interleaved_ms(
    steps: dict[str, Callable[[], Awaitable[Any]]], calls: int
) -> dict[str, float]:
    """Median ms per call of each step, timed round-robin so drift hits all."""
    for call in steps.values():  # warm-up
        await call()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(calls):
        for name, call in steps.items():
            start = time.perf_counter()
            await call()
            times[name].append(time.perf_counter() - start)
    return {name: median(values) * 1e3 for name, values in times.items()}


async def _bound_call(
    bound: Runnable, messages: list[HumanMessage], tool: DescribeImageTool
) -> None:
    answer = read(await bound.ainvoke(messages), tool.read_answer)
    if answer["parsed"] is None:
        raise RuntimeError(f"unreadable answer: {answer['parsing_error']!r}")


def _per_call_cost(cfg: Config, base_url: str) -> dict[str, float]:
    """Median ms per call, one at a time, for each layer a tool call adds."""
    calls = 5 if cfg.smoke else 40
    policy = ImagePolicy(allow_any_path=True)
    image = load_image(IMAGE, policy=policy, resolution=QWEN25VL_RESOLUTION)
    messages = [
        HumanMessage(
            [{"type": "text", "text": "Describe it."}, image.to_content_block()]
        )
    ]
    openai_messages: Any = convert_to_openai_messages(messages)
    llm = ChatGravixVision(
        model=MODEL, base_url=base_url, api_key="x", image_policy=None, max_tokens=1024
    )
    structured = llm.with_structured_output(ImageDescription, include_raw=True)
    bound = ask_for(llm, ImageDescription, strict=True)
    tool = _tool(base_url)
    source = {"image": str(IMAGE)}

    async def load() -> None:
        PREPARED_CACHE.clear()
        await asyncio.to_thread(
            load_image, IMAGE, policy=policy, resolution=QWEN25VL_RESOLUTION
        )

    async def load_again() -> None:
        await asyncio.to_thread(
            load_image, IMAGE, policy=policy, resolution=QWEN25VL_RESOLUTION
        )

    async def measure() -> dict[str, float]:
        async with openai.AsyncOpenAI(base_url=base_url, api_key="x") as raw:
            steps: dict[str, Callable[[], Awaitable[Any]]] = {
                "raw SDK `create` (image pre-encoded)": lambda: (
                    raw.chat.completions.create(model=MODEL, messages=openai_messages)
                ),
                "`ChatGravixVision.ainvoke` (same message)": lambda: llm.ainvoke(
                    messages
                ),
                "+ `with_structured_output` (built once)": lambda: structured.ainvoke(
                    messages
                ),
                BOUND_STEP: lambda: _bound_call(bound, messages, tool),
                TOOL_STEP: lambda: tool.ainvoke(source),
                "`load_image` alone (in a worker thread, cache cleared)": load,
                "`load_image` of the same file again (cache hit)": load_again,
            }
            return await _interleaved_ms(steps, calls)

    return asyncio.run(measure())


def _concurrency(cfg: Config, section: Section) -> None:
    delay = cfg.server_delay_s
    data_url = load_image(
        IMAGE, policy=ImagePolicy(allow_any_path=True), resolution=QWEN25VL_RESOLUTION
    ).data_url
    rows = []
    ratios: dict[int, float] = {}
    raw_times: dict[int, float] = {}
    with LoopbackServer(delay_s=delay) as server:
        tool = _tool(server.base_url)
        _tool_batch(tool, 2, 2)  # warm-up: lazy imports, schema building
        for limit in cfg.concurrency_levels:
            ideal = math.ceil(cfg.concurrency_calls / limit) * delay
            ours = _tool_batch(tool, cfg.concurrency_calls, limit)
            raw = _raw_batch(server.base_url, data_url, cfg.concurrency_calls, limit)
            ratios[limit] = ours / ideal
            raw_times[limit] = raw
            rows.append(
                (
                    limit,
                    f"{ideal:.2f}",
                    f"{ours:.2f}",
                    f"**{ours / ideal:.2f}x**",
                    f"{raw:.2f}",
                    f"{raw / ideal:.2f}x",
                )
            )
    with LoopbackServer() as instant:
        costs = _per_call_cost(cfg, instant.base_url)
    section.add(
        f"**A. {cfg.concurrency_calls} `DescribeImageTool` calls** "
        f"(`tool.abatch(..., config={{'max_concurrency': N}})`; image "
        f"{IMAGE.name} 451x300, prepared per call in a worker thread; "
        "structured output parsed) against a loopback server answering after "
        f"{delay * 1e3:.0f} ms. Ideal = ceil({cfg.concurrency_calls}/N) x "
        f"{delay * 1e3:.0f} ms. The raw baseline sends the same request "
        "(image encoded once beforehand) with `openai.AsyncOpenAI` under an "
        "`asyncio.Semaphore(N)`.",
        "",
        *table(
            ["N", "ideal s", "tool abatch s", "vs ideal", "raw SDK s", "vs ideal"],
            rows,
        ),
        "",
        "**Client time per call**, one call at a time against an *instant* "
        f"loopback server (median ms of {5 if cfg.smoke else 40}, the steps "
        "interleaved), adding one layer per row:",
        "",
        *table(["call", "ms"], [(k, f"{v:.1f}") for k, v in costs.items()]),
        "",
    )
    tool_ms = costs[TOOL_STEP]
    section.add(
        f"A tool call costs about {tool_ms:.0f} ms of client time, nearly all "
        "CPU. `VisionTool` binds the model to its JSON-schema `response_format` "
        "and validates the answer itself (`tools/_answers.py`): the request is "
        "the same JSON `with_structured_output` sends, without its five "
        "runnables and the openai SDK's `parse` (compare the rows above). The "
        "image is prepared once and then served from the content-addressed "
        f"cache. One process therefore starts about {1e3 / tool_ms:.0f} tool "
        f"calls/s, while N calls in flight against a {delay * 1e3:.0f} ms "
        f"server need N / {delay:g} calls/s: above N = "
        f"{delay * 1e3 / tool_ms:.0f} or so the batch is bound by client CPU "
        "(2 cores here), not by the server's latency. The N = 100 row asks for "
        f"{cfg.concurrency_calls / delay:.0f} calls/s, which even the raw SDK, "
        f"with no image work and no LangChain, misses ("
        f"{raw_times[max(raw_times)]:.2f} s: opening that many connections and "
        "encoding that many requests on 2 cores); it is shown, not judged.",
        "",
    )
    section.targets.append(
        Target(
            "Client time per `DescribeImageTool` call <= 12 ms",
            f"{tool_ms:.1f} ms",
            f"<= {TARGET_TOOL_MS:g} ms",
            tool_ms <= TARGET_TOOL_MS,
            "instant loopback server; the image is prepared once, then cached",
        )
    )
    judged = {n: r for n, r in ratios.items() if n <= TARGET_LEVEL}
    met = all(r <= TARGET_VS_IDEAL for r in judged.values())
    section.targets.append(
        Target(
            f"{cfg.concurrency_calls} tool calls at concurrency <= {TARGET_LEVEL}"
            f" within {TARGET_VS_IDEAL:g}x ideal",
            "; ".join(f"N={n}: {r:.2f}x" for n, r in ratios.items()),
            f"<= {TARGET_VS_IDEAL:g}x for N <= {TARGET_LEVEL}",
            met and bool(judged),
            f"N > {TARGET_LEVEL} shown, not judged",
        )
    )


# ----------------------------------------------------------------- part B


def _rate_run(
    cfg: Config, limiter: InMemoryRateLimiter | None
) -> tuple[int, int, float]:
    """Send ``cfg.rate_requests`` requests; return (ok, 429s, elapsed s)."""
    scale = cfg.rate_time_scale
    server = StandInServer(
        rate_limit=cfg.rate_limit,
        enforce_rate_limit=True,
        clock=lambda: time.time() * scale,
    )
    with server:
        llm = ChatGravixVision(
            model=MODEL,
            base_url=server.base_url,
            api_key="x",
            max_retries=0,
            rate_limiter=limiter,
        )
        start = time.perf_counter()
        results = asyncio.run(
            llm.abatch(
                ["Hi"] * cfg.rate_requests,
                config={"max_concurrency": RATE_CONCURRENCY},
                return_exceptions=True,
            )
        )
        elapsed = time.perf_counter() - start
    limited = sum(isinstance(r, openai.RateLimitError) for r in results)
    errors = [r for r in results if isinstance(r, Exception)]
    if len(errors) != limited:
        msg = f"unexpected errors: {errors[:3]!r}"
        raise RuntimeError(msg)
    return len(results) - limited, limited, elapsed


def _limiter(cfg: Config, per_minute: float) -> InMemoryRateLimiter:
    per_second = per_minute / 60 * cfg.rate_time_scale
    return InMemoryRateLimiter(
        requests_per_second=per_second,
        check_every_n_seconds=min(0.01, 0.5 / per_second),
        max_bucket_size=1,
    )


def _rate_limit(cfg: Config, section: Section) -> None:
    scale, limit = cfg.rate_time_scale, cfg.rate_limit
    window = 60 / scale
    runs = [("no rate limiter (baseline)", None)]
    runs.append((f"`InMemoryRateLimiter` at {limit}/min", float(limit)))
    rows = []
    results = {}
    for label, per_minute in runs:
        limiter = _limiter(cfg, per_minute) if per_minute else None
        ok, limited, elapsed = _rate_run(cfg, limiter)
        results[label] = limited
        rate = cfg.rate_requests / (elapsed * scale) * 60
        rows.append((label, ok, limited, f"{elapsed:.1f}", f"{rate:.0f}"))
    exact_429 = results[runs[1][0]]
    if exact_429:
        label = f"`InMemoryRateLimiter` at {MARGIN * limit:g}/min ({MARGIN:.0%})"
        ok, limited, elapsed = _rate_run(cfg, _limiter(cfg, MARGIN * limit))
        rate = cfg.rate_requests / (elapsed * scale) * 60
        rows.append((label, ok, limited, f"{elapsed:.1f}", f"{rate:.0f}"))
    section.add(
        f"**B. Rate limit.** {cfg.rate_requests} `ChatGravixVision.abatch` "
        f"requests (max_concurrency {RATE_CONCURRENCY}, `max_retries=0` so "
        "every 429 is counted, not retried) against the stand-in gateway with "
        f"its {limit} requests/minute fixed window enforced (429 above it). "
        f"Time is scaled {scale:g}x: the server's clock runs {scale:g}x fast, "
        f"so its 60 s window lasts {window:g} s, and the limiter is set to "
        f"{limit}/min x {scale:g} = {limit / 60 * scale:.2f} requests/s. "
        "Rates below are per scaled minute.",
        "",
        *table(["client", "answered", "429s", "wall s", "achieved req/min"], rows),
        "",
    )
    if exact_429:
        section.add(
            f"At exactly the plan's rate a 429 still appears: the stand-in's "
            "window restarts at the first request after it expires, and a token "
            "bucket that lets one request through slightly late lets the "
            f"{limit + 1}th land inside the new window. A 5 % margin removes it.",
            "",
        )
    section.targets.append(
        Target(
            f"Rate limiter holds {limit} req/min without a 429",
            f"{exact_429} x 429 at {limit}/min"
            + ("" if not exact_429 else f"; {rows[-1][2]} at {MARGIN:.0%}"),
            "0 x 429",
            exact_429 == 0,
            f"time scaled {scale:g}x",
        )
    )


def run(cfg: Config, workdir: Path) -> Section:
    """Run both parts."""
    section = Section("4. Concurrency and rate limiting")
    _concurrency(cfg, section)
    _rate_limit(cfg, section)
    return section
