"""Video sampling: Qwen2.5-VL's rule, the budget, and frames read back by content.

Every clip is made here with PyAV; each frame shows its own index (see
``_clips``), so a test reads which frame was sent from the pixels and checks
that its label gives that frame's time.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from langchain_gravix_vision import ImagePolicy, VideoPolicy
from langchain_gravix_vision.profiles import GEMMA3_RESOLUTION, QWEN25VL_RESOLUTION
from langchain_gravix_vision.resolution import IMAGE_MARKER_TOKENS
from langchain_gravix_vision.video import PreparedVideo, prepare_video
from langchain_gravix_vision.video._plan import (
    frame_count,
    frame_resolution,
    frames_within_budget,
    sample_times,
    snap_times,
)

pytest.importorskip("av")

from tests.unit_tests.video._clips import frame_index, is_upright, make_clip


def _pixels(video: PreparedVideo, i: int) -> np.ndarray:
    data = video.frames[i].image.data
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def _exact(**limits: object) -> ImagePolicy:
    return ImagePolicy(video=VideoPolicy(snap_to_keyframes=0, **limits))


# -- the rule, as numbers ----------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "frames", "expected"),
    [
        (60.0, 1800, 120),  # 2 fps
        (1.0, 30, 4),  # at least 4
        (3.0, 3, 2),  # no more than the video has, even
        (1.0, 1, 1),  # a single frame stays one
        (1000.0, None, 768),  # at most 768
        (2.7, 81, 4),  # 5.4 -> 5 -> even
    ],
)
def test_frame_count_follows_qwen(
    duration: float, frames: int | None, expected: int
) -> None:
    assert frame_count(duration, frames, VideoPolicy()) == expected


def test_a_caller_cap_and_the_policy_cap_both_apply() -> None:
    assert frame_count(60.0, 1800, VideoPolicy(), max_frames=7) == 6
    assert frame_count(60.0, 1800, VideoPolicy(max_frames=10), max_frames=50) == 10


def test_sample_times_span_first_to_last_frame() -> None:
    times = sample_times(10.0, 4, 30.0)
    assert times[0] == 0.0
    assert times[-1] == pytest.approx(299 / 30)
    assert all(round(t * 30, 6).is_integer() for t in times)  # whole frames


def test_snapping_moves_only_within_tolerance_and_never_reuses() -> None:
    assert snap_times([0.0, 0.5, 1.0], [0.0, 0.1, 2.0], 0.2) == [0.0, 0.5, 1.0]
    assert snap_times([0.0, 0.1], [0.05], 0.1) == [0.05, 0.1]
    assert snap_times([1.0], [1.4], 0.0) == [1.0]


def test_budget_shrinks_frames_then_drops_frames() -> None:
    policy = VideoPolicy()
    res = frame_resolution(120, policy, QWEN25VL_RESOLUTION, None)
    per_frame = res["max_pixels"] // 784 + IMAGE_MARKER_TOKENS
    assert 120 * per_frame <= policy.max_video_tokens
    assert res["max_pixels"] <= policy.frame_max_pixels
    # 768 frames cannot all fit at their smallest: fewer are sent.
    n = frames_within_budget(768, policy, QWEN25VL_RESOLUTION, None)
    assert n % 2 == 0
    assert n * (policy.frame_min_pixels // 784 + IMAGE_MARKER_TOKENS) <= 24576
    # Gemma costs 258 tokens a frame whatever its size.
    assert frames_within_budget(768, policy, GEMMA3_RESOLUTION, None) == 94


# -- real clips -----------------------------------------------------------------


@pytest.fixture(scope="module")
def clip() -> bytes:
    return make_clip(6.0, fps=30, gop=15)


def test_labels_give_the_time_of_the_frame_sent(clip: bytes) -> None:
    video = prepare_video(clip, policy=_exact(), resolution=QWEN25VL_RESOLUTION)
    assert len(video.frames) == 12  # 6 s at 2 fps
    for i, frame in enumerate(video.frames):
        shown = frame_index(_pixels(video, i))
        assert frame.time == pytest.approx(shown / 30, abs=1e-6)
        assert frame.label == f"t={shown / 30:.1f}s"
    expected = [round(i * 179 / 11) / 30 for i in range(12)]
    assert video.times == pytest.approx(expected)


def test_snapped_frames_are_still_labelled_with_their_own_time(clip: bytes) -> None:
    video = prepare_video(clip, resolution=QWEN25VL_RESOLUTION)
    exact = prepare_video(clip, policy=_exact(), resolution=QWEN25VL_RESOLUTION)
    for i, frame in enumerate(video.frames):
        assert frame.time == pytest.approx(frame_index(_pixels(video, i)) / 30)
    assert video.decoded_frames < exact.decoded_frames
    interval = exact.times[1] - exact.times[0]
    for snapped, target in zip(video.times, exact.times, strict=True):
        assert abs(snapped - target) <= interval / 2 + 1e-6


def test_only_sampled_frames_are_decoded() -> None:
    clip = make_clip(20.0, fps=30, gop=30)  # a keyframe a second
    video = prepare_video(
        clip, policy=ImagePolicy(video=VideoPolicy(fps=0.5)), resolution=None
    )
    assert len(video.frames) == 10
    assert video.stream_frames == 600
    assert video.decoded_frames <= 3 * len(video.frames)


def test_frames_are_upright_at_the_models_size(clip: bytes) -> None:
    video = prepare_video(clip, resolution=QWEN25VL_RESOLUTION)
    for i, frame in enumerate(video.frames):
        width, height = frame.image.sent_size
        assert width % 28 == 0
        assert height % 28 == 0
        assert is_upright(_pixels(video, i))
        assert Image.open(io.BytesIO(frame.image.data)).size == (width, height)


@pytest.mark.parametrize("rotation", [-90, 90, 180])
def test_rotated_phone_video_is_sent_upright(rotation: int) -> None:
    clip = make_clip(1.0, size=(320, 240), rotation=rotation)
    video = prepare_video(clip, resolution=QWEN25VL_RESOLUTION)
    pixels = _pixels(video, 0)
    width, height = video.frames[0].image.sent_size
    assert (width < height) == (rotation % 180 != 0)
    # The display matrix turns counter-clockwise by `rotation` degrees.
    upright = np.asarray(Image.fromarray(pixels).rotate(-rotation, expand=True))
    assert is_upright(upright)


def test_detail_low_and_max_image_tokens_cap_each_frame(clip: bytes) -> None:
    big = make_clip(2.0, size=(1280, 720))
    low = prepare_video(big, resolution=QWEN25VL_RESOLUTION, detail="low")
    assert all(f.image.image_tokens <= 256 + 2 for f in low.frames)
    capped = prepare_video(
        big,
        policy=ImagePolicy(max_image_tokens=64),
        resolution=QWEN25VL_RESOLUTION,
    )
    assert all(f.image.image_tokens <= 64 + 2 for f in capped.frames)


def test_the_total_budget_holds(clip: bytes) -> None:
    policy = ImagePolicy(video=VideoPolicy(max_video_tokens=600))
    video = prepare_video(
        make_clip(4.0, size=(640, 360)), policy=policy, resolution=QWEN25VL_RESOLUTION
    )
    assert video.image_tokens <= 600
    assert len(video.frames) >= 2


def test_max_frames_caps_the_count(clip: bytes) -> None:
    video = prepare_video(clip, resolution=QWEN25VL_RESOLUTION, max_frames=3)
    assert len(video.frames) == 2  # even


@pytest.mark.parametrize(
    ("container", "codec"),
    [("matroska", "libx264"), ("avi", "mpeg4"), ("webm", "libvpx")],
)
def test_other_containers(container: str, codec: str) -> None:
    clip = make_clip(2.0, container=container, codec=codec)
    video = prepare_video(clip, policy=_exact(), resolution=QWEN25VL_RESOLUTION)
    assert len(video.frames) == 4
    for i, frame in enumerate(video.frames):
        # Matroska keeps milliseconds.
        assert frame.time == pytest.approx(
            frame_index(_pixels(video, i)) / 30, abs=1e-3
        )


def test_content_blocks_put_each_label_before_its_frame(clip: bytes) -> None:
    video = prepare_video(clip, resolution=QWEN25VL_RESOLUTION, max_frames=4)
    parts = video.to_content_blocks()
    assert [p["type"] for p in parts] == ["text", "image_url"] * 4
    assert [p["text"] for p in parts[::2]] == [f.label for f in video.frames]
    assert "PreparedVideo(4 frames" in repr(video)


def _three_scenes() -> bytes:
    """Red, green, blue scenes of 2 s (a keyframe at each cut, and every 1.5 s)."""
    import av
    from av.video.frame import PictureType

    buffer = io.BytesIO()
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream(
            "libx264", rate=30, options={"g": "45", "preset": "ultrafast"}
        )
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(180):
            pixels = np.zeros((240, 320, 3), np.uint8)
            pixels[:] = colours[i // 60]
            pixels[100:140, (i * 2) % 300 : (i * 2) % 300 + 20] = 255  # motion
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            if i % 60 == 0:  # an encoder puts a keyframe at a cut
                frame.pict_type = PictureType.I
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


def test_scene_sampling_sends_one_frame_per_scene() -> None:
    scenes = ImagePolicy(video=VideoPolicy(sampling="scenes"))
    video = prepare_video(_three_scenes(), policy=scenes, resolution=None)
    assert video.times == pytest.approx([0.0, 2.0, 4.0])
    dominant = [int(np.argmax(_pixels(video, i)[10, 10])) for i in range(3)]
    assert dominant == [0, 1, 2]  # red, green, blue: each scene's own frame
    assert video.decoded_frames <= 6 + 3  # the keyframes, then the three sent
    capped = prepare_video(
        _three_scenes(), policy=scenes, resolution=None, max_frames=2
    )
    assert len(capped.frames) == 2
