"""Section 8: a video's frames by seeking to the sampled ones vs decoding every frame.

The clip: 60 s of 1080p at 30 fps, H.264 (libx264 superfast with B-frames, a
keyframe every 2 s, as
phones and streaming encoders commonly write), every frame different (a moving
gradient and its frame number). Each strategy runs in its own fresh process
(``python -m benchmarks.video --worker MODE CLIP``), three times, keeping the
median time and the process's peak RSS:

- ours: ``prepare_video`` with its defaults (Qwen2.5-VL's 2 fps rule within the
  token budget; a sampled time may move to a keyframe within half an interval);
- ours, exact times: the same with ``snap_to_keyframes=0`` (Qwen's exact frames);
- ours, 32 frames: ``max_frames=32`` (a frame every ~2 s, as sparse as the
  keyframes);
- decode every frame: PyAV decodes the whole stream and the exact sampled
  frames of the defaults are converted and encoded as ours are (the same
  output).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._common import Config, Section, Target, fmt_bytes, run_worker, table

MODES = {
    "ours": "`prepare_video` (defaults: keyframe snapping)",
    "exact": "`prepare_video(snap_to_keyframes=0)` (exact times)",
    "sparse": "`prepare_video(max_frames=32)` (defaults otherwise)",
    "decode-all": "decode every frame, convert the sampled ones (defaults)",
}
GOAL = 5.0


def make_clip(path: Path, seconds: float, size: tuple[int, int], fps: int) -> None:
    """Encode the benchmark clip: every frame distinct, a keyframe every 2 s."""
    import av
    import numpy as np

    width, height = size
    ramp = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    rows = np.linspace(0, 96, height, dtype=np.float32)[:, None, None]
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream(
            "libx264", rate=fps, options={"g": str(2 * fps), "preset": "superfast"}
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(round(seconds * fps)):
            shift = (i * 7) % 256
            frame = ((ramp + rows + shift) % 256).astype(np.uint8)
            frame = np.broadcast_to(frame, (height, width, 3)).copy()
            frame[: height // 10, : (i % width)] = (255, 0, 0)
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in stream.encode(video_frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _decode_all(data: bytes) -> dict[str, Any]:
    """Decode every frame; convert and encode the exact sampled ones."""
    import av

    from langchain_gravix_vision.images import ImagePolicy
    from langchain_gravix_vision.images._encode import encode
    from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
    from langchain_gravix_vision.resolution import target_size
    from langchain_gravix_vision.video._plan import (
        frame_count,
        frame_resolution,
        frames_within_budget,
        sample_times,
    )

    policy = ImagePolicy()
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate)
        duration = float(stream.duration * stream.time_base)
        n = frame_count(duration, stream.frames, policy.video)
        n = frames_within_budget(n, policy.video, QWEN25VL_RESOLUTION, None)
        wanted = {round(t * rate) for t in sample_times(duration, n, rate)}
        sized = frame_resolution(n, policy.video, QWEN25VL_RESOLUTION, None)
        width, height = stream.codec_context.width, stream.codec_context.height
        target = target_size(width, height, sized)
        decoded = sent = 0
        for index, frame in enumerate(container.decode(stream)):
            decoded += 1
            if index in wanted:
                image = frame.to_image(
                    width=target[0], height=target[1], interpolation="AREA"
                )
                encode(image, policy)
                sent += 1
    return {"decoded": decoded, "frames": sent}


def _ours(data: bytes, mode: str) -> dict[str, Any]:
    from langchain_gravix_vision.images import ImagePolicy, VideoPolicy
    from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
    from langchain_gravix_vision.video import prepare_video

    exact = ImagePolicy(video=VideoPolicy(snap_to_keyframes=0))
    video = prepare_video(
        data,
        policy=exact if mode == "exact" else None,
        resolution=QWEN25VL_RESOLUTION,
        max_frames=32 if mode == "sparse" else None,
    )
    return {
        "decoded": video.decoded_frames,
        "frames": len(video.frames),
        "tokens": video.image_tokens,
        "size": list(video.frames[0].image.sent_size),
        "sent_bytes": video.sent_bytes,
    }


def worker(mode: str, clip: Path, reps: int) -> dict[str, Any]:
    """Time ``reps`` runs of one strategy; report the median and the peak RSS."""
    import av  # noqa: F401 (imports are not timed)

    import langchain_gravix_vision.video  # noqa: F401
    from benchmarks.memory import peak_rss

    data = clip.read_bytes()
    times, info = [], {}
    for _ in range(reps):
        start = time.perf_counter()
        info = _decode_all(data) if mode == "decode-all" else _ours(data, mode)
        times.append(time.perf_counter() - start)
    return {"seconds": statistics.median(times), "peak": peak_rss(), **info}


def run(cfg: Config, tmp: Path) -> Section:
    """Section 8 of RESULTS.md."""
    section = Section("8. Video: seeking to sampled frames vs decoding every frame")
    try:
        import av  # noqa: F401 (the [video] extra)
    except ImportError:
        section.add("PyAV is not installed (`pip install -e '.[video]'`): skipped.")
        return section
    seconds, size = (4.0, (320, 240)) if cfg.smoke else (60.0, (1920, 1080))
    clip = tmp / "clip.mp4"
    began = time.perf_counter()
    make_clip(clip, seconds, size, fps=30)
    encoded = time.perf_counter() - began
    reps = "1" if cfg.smoke else "2"
    results = {
        mode: run_worker("benchmarks.video", ["--worker", mode, str(clip), reps])
        for mode in MODES
    }
    base = results["decode-all"]
    rows = [
        [
            MODES[mode],
            f"{r['seconds'] * 1000:.0f} ms",
            f"{base['seconds'] / r['seconds']:.1f}x",
            r["decoded"],
            r["frames"],
            fmt_bytes(r["peak"]),
        ]
        for mode, r in results.items()
    ]
    ours, exact = results["ours"], results["exact"]
    section.add(
        f"Clip: {seconds:.0f} s, {size[0]}x{size[1]}, 30 fps, H.264 (libx264"
        f" superfast, keyframe every 2 s), {fmt_bytes(clip.stat().st_size)}"
        f" (encoded in {encoded:.0f} s, not timed). Each strategy: a fresh"
        f" process, median of {reps} runs; peak RSS of that process"
        " (the clip's bytes included).",
        "",
        *table(
            ["strategy", "time", "vs decode-all", "frames decoded", "frames sent",
             "peak RSS"],
            rows,
        ),
        "",
        f"Sent: {ours['frames']} frames of {ours['size'][0]}x{ours['size'][1]},"
        f" {ours['tokens']:,} image tokens, {fmt_bytes(ours['sent_bytes'])} encoded.",
    )  # fmt: skip
    ratio = base["seconds"] / ours["seconds"]
    exact_ratio = base["seconds"] / exact["seconds"]
    sparse_ratio = base["seconds"] / results["sparse"]["seconds"]
    section.targets.append(
        Target(
            "Preparing a 60 s 1080p clip by seeking >= 5x faster than decoding all",
            f"{ratio:.1f}x (exact times: {exact_ratio:.1f}x;"
            f" 32 frames: {sparse_ratio:.1f}x)",
            f">= {GOAL:g}x",
            None if cfg.smoke else ratio >= GOAL,
            "verdict on the defaults (2 fps); see the note below",
        )
    )
    section.targets.append(
        Target(
            "Peak memory preparing the clip",
            f"{fmt_bytes(ours['peak'])} (decode-all: {fmt_bytes(base['peak'])})",
            "< 900 MB",
            None if cfg.smoke else ours["peak"] < 900 * 1024 * 1024,
        )
    )
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.video")
    parser.add_argument("--worker", choices=sorted(MODES), required=True)
    parser.add_argument("clip", type=Path)
    parser.add_argument("reps", type=int)
    args = parser.parse_args(argv)
    print(json.dumps(worker(args.worker, args.clip, args.reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
