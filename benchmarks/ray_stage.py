"""Section 9: the Ray Data stage (``langchain_gravix_vision.ray``) on a local Ray.

Needs the ``ray`` extra, and ``aiohttp`` for the baseline (``ray.data.llm``'s
HTTP processor). Three measurements, each a ratio in one run:

- rows/s with 1 vs 2 stage workers on distinct 12 MP photos against an instant
  server (the client's image preparation is the work);
- this stage vs ``ray.data.llm``'s HTTP processor on the same rows, the same
  server (200 ms per answer) and the same total rate limit;
- rate-limit accuracy: achieved requests/s over the limit.

Rates are measured from the server's arrival times (first to last request),
so the actors' start-up (seconds on 2 cores) is left out; wall times are shown
too. ``python -m benchmarks.ray_stage [--append]`` prints the section
(``--append`` adds it to RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import threading
import time
from pathlib import Path
from typing import Any

import ray
from PIL import Image

from benchmarks._common import ROOT, Section, Target, table
from benchmarks._images import make_phone_photos
from benchmarks._server import _response
from langchain_gravix_vision.ray import vision_map

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
WORK = ROOT / ".benchmarks" / "ray"


class TimedServer:
    """The canned chat-completions server, in a thread, logging arrival times."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.arrivals: list[float] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        response = _response()
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.arrivals.append(time.monotonic())
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=512)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> TimedServer:
        threading.Thread(target=self._serve, daemon=True).start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def rate(self) -> float:
        """Requests/s from the first arrival to the last."""
        times = self.arrivals
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def distinct_photos(count: int) -> list[str]:
    """``count`` 12 MP JPEGs with different bytes (no cache hit between them).

    The three test photos at 4032x3024, each copied with a few bytes after its
    end-of-image marker (decoders ignore them; the content hash differs).
    """
    base = make_phone_photos(WORK / "base", (4032, 3024))
    out = WORK / "photos"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        src = base[i % len(base)]
        path = out / f"{src.stem}_{i:03d}.jpg"
        if not path.exists():
            path.write_bytes(src.read_bytes() + f"copy{i}".encode())
        paths.append(str(path))
    return paths


def small_images(count: int) -> list[str]:
    out = WORK / "small"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = out / f"small_{i:03d}.png"
        if not path.exists():
            Image.new("RGB", (320, 240), (i % 256, 90, 200)).save(path)
        paths.append(str(path))
    return paths


def run_stage(
    paths: list[str], server: TimedServer, *, workers: int, **kwargs: Any
) -> float:
    """Wall seconds of one stage run over ``paths``."""
    ds = ray.data.from_items([{"path": p} for p in paths], override_num_blocks=16)
    out = vision_map(
        ds,
        "describe",
        workers=workers,
        base_url=server.base_url,
        api_key="sk-bench",
        **kwargs,
    )
    started = time.monotonic()
    rows = out.take_all()
    took = time.monotonic() - started
    failed = [r["error_message"] for r in rows if not r["ok"]]
    assert len(rows) == len(paths)
    assert not failed, failed[:3]
    return took


def run_llm_processor(paths: list[str], server: TimedServer, qps: int) -> float:
    """Wall seconds of ``ray.data.llm``'s HTTP processor over the same rows."""
    from ray.data.llm import HttpRequestProcessorConfig, build_processor

    def preprocess(row: dict[str, Any]) -> dict[str, Any]:
        data = base64.b64encode(Path(row["path"]).read_bytes()).decode()
        content = [
            {"type": "text", "text": "Describe the image as JSON."},
            {
                "type": "image_url",
                "image_url": {"url": f"data:image/png;base64,{data}"},
            },
        ]
        body = {
            "model": "qwen2.5vl:7b",
            "messages": [{"role": "user", "content": content}],
            "response_format": {"type": "json_object"},
        }
        return {"payload": body}

    def postprocess(row: dict[str, Any]) -> dict[str, Any]:
        return {"ok": "choices" in json.dumps(row.get("http_response", ""))}

    config = HttpRequestProcessorConfig(
        url=f"{server.base_url}/chat/completions",
        headers={"Authorization": "Bearer sk-bench"},
        qps=qps,
        batch_size=16,
        concurrency=2,
    )
    processor = build_processor(config, preprocess=preprocess, postprocess=postprocess)
    ds = ray.data.from_items([{"path": p} for p in paths], override_num_blocks=16)
    started = time.monotonic()
    rows = processor(ds).take_all()
    took = time.monotonic() - started
    assert len(rows) == len(paths)
    assert all(r["ok"] for r in rows)
    return took


