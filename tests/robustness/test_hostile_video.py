"""Hostile videos: typed errors within 5 s CPU and 900 MB, and nothing sent (issue 27).

Each file is made here, small: real clips from PyAV with their headers patched
(an AVI declaring a million frames or a 100,000 x 100,000 frame), a clip whose
coded data is noise, a truncated one, a ten-hour one (ten frames an hour
apart), a GIF bomb passed as a video, an HLS playlist naming a local file.
The costly ones run in a child process (``_limits.run_bounded``) that reports
the CPU seconds and peak RSS it took.
"""

from __future__ import annotations

import io
import random
import struct
from fractions import Fraction
from pathlib import Path

import pytest

from langchain_gravix_vision import DescribeVideoTool, ImagePolicy, VideoPolicy
from langchain_gravix_vision.errors import GravixVisionError
from langchain_gravix_vision.video import prepare_video
from tests.robustness._limits import run_bounded
from tests.robustness._support import (
    assert_no_leak,
    call_tool,
    error_code,
    gif_with_frames,
    vision_model,
)
from tests.stand_in import StandInServer

av = pytest.importorskip("av")

from tests.unit_tests.video._clips import frame_array, make_clip  # noqa: E402

pytestmark = [pytest.mark.timeout(120)]


def _avi_patched(**fields: int) -> bytes:
    """A tiny raw-video AVI with header fields overwritten."""
    data = bytearray(make_clip(0.2, container="avi", codec="rawvideo", size=(32, 24)))
    avih, strh, strf = (data.find(tag) + 8 for tag in (b"avih", b"strh", b"strf"))
    if "frames" in fields:
        struct.pack_into("<I", data, avih + 16, fields["frames"])  # dwTotalFrames
        struct.pack_into("<I", data, strh + 32, fields["frames"])  # dwLength
    if "side" in fields:
        side = fields["side"]
        struct.pack_into("<II", data, avih + 32, side, side)  # dwWidth, dwHeight
        struct.pack_into("<ii", data, strf + 4, side, side)  # biWidth, biHeight
    return bytes(data)


def _noise_in_the_frames() -> bytes:
    data = bytearray(make_clip(2.0))
    start = data.find(b"mdat") + 8
    end = data.find(b"moov") if data.find(b"moov") > start else len(data)
    rng = random.Random(27)
    data[start:end] = bytes(rng.randrange(256) for _ in range(end - start))
    return bytes(data)


def _ten_hours() -> bytes:
    """Ten frames an hour apart: a real ten-hour file of 2 KB."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream(
            "libx264", rate=Fraction(1, 3600), options={"preset": "ultrafast"}
        )
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(frame_array(i, 64, 48), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


CASES = {
    "a_million_frames_declared": (
        lambda: _avi_patched(frames=10**6),
        "video_too_large",
    ),
    "100000x100000_frames": (lambda: _avi_patched(side=100_000), "invalid_video"),
    "10000x10000_frames": (lambda: _avi_patched(side=10_000), "video_too_large"),
    "noise_for_frames": (_noise_in_the_frames, "invalid_video"),
    "truncated": (lambda: make_clip(2.0)[:3000], "invalid_video"),
    "ten_hours": (_ten_hours, "video_too_large"),
    "gif_bomb": (lambda: gif_with_frames(10**6), "unsupported_video"),
    "hls_playlist": (
        lambda: b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n",
        "unsupported_video",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_video_is_a_typed_error_within_bounds(
    case: str, tmp_path: Path
) -> None:
    build, code = CASES[case]
    path = tmp_path / "hostile.bin"
    path.write_bytes(build())
    outcome = run_bounded(
        "prepare_video(data)",
        setup=(
            "import av\n"
            "from langchain_gravix_vision.video import prepare_video\n"
            f"data = open({str(path)!r}, 'rb').read()\n"
        ),
    )
    assert not outcome.ok, f"{case} was accepted"
    assert outcome.code == code, outcome.message
    assert outcome.within_bounds(), (outcome.cpu_s, outcome.peak_mb)


def test_byte_and_decode_limits_are_typed() -> None:
    small = ImagePolicy(video=VideoPolicy(max_video_bytes=1000))
    with pytest.raises(GravixVisionError) as info:
        prepare_video(make_clip(1.0), policy=small)
    assert info.value.code == "video_too_large"
    one_keyframe = make_clip(10.0, gop=1000)
    tight = ImagePolicy(video=VideoPolicy(max_decoded_frames=50, snap_to_keyframes=0))
    with pytest.raises(GravixVisionError) as info:
        prepare_video(one_keyframe, policy=tight)
    assert info.value.code == "video_too_large"


def test_the_tool_sends_nothing_for_hostile_videos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, (build, _) in CASES.items():
        (tmp_path / f"{name}.mp4").write_bytes(build())
    with StandInServer() as server:
        tool = DescribeVideoTool(llm=vision_model(server))
        for name, (_, code) in CASES.items():
            message = call_tool(tool, {"video": f"{name}.mp4"})
            assert error_code(message) == code, message.content
            assert_no_leak([str(message.content)], [tmp_path])
        outside = call_tool(tool, {"video": "/etc/hostname"})
        assert error_code(outside) in ("source_not_allowed", "not_found")
        assert server.requests == []
