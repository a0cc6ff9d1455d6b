"""Videos for image-only vision APIs: sampled frames, each after its time label.

Gravix (Ollama's OpenAI layer) takes images, not video. ``prepare_video``
samples a video on the client the way Qwen2.5-VL's own preprocessing does
(``VideoPolicy``: 2 frames a second, 4 to 768, an even count, within a pixel
and token budget), decodes only the sampled frames (seeking to keyframes),
turns them upright at the model's size and returns a ``PreparedVideo``: its
frames as images, each sent after a text label ``"t=12.0s"``. Needs the
``[video]`` extra (PyAV, whose wheels carry FFmpeg).

Example:
    >>> from langchain_gravix_vision.video import VideoPolicy, frame_label
    >>> VideoPolicy().fps, frame_label(1.5)
    (2.0, 't=1.5s')
"""

from langchain_gravix_vision.images import VideoPolicy
from langchain_gravix_vision.video._blocks import is_video_block, parse_video_block
from langchain_gravix_vision.video._decode import VIDEO_SUFFIXES
from langchain_gravix_vision.video._prepare import (
    PreparedVideo,
    VideoFrame,
    VideoSource,
    frame_label,
    prepare_video,
    read_video,
)

__all__ = [
    "VIDEO_SUFFIXES",
    "PreparedVideo",
    "VideoFrame",
    "VideoPolicy",
    "VideoSource",
    "frame_label",
    "is_video_block",
    "parse_video_block",
    "prepare_video",
    "read_video",
]
