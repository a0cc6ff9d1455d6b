"""Outgoing messages: every image block becomes a valid ``image_url`` part.

Two jobs, both on LangChain messages before langchain-openai converts them:

1. Each image block, in any LangChain form, is replaced by an OpenAI
   ``{"type": "image_url", "image_url": {"url": ..., "detail"?: ...}}`` part,
   after passing through the image pipeline (policy, fetch, right-size, encode)
   unless preprocessing is off.
2. Images inside a ``ToolMessage`` (the chat-completions ``tool`` role takes text
   only) are moved into a user message that follows the tool results, so images
   returned by tools still reach the model.
3. Each video block becomes its sampled frames, each an ``image_url`` part
   after a ``"t=12.0s"`` text part (``video.prepare_video``).

Example:
    >>> from langchain_core.messages import HumanMessage
    >>> from langchain_gravix_vision.chat_models._message_images import prepare_messages
    >>> msg = HumanMessage([{"type": "image", "url": "https://example.com/a.png"}])
    >>> prepare_messages([msg], policy=None, resolution=None)[0].content
    [{'type': 'image_url', 'image_url': {'url': 'https://example.com/a.png'}}]
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from langchain_gravix_vision.errors import ImageTooLarge, UnsupportedImageFormat
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.images._blocks import (
    BlockSource,
    is_file_block,
    is_frame_block,
    is_image_block,
    parse_file_block,
    parse_image_block,
)
from langchain_gravix_vision.images._raw import sniff_mime_type
from langchain_gravix_vision.images._sources import read_block, source_kind
from langchain_gravix_vision.images._urls import check_url
from langchain_gravix_vision.inputs import open_pages, prepare_page, prepare_pages
from langchain_gravix_vision.resolution import ImageResolution
from langchain_gravix_vision.video import (
    is_video_block,
    parse_video_block,
    prepare_video,
)

TOOL_IMAGE_NOTE = "[image returned by the tool; attached in the next user message]"


def _wire_url(
    source: BlockSource,
    policy: ImagePolicy | None,
    resolution: ImageResolution | None,
) -> str:
    """The ``image_url.url`` to send for one parsed block."""
    if source.prepared:  # made by PreparedImage.to_message_block: final already
        return f"data:{source.mime_type};base64,{source.value!s}"
    if policy is not None:
        passes_through = (
            source.kind == "url"
            and source_kind(str(source.value)) == "http"
            and policy.url_mode == "pass_through"
        )
        if not passes_through:
            raw = read_block(source, policy)
            return prepare_page(
                raw, policy=policy, resolution=resolution, detail=source.detail
            ).data_url
        # The server will fetch it: still refuse schemes, credentials and
        # non-public literal addresses (no DNS here).
        return check_url(str(source.value), policy)
    # Preprocessing off: only re-shape the block.
    if source.kind == "url":
        return str(source.value)
    if source.kind == "base64" and source.mime_type:
        return f"data:{source.mime_type};base64,{source.value!s}"
    data = (
        source.value
        if isinstance(source.value, bytes)
        else base64.b64decode(source.value)
    )
    encoded = base64.b64encode(data).decode("ascii")
    return f"data:{sniff_mime_type(data)};base64,{encoded}"


def to_wire_image_block(
    block: dict[str, Any],
    *,
    policy: ImagePolicy | None,
    resolution: ImageResolution | None,
) -> dict[str, Any]:
    """Return the ``image_url`` part for one LangChain image block.

    With a ``policy`` the image goes through the pipeline (http URLs are
    fetched unless ``policy.url_mode == "pass_through"``, where they are only
    checked without DNS and sent on); with ``None`` the source is only
    re-shaped. Blocks follow the one rule of ``parse_image_block``: a local
    path in a block's URL is read under the policy's roots, so
    ``{"type": "image", "url": "photos/cat.jpg"}`` works in chat messages.
    Blocks from ``PreparedImage.to_message_block`` are sent as they are.

    Example:
        >>> to_wire_image_block(
        ...     {"type": "image_url", "image_url": "https://example.com/a.png"},
        ...     policy=None,
        ...     resolution=None,
        ... )
        {'type': 'image_url', 'image_url': {'url': 'https://example.com/a.png'}}
    """
    source = parse_image_block(block)
    image_url: dict[str, Any] = {"url": _wire_url(source, policy, resolution)}
    if source.detail:
        image_url["detail"] = source.detail
    return {"type": "image_url", "image_url": image_url}


def _convert_content(
    content: str | list[Any],
    policy: ImagePolicy | None,
    resolution: ImageResolution | None,
) -> tuple[str | list[Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (content converted, its image parts, its video parts).

    A video's parts are its frames' labels and images, in order.
    """
    if isinstance(content, str):
        return content, [], []
    converted: list[Any] = []
    images: list[dict[str, Any]] = []
    videos: list[dict[str, Any]] = []
    for block in content:
        if is_video_block(block):
            parts = video_parts(block, policy, resolution)
            converted.extend(parts)
            videos.extend(parts)
        elif is_image_block(block):
            wire = to_wire_image_block(block, policy=policy, resolution=resolution)
            converted.append(wire)
            # A prepared video frame is capped by VideoPolicy, not max_images.
            (videos if is_frame_block(block) else images).append(wire)
        elif is_file_block(block):
            pages = _pdf_page_blocks(block, policy, resolution)
            converted.extend(pages)
            images.extend(pages)
        else:
            converted.append(block)
    return converted, images, videos


