"""One exception hierarchy for the package: image, policy, capability and output errors.

Every message is written for the reader who has to act on it (a person or an
agent): it names the problem and what to do, and never contains an absolute
path or a secret. Each class carries a short machine-readable ``code``.

Example:
    >>> from langchain_gravix_vision.errors import ImageTooLarge, GravixVisionError
    >>> err = ImageTooLarge("image is 120.0 MP; the limit is 40.0 MP")
    >>> isinstance(err, GravixVisionError), err.code
    (True, 'image_too_large')
"""

from __future__ import annotations


class GravixVisionError(Exception):
    """Base class of every error this package raises on purpose."""

    code: str = "gravix_vision_error"

    def __str__(self) -> str:
        return super().__str__() or self.code


class ImageError(GravixVisionError, ValueError):
    """An image could not be turned into something the model can use."""

    code = "image_error"


class ImageSourceNotAllowed(ImageError):
    """The image source is refused by the image policy (path, scheme or host)."""

    code = "source_not_allowed"


class ImageTooLarge(ImageError):
    """The image exceeds a byte, pixel, frame or response-size limit."""

    code = "image_too_large"


class UnsupportedImageFormat(ImageError):
    """The bytes are not an image format this package can decode."""

    code = "unsupported_format"


class InvalidImageData(ImageError):
    """The data is malformed: bad base64, truncated file, or a MIME type that lies."""

    code = "invalid_image_data"


class ImageFetchError(ImageError):
    """Downloading an image URL failed (network, HTTP status, timeout, redirects)."""

    code = "fetch_failed"


class UnsupportedCapabilityError(GravixVisionError, ValueError):
    """The model's profile says it cannot do what was asked (e.g. tool calling)."""

    code = "unsupported_capability"


class ModelResponseError(GravixVisionError):
    """The model server answered with something that is not a chat completion."""

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


__all__ = [
    "EndpointNotFoundError",
    "GravixVisionError",
    "ImageError",
    "ImageFetchError",
    "ImageSourceNotAllowed",
    "ImageTooLarge",
    "IncompleteResponseError",
    "InvalidImageData",
    "ModelNotFoundError",
    "ModelOutputError",
    "ModelResponseError",
    "UnsupportedCapabilityError",
    "UnsupportedImageFormat",
]