def run(photos: int = 48, rows: int = 60, limit_per_s: int = 60) -> Section:
    section = Section("8. The Ray Data stage (local Ray, 2 CPUs)")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        paths = distinct_photos(photos)
        scaling = []
        for workers in (1, 2):
            with TimedServer() as server:
                wall = run_stage(
                    paths,
                    server,
                    workers=workers,
                    rate_limit=0,
                    num_cpus=1,
                    max_in_flight=8,
                )
                scaling.append((workers, server.rate(), wall))
        small = small_images(rows)
        with TimedServer(delay_s=0.2) as server:
            ours_wall = run_stage(
                small, server, workers=2, rate_limit=limit_per_s * 60, max_in_flight=16
            )
            ours = server.rate()
        with TimedServer(delay_s=0.2) as server:
            theirs_wall = run_llm_processor(small, server, qps=limit_per_s // 2)
            theirs = server.rate()
        accuracy_limit, accuracy_rows = 20, small * 4
        with TimedServer() as server:
            run_stage(
                accuracy_rows,
                server,
                workers=2,
                rate_limit=accuracy_limit * 60,
                max_in_flight=8,
            )
            achieved = server.rate()
    finally:
        ray.shutdown()

    speedup = scaling[1][1] / scaling[0][1]
    section.add(
        f'{photos} distinct 12 MP JPEGs (4032x3024) as `{{"path": ...}}` rows, '
        "`describe`, against an instant loopback server; rows/s from the server's "
        "first to last arrival (actor start-up excluded; wall time includes it):",
        "",
        *table(
            ["workers", "rows/s", "wall s"],
            [[w, f"{r:.1f}", f"{t:.1f}"] for w, r, t in scaling],
        ),
        "",
        f"{rows} small PNGs, a server answering in 200 ms, the same total limit "
        f"({limit_per_s} requests/s): this stage (`vision_map`, 2 workers, 16 in "
        f"flight each, one cluster bucket) vs `ray.data.llm`'s "
        f"`HttpRequestProcessorConfig` (2 workers, `qps={limit_per_s // 2}` each):",
        "",
        *table(
            ["stage", "requests/s", "wall s"],
            [
                ["VisionStage", f"{ours:.1f}", f"{ours_wall:.1f}"],
                ["ray.data.llm HTTP processor", f"{theirs:.1f}", f"{theirs_wall:.1f}"],
            ],
        ),
        "",
        f"Rate-limit accuracy: {len(accuracy_rows)} rows, 2 workers, "
        f"limit {accuracy_limit}/s, "
        f"instant server: {achieved:.2f} requests/s achieved "
        f"({achieved / accuracy_limit:.3f} of the limit; the bucket aims at 0.95).",
    )
    section.targets += [
        Target(
            "Ray stage: 2 workers vs 1 on 12 MP photos",
            f"{speedup:.2f}x",
            ">= 1.8x",
            speedup >= 1.8,
            "2 cores shared with the driver, the server and Ray itself",
        ),
        Target(
            "Ray stage vs ray.data.llm HTTP processor (200 ms, same limit)",
            f"{ours / theirs:.2f}x",
            ">= 5x",
            ours / theirs >= 5,
        ),
        Target(
            "Ray stage rate-limit accuracy (achieved / limit)",
            f"{achieved / accuracy_limit:.3f}",
            "0.9 - 1.0",
            0.9 <= achieved / accuracy_limit <= 1.0,
        ),
    ]
    return section


def markdown(section: Section) -> str:
    lines = [f"## {section.title}", "", *section.lines, ""]
    lines += table(
        ["target", "measured", "goal", "verdict", "note"],
        [
            [t.name, t.measured, t.wanted, f"**{t.verdict}**", t.note]
            for t in section.targets
        ],
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--append", action="store_true", help="add to RESULTS.md")
    args = parser.parse_args()
    text = markdown(run())
    print(text)
    if args.append:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
