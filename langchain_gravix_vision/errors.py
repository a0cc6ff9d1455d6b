"""One exception hierarchy for the package: image, policy, capability and output errors.

Every message is written for the reader who has to act on it (a person or an
agent): it names the problem and what to do, and never contains a secret or a
path the caller did not give (a path is shown as given, never what it resolves
to). Each class carries a short machine-readable ``code``. A hint names the
``ImagePolicy`` field to change; the CLI and the MCP server name their own flags
instead (:func:`for_surface`).

Example:
    >>> from langchain_gravix_vision.errors import ImageTooLarge, GravixVisionError
    >>> err = ImageTooLarge("image is 120.0 MP; the limit is 40.0 MP")
    >>> isinstance(err, GravixVisionError), err.code
    (True, 'image_too_large')
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import openai
from pydantic import ValidationError

from langchain_gravix_vision._text import printable, short


class GravixVisionError(Exception):
    """Base class of every error this package raises on purpose."""

    code: str = "gravix_vision_error"

    def __str__(self) -> str:
        return super().__str__() or self.code


class ImageError(GravixVisionError, ValueError):
    """An image could not be turned into something the model can use."""

    code = "image_error"


class ImageSourceNotAllowed(ImageError):
    """The image source is refused by the image policy (path, scheme or host).

    Also raised for a path that is not a regular file (a missing one raises
    the subclass ``ImageNotFound``). Fix: move
    the file under ``ImagePolicy.allowed_roots``, or list the host in
    ``ImagePolicy.allowed_hosts`` if it is trusted.
    """

    code = "source_not_allowed"


class ImageNotFound(ImageSourceNotAllowed):
    """The path names no file (a subclass, so ``except ImageSourceNotAllowed`` holds).

    Example:
        >>> failure_message(ImageNotFound("cat.jpg was not found"))
        'not_found: cat.jpg was not found'
    """

    code = "not_found"


class ImageTooLarge(ImageError):
    """The image exceeds a byte, pixel, frame or response-size limit.

    Fix: downscale or compress the image, or raise the limit in ``ImagePolicy``.
    """

    code = "image_too_large"


class UnsupportedImageFormat(ImageError):
    """The bytes are not an image format this package can decode.

    Also raised for ``file`` blocks that hold no image, and when the server
    refuses an image's format. Fix: send JPEG, PNG, WebP, GIF, BMP or TIFF.
    """

    code = "unsupported_format"


class InvalidImageData(ImageError):
    """The data is malformed: bad base64, truncated file, or a MIME type that lies."""

    code = "invalid_image_data"


class InvalidDocumentError(InvalidImageData):
    """A PDF that cannot be read: corrupt, truncated or not really a PDF."""

    code = "invalid_document"


class EncryptedDocumentError(ImageError):
    """A PDF protected by a password; decrypt it first (``qpdf --decrypt``)."""

    code = "encrypted_document"


class InvalidPageRange(ImageError):
    """A page selection that does not parse or does not fit the document."""

    code = "invalid_pages"


class ImageFetchError(ImageError):
    """Downloading an image URL failed (network, HTTP status, timeout, redirects)."""

    code = "fetch_failed"


class VideoTooLarge(ImageTooLarge):
    """A video exceeds a byte, duration, frame-count, frame-size or decode limit.

    Fix: trim or downscale the video, or raise the limit in ``VideoPolicy``.
    """

    code = "video_too_large"


class UnsupportedVideoFormat(UnsupportedImageFormat):
    """The bytes are not a video container this package reads (MP4/MOV, MKV/WebM, AVI).

    Fix: re-encode the video as MP4 (H.264), or send a still image as an image.
    """

    code = "unsupported_video"


class InvalidVideoData(InvalidImageData):
    """A video that cannot be decoded: corrupt, truncated, or without a video stream."""

    code = "invalid_video"


class MissingDependencyError(GravixVisionError, ImportError):
    """An optional dependency is not installed; the message names the extra."""

    code = "missing_dependency"


class UnsupportedCapabilityError(GravixVisionError, ValueError):
    """The model's profile says it cannot do what was asked (e.g. tool calling).

    Fix: use a model that can, or pass ``profile_overrides`` when the profile
    is wrong for your deployment.
    """

    code = "unsupported_capability"


class ModelResponseError(GravixVisionError):
    """The model server answered with something that is not a chat completion.

    Usually a wrong ``base_url`` (an HTML page, another API's JSON).
    """

    code = "model_error"


class ModelOutputError(GravixVisionError):
    """The model's answer was unusable: invalid after a repair retry, or truncated."""

    code = "invalid_model_output"


class IncompleteResponseError(ModelResponseError):
    """The answer ended without a ``finish_reason``: it is cut, not finished.

    Ollama ends a stream whose runner failed with one empty chunk, no
    ``finish_reason`` and no ``[DONE]`` (HTTP 200 throughout), so the text so
    far would otherwise pass for a whole answer. Retrying is safe:
    ``retryable`` is True, and ``with_retry`` retries it by default.
    """

    code = "incomplete_response"
    retryable = True


class ModelNotFoundError(GravixVisionError, LookupError):
    """The server does not serve the requested model (HTTP 404)."""

    code = "model_not_found"


class EndpointNotFoundError(GravixVisionError):
    """HTTP 404 for the chat path itself: the base URL is wrong."""

    code = "endpoint_not_found"


def failure_message(exc: BaseException) -> str | None:
    """Return ``"<code>: <message>"`` for an expected failure, else ``None``.

    The codes an agent sees: each package error's ``code``, plus
    ``rate_limited``, ``model_error`` (API status, timeout, connection) and
    ``invalid_model_output`` for the API and validation failures of a call.

    Example:
        >>> failure_message(ImageTooLarge("photo.jpg is 30 MB; the limit is 20 MB"))
        'image_too_large: photo.jpg is 30 MB; the limit is 20 MB'
        >>> failure_message(KeyError("x")) is None
        True
    """
    if isinstance(exc, GravixVisionError):
        return f"{exc.code}: {exc}"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited: the vision API is rate limited; wait and retry."
    if isinstance(exc, openai.AuthenticationError):
        return "model_error: the vision API rejected the API key (HTTP 401)."
    if isinstance(exc, openai.APIStatusError):
        return (
            f"model_error: the vision API answered HTTP {exc.status_code}: "
            f"{short(server_message(exc), 200)}"
        )
    if isinstance(exc, openai.APITimeoutError):
        return "model_error: the vision API timed out; retry later."
    if isinstance(exc, openai.APIConnectionError):
        return f"model_error: {unreachable(_host_of(exc))}"
    if isinstance(exc, ValidationError):
        return f"invalid_model_output: {short(exc, 200)}"
    return None


_POLICY_FIELD = re.compile(r"ImagePolicy\.([a-z_]+)")


def for_surface(message: str, settings: Mapping[str, str]) -> str:
    """Name the surface's own settings instead of ``ImagePolicy`` fields.

    Each ``ImagePolicy.<field>`` in ``message`` that the surface has a setting
    for (a CLI flag, an MCP server option) is named as that setting; others stay.

    Example:
        >>> for_surface("Add it to ImagePolicy.allowed_hosts if it is trusted.",
        ...             {"allowed_hosts": "--allow-host"})
        'Add it to --allow-host if it is trusted.'
    """
    if not settings:
        return message
    return _POLICY_FIELD.sub(lambda m: settings.get(m[1], m[0]), message)


def unreachable(host: str | None) -> str:
    """What to say when the API cannot be reached: the host tried, what to check.

    Example:
        >>> unreachable("127.0.0.1:8765")  # doctest: +ELLIPSIS
        'could not reach the vision API at 127.0.0.1:8765; check GRAVIXLAYER_BASE...'
    """
    where = f" at {printable(host, 80)}" if host else ""
    return (
        f"could not reach the vision API{where}; check GRAVIXLAYER_BASE_URL"
        " (or --base-url) and the network; for a keyless try, start the"
        " stand-in first (python -m tests.stand_in, from a clone); then retry."
    )


def _host_of(exc: openai.APIConnectionError) -> str | None:
    """``host[:port]`` of the request that failed (never its path or query)."""
    try:
        url = exc.request.url
    except (AttributeError, RuntimeError):  # no request attached
        return None
    port = f":{url.port}" if url.port else ""
    return f"{url.host}{port}" if url.host else None


def server_message(exc: openai.APIStatusError) -> str:
    """The error text of an API error body (OpenAI and Ollama shapes alike).

    Example:
        >>> import httpx2
        >>> response = httpx2.Response(404, request=httpx2.Request("POST", "http://x"))
        >>> body = {"error": {"message": "model 'x' not found"}}
        >>> server_message(openai.NotFoundError("404", response=response, body=body))
        "model 'x' not found"
    """
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("message") or inner)
        return str(inner)
    return str(exc.message)


__all__ = [
    "EncryptedDocumentError",
    "EndpointNotFoundError",
    "GravixVisionError",
    "ImageError",
    "ImageFetchError",
    "ImageNotFound",
    "ImageSourceNotAllowed",
    "ImageTooLarge",
    "IncompleteResponseError",
    "InvalidDocumentError",
    "InvalidImageData",
    "InvalidPageRange",
    "InvalidVideoData",
    "MissingDependencyError",
    "ModelNotFoundError",
    "ModelOutputError",
    "ModelResponseError",
    "UnsupportedCapabilityError",
    "UnsupportedImageFormat",
    "UnsupportedVideoFormat",
    "VideoTooLarge",
]
"""The exception classes, which the package re-exports. ``failure_message``,
``for_surface`` and ``server_message`` are helpers for the package's own modules."""
