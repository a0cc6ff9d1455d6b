"""``ImagePolicy``: the limits and permissions every image source goes through."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def normalize_host(host: str) -> str:
    """Return ``host`` in the form used to compare hosts.

    Lower case, without a trailing dot or IPv6 brackets; IP literals in their
    canonical form.

    Example:
        >>> normalize_host("[0:0::1]"), normalize_host("Images.Example.COM.")
        ('::1', 'images.example.com')
    """
    value = host.strip().lower().rstrip(".")
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value


class VideoPolicy(BaseModel):
    """How videos are sampled into frames, and the limits a video must stay within.

    The sampling defaults are Qwen2.5-VL's own (qwen-vl-utils
    ``vision_process.py``): 2 frames a second, 4 to 768 frames, an even
    count, each frame within 768 x 28 x 28 pixels and at least 128 x 28 x 28,
    all frames together within 24576 x 28 x 28 pixels (``max_video_tokens``
    image tokens). Every frame is sent as its own image, so the total is
    counted per frame (Qwen's processor merges frame pairs; here each frame
    costs its own tokens).

    Attributes:
        fps: Frames sampled per second of video.
        min_frames: Fewest frames sampled (fewer if the video has fewer).
        max_frames: Most frames one video sends.
        frame_max_pixels: Pixels one frame may keep.
        frame_min_pixels: Pixels a frame keeps at least when the total budget
            shrinks frames (fewer frames are sent rather than smaller ones).
        max_video_tokens: Image tokens all frames of one video may cost together.
        snap_to_keyframes: How far (a fraction of the sampling interval) a
            sampled time may move to a keyframe, which decodes alone; ``0``
            takes the exact times. Labels always give the frame's real time.
        sampling: ``"uniform"`` (the times above) or ``"scenes"``: one frame
            per scene, at the keyframes whose picture changes by at least
            ``scene_threshold`` (keyframes only are decoded to find them), at
            most the frame count the uniform rule gives.
        scene_threshold: Mean grey-level change (0-255) that starts a scene.
        max_video_bytes: Byte cap for video files, downloads and base64.
        max_seconds: Longest video accepted (its declared duration).
        max_stream_frames: Most frames a video may declare (an hour at 120 fps).
        max_decoded_frames: Frames decoded for one video at most (seeking
            decodes from the keyframe before each sampled time).
        decode_timeout: Seconds one video may take to sample.

    Example:
        >>> VideoPolicy().fps, VideoPolicy().max_frames, VideoPolicy().max_video_tokens
        (2.0, 768, 24576)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fps: float = Field(default=2.0, gt=0, le=60)
    min_frames: int = Field(default=4, ge=1)
    max_frames: int = Field(default=768, ge=1)
    frame_max_pixels: int = Field(default=768 * 28 * 28, ge=28 * 28)
    frame_min_pixels: int = Field(default=128 * 28 * 28, ge=28 * 28)
    max_video_tokens: int = Field(default=24576, ge=4)
    snap_to_keyframes: float = Field(default=0.5, ge=0, le=0.5)
    sampling: Literal["uniform", "scenes"] = "uniform"
    scene_threshold: float = Field(default=20.0, gt=0, le=255)
    max_video_bytes: int = Field(default=256 * 1024 * 1024, gt=0)
    max_seconds: float = Field(default=3600.0, gt=0)
    max_stream_frames: int = Field(default=432_000, gt=0)
    max_decoded_frames: int = Field(default=20_000, gt=0)
    decode_timeout: float = Field(default=60.0, gt=0)