def _pdf_page_blocks(
    block: dict[str, Any],
    policy: ImagePolicy | None,
    resolution: ImageResolution | None,
) -> list[dict[str, Any]]:
    """A PDF ``file`` block as one ``image_url`` part per page (up to the cap).

    The chat endpoint takes text and images only (Ollama answers 400 to
    files), so pages are rendered at the model's size; other files are refused.
    """
    if policy is not None:
        raw = read_block(parse_file_block(block), policy)
        with open_pages(raw, policy) as opened:
            if opened.is_pdf:
                pages = prepare_pages(opened, resolution)
                return [page.to_content_block() for page in pages]
    raise UnsupportedImageFormat(
        "file blocks other than images and PDFs are not supported by the chat"
        " endpoint (PDFs need image preprocessing on); send images"
    )


def video_parts(
    block: dict[str, Any],
    policy: ImagePolicy | None,
    resolution: ImageResolution | None,
) -> list[dict[str, Any]]:
    """A video block as its sampled frames: a ``"t=…s"`` text part before each.

    The chat endpoint takes no video (Ollama's OpenAI layer reads text and
    images), so the video is sampled here (``VideoPolicy``); ``detail`` and
    ``max_frames`` may come in the block's ``extras``.
    """
    if policy is None:
        raise UnsupportedImageFormat(
            "video blocks need image preprocessing on (the server takes images,"
            " not video); set an image_policy"
        )
    parsed = parse_video_block(block)
    video = prepare_video(
        block,
        policy=policy,
        resolution=resolution,
        detail=parsed.detail,
        max_frames=parsed.max_frames,
    )
    return video.to_content_blocks(parsed.detail)


def prepare_messages(
    messages: Sequence[BaseMessage],
    *,
    policy: ImagePolicy | None,
    resolution: ImageResolution | None,
) -> list[BaseMessage]:
    """Convert every image block and move tool-message images to a user message.

    Example:
        >>> from langchain_core.messages import ToolMessage
        >>> tool = ToolMessage(
        ...     [{"type": "image", "url": "https://example.com/a.png"}],
        ...     tool_call_id="1",
        ... )
        >>> out = prepare_messages([tool], policy=None, resolution=None)
        >>> [m.type for m in out]
        ['tool', 'human']
    """
    if policy is not None:
        _check_image_count(messages, policy)
    out: list[BaseMessage] = []
    pending: list[dict[str, Any]] = []
    sent = count = 0
    for message in messages:
        if pending and not isinstance(message, ToolMessage):
            out.append(_tool_images_message(pending))
            pending = []
        content, images, videos = _convert_content(message.content, policy, resolution)
        moved = images + videos
        if policy is not None and moved:
            sent += sum(
                len(part["image_url"]["url"])
                for part in moved
                if part.get("type") == "image_url"
            )
            _check_request_bytes(sent, policy)
            count += len(images)  # frames: capped by VideoPolicy instead
            _check_image_count(messages, policy, count)
        if isinstance(message, ToolMessage) and moved:
            kept = {id(part) for part in moved}
            text = [b for b in content if id(b) not in kept]
            text.append({"type": "text", "text": TOOL_IMAGE_NOTE})
            out.append(message.model_copy(update={"content": text}))
            pending.extend(moved)
        elif moved:
            out.append(message.model_copy(update={"content": content}))
        else:
            out.append(message)
    if pending:
        out.append(_tool_images_message(pending))
    return out


def needs_reading(messages: Sequence[BaseMessage]) -> bool:
    """Whether preparing ``messages`` may read, fetch or decode anything.

    False when every image block was made by ``PreparedImage.to_message_block``
    (or there is none): then :func:`prepare_messages` only re-shapes blocks,
    which is too little work to send to a thread.

    Example:
        >>> from langchain_core.messages import HumanMessage
        >>> needs_reading([HumanMessage("Hi")])
        False
    """
    return any(
        is_file_block(block)
        or is_video_block(block)
        or (is_image_block(block) and not parse_image_block(block).prepared)
        for message in messages
        if isinstance(message.content, list)
        for block in message.content
        if isinstance(block, dict)
    )


def _check_image_count(
    messages: Sequence[BaseMessage], policy: ImagePolicy, count: int | None = None
) -> None:
    """Refuse more than ``max_images`` images (``count``: PDF pages included)."""
    if count is None:
        count = sum(
            1
            for message in messages
            if isinstance(message.content, list)
            for block in message.content
            if is_image_block(block) and not is_frame_block(block)
        )
    if count > policy.max_images:
        raise ImageTooLarge(
            f"the request carries {count} images; the limit is {policy.max_images}"
            " (ImagePolicy.max_images). Send fewer images, or drop old ones from"
            " the history."
        )


def _check_request_bytes(sent: int, policy: ImagePolicy) -> None:
    if sent > policy.max_request_image_bytes:
        raise ImageTooLarge(
            f"the request's images exceed {policy.max_request_image_bytes:,} bytes"
            " once encoded (ImagePolicy.max_request_image_bytes). Send fewer or"
            " smaller images."
        )


def _tool_images_message(images: list[dict[str, Any]]) -> HumanMessage:
    return HumanMessage(
        [
            {"type": "text", "text": "Images returned by the tool call(s) above:"},
            *images,
        ]
    )
