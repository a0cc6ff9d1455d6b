"""Outgoing messages: every image block becomes a valid ``image_url`` part.

Two jobs, both on LangChain messages before langchain-openai converts them:

1. Each image block, in any LangChain form, is replaced by an OpenAI
   ``{"type": "image_url", "image_url": {"url": ..., "detail"?: ...}}`` part,
   after passing through the image pipeline (policy, fetch, right-size, encode)
   unless preprocessing is off.
2. Images inside a ``ToolMessage`` (the chat-completions ``tool`` role takes text
   only) are moved into a user message that follows the tool results, so images
   returned by tools still reach the model.

Example:
    >>> from langchain_core.messages import HumanMessage
    >>> from langchain_gravix_vision.message_images import prepare_messages
    >>> msg = HumanMessage([{"type": "image", "url": "https://example.com/a.png"}])
    >>> prepare_messages([msg], policy=None, resolution=None)[0].content
    [{'type': 'image_url', 'image_url': {'url': 'https://example.com/a.png'}}]
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from langchain_gravix_vision.images import (
    ImagePolicy,
    block_detail,
    image_from_content_block,
    is_image_block,
    load_image,
)
from langchain_gravix_vision.images.fetch import check_url
from langchain_gravix_vision.images.sources import sniff_mime_type
from langchain_gravix_vision.profiles import ImageResolution

TOOL_IMAGE_NOTE = "[image returned by the tool; attached in the next user message]"


def to_wire_image_block(
    block: dict[str, Any],
    *,
    policy: ImagePolicy | None,
    resolution: ImageResolution | None,
) -> dict[str, Any]:
    """Return the ``image_url`` part for one LangChain image block.

    With a ``policy`` the image goes through ``load_image`` (http URLs are
    fetched unless ``policy.url_mode == "pass_through"``, where they are only
    checked without DNS and sent on); with ``None`` the source is only
    re-shaped. A local path in a block's URL is read under the policy's roots,
    so ``{"type": "image", "url": "photos/cat.jpg"}`` works in chat messages.

    Example:
        >>> to_wire_image_block(
        ...     {"type": "image_url", "image_url": "https://example.com/a.png"},
        ...     policy=None,
        ...     resolution=None,
        ... )
        {'type': 'image_url', 'image_url': {'url': 'https://example.com/a.png'}}
    """
    source = image_from_content_block(block)
    detail = block_detail(block)
    if policy is not None:
        passes_through = (
            isinstance(source, str)
            and source.startswith(("http://", "https://"))
            and policy.url_mode == "pass_through"
        )
        if not passes_through:
            return load_image(
                source, policy=policy, resolution=resolution
            ).to_content_block(detail)
        # The server will fetch it: still refuse schemes, credentials and
        # non-public literal addresses (no DNS here).
        source = check_url(str(source), policy)
    if isinstance(source, str) and source.startswith("data:;base64,"):
        source = base64.b64decode(source.removeprefix("data:;base64,"))
    if isinstance(source, bytes):
        encoded = base64.b64encode(source).decode("ascii")
        source = f"data:{sniff_mime_type(source)};base64,{encoded}"
    image_url: dict[str, Any] = {"url": source}
    if detail:
        image_url["detail"] = detail
    return {"type": "image_url", "image_url": image_url}


def _convert_content(
    content: str | list[Any],
    policy: ImagePolicy | None,
    resolution: ImageResolution | None,
) -> tuple[str | list[Any], list[dict[str, Any]]]:
    """Return (content with image blocks converted, the converted image blocks)."""
    if isinstance(content, str):
        return content, []
    converted: list[Any] = []
    images: list[dict[str, Any]] = []
    for block in content:
        if is_image_block(block):
            wire = to_wire_image_block(block, policy=policy, resolution=resolution)
            converted.append(wire)
            images.append(wire)
        else:
            converted.append(block)
    return converted, images


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
    out: list[BaseMessage] = []
    pending: list[dict[str, Any]] = []
    for message in messages:
        if pending and not isinstance(message, ToolMessage):
            out.append(_tool_images_message(pending))
            pending = []
        content, images = _convert_content(message.content, policy, resolution)
        if isinstance(message, ToolMessage) and images:
            text = [b for b in content if not (isinstance(b, dict) and b in images)]
            text.append({"type": "text", "text": TOOL_IMAGE_NOTE})
            out.append(message.model_copy(update={"content": text}))
            pending.extend(images)
        elif images:
            out.append(message.model_copy(update={"content": content}))
        else:
            out.append(message)
    if pending:
        out.append(_tool_images_message(pending))
    return out


def _tool_images_message(images: list[dict[str, Any]]) -> HumanMessage:
    return HumanMessage(
        [
            {"type": "text", "text": "Images returned by the tool call(s) above:"},
            *images,
        ]
    )