class ImagePolicy(BaseModel):
    """Where images may come from and how big they may be, plus how to re-encode them.

    The defaults are safe for an agent that passes paths and URLs chosen by a
    model: local files only under the working directory, URLs fetched by the
    client through an SSRF-safe fetcher (public addresses only), 20 MB and
    50 megapixels at most. Every ``load_image`` call applies one policy.

    Attributes:
        allowed_roots: Directories local files must be under (after resolving
            symlinks). ``None`` means the current working directory at the
            time of use.
        allow_any_path: Explicit opt-in to read any regular file.
        url_mode: ``"fetch"`` (client-side, SSRF-safe), ``"pass_through"``
            (callers may forward the URL to the server; ``load_image`` still
            fetches) or ``"deny"``.
        allowed_hosts: Host names or IP literals admitted even if they resolve
            to a private or loopback address (images served internally).
        max_source_bytes: Byte cap for files, downloads and decoded base64.
        max_source_pixels: Pixel cap, checked from the image header before
            decoding. Pillow's own bomb limit (about 89 MP) also applies.
        max_jpeg_scans: Scans a (progressive) JPEG may have; encoders write
            about 10, and each scan is a full pass over the image.
        max_images: Images one chat request may carry, the whole history
            included (each read under the caps above).
        max_request_image_bytes: Encoded image bytes one chat request may
            carry (data URLs, summed).
        max_document_pages: Pages a PDF may have at all (a larger page tree
            is refused before any page is read: page-count bombs).
        max_pages: Pages one call reads from a document (a tool call, a chat
            ``file`` block, a loader file); ``extract_text`` reads at most
            this many by default.
        decode_timeout: Seconds one image may take to decode; the decode also
            stops when an async caller is cancelled.
        fetch_timeout: Seconds for a whole download, DNS and redirects included.
        max_redirects: Redirects followed, each one re-validated.
        resize: Resize to the model's resolution (``False``: send as decoded).
        upscale: Allow enlarging small images to the model's grid or size.
        encoding: ``"auto"`` (PNG for flat graphics, JPEG for photos),
            ``"jpeg"`` or ``"png"``.
        jpeg_quality: JPEG quality, 1 to 95.
        max_side_unknown: Longest side for models without a known resolution
            (used instead of the default resolution when set).
        max_image_tokens: Image tokens one image may cost on grid models
            (Qwen2.5-VL: one per 28 x 28 pixels); larger images are shrunk.
            ``None``: the server's maximum. ``detail="low"`` caps at 256.
            Applies to each frame of a video too.
        video: How videos are sampled, and their limits (``VideoPolicy``).

    Example:
        >>> from pathlib import Path
        >>> policy = ImagePolicy(allowed_roots=("/srv/images",), url_mode="deny")
        >>> policy.allowed_roots == (Path("/srv/images"),), policy.max_source_bytes
        (True, 20971520)
        >>> ImagePolicy(allowed_hosts="Images.Internal.").allowed_hosts
        ('images.internal',)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed_roots: tuple[Path, ...] | None = None
    allow_any_path: bool = False
    url_mode: Literal["fetch", "pass_through", "deny"] = "fetch"
    allowed_hosts: tuple[str, ...] = ()
    max_source_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_source_pixels: int = Field(default=50_000_000, gt=0)
    max_jpeg_scans: int = Field(default=100, gt=0)
    max_images: int = Field(default=20, gt=0)
    max_request_image_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    max_document_pages: int = Field(default=2000, gt=0)
    max_pages: int = Field(default=50, gt=0)
    decode_timeout: float = Field(default=20.0, gt=0)
    fetch_timeout: float = Field(default=10.0, gt=0)
    max_redirects: int = Field(default=3, ge=0, le=20)
    resize: bool = True
    upscale: bool = False
    encoding: Literal["auto", "jpeg", "png"] = "auto"
    jpeg_quality: int = Field(default=90, ge=1, le=95)
    max_side_unknown: int | None = Field(default=None, gt=0)
    max_image_tokens: int | None = Field(default=None, ge=4)
    video: VideoPolicy = Field(default_factory=VideoPolicy)

    @field_validator("allowed_roots", mode="before")
    @classmethod
    def _one_root(cls, value: Any) -> Any:
        if isinstance(value, (str, os.PathLike)):
            return (value,)
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = (value,)
        if isinstance(value, (list, tuple, set, frozenset)):
            hosts = []
            for host in value:
                if not isinstance(host, str) or not host.strip():
                    raise ValueError("allowed_hosts must be non-empty host names")
                hosts.append(normalize_host(host))
            return tuple(hosts)
        return value

    def root_dirs(self) -> tuple[str, ...]:
        """Return the allowed roots as real paths (symlinks resolved), now.

        Example:
            >>> import os
            >>> ImagePolicy().root_dirs() == (os.path.realpath(os.getcwd()),)
            True
        """
        roots = self.allowed_roots if self.allowed_roots is not None else (Path.cwd(),)
        return tuple(os.path.realpath(os.fspath(root)) for root in roots)

    def host_allowed(self, host: str) -> bool:
        """Return whether ``host`` is listed in ``allowed_hosts``.

        Example:
            >>> ImagePolicy(allowed_hosts=("127.0.0.1",)).host_allowed("127.0.0.1.")
            True
        """
        return normalize_host(host) in self.allowed_hosts


__all__ = ["ImagePolicy", "VideoPolicy", "normalize_host"]
