"""Safe image loading for vision models: policy, sources, SSRF-safe fetch, resizing.

The one flow: source (path, URL, data URL, bytes, file, PIL image, content
block) -> policy -> capped bytes -> decode guard -> orient and flatten ->
resize for the model -> encode -> ``PreparedImage``. Every public name lives
here; the modules behind it are private. ``load_image`` (the package root, or
``langchain_gravix_vision.inputs``) adds the PDF branch on top.

Example:
    >>> from PIL import Image
    >>> from langchain_gravix_vision.images import ImagePolicy, RawImage, prepare_image
    >>> image = prepare_image(RawImage("page", image=Image.new("RGB", (3000, 1500))),
    ...                       policy=ImagePolicy(url_mode="deny"))
    >>> image.sent_size, image.mime_type
    ((1536, 768), 'image/png')
    >>> image.to_content_block()["type"]
    'image_url'
"""

from langchain_gravix_vision.images._policy import ImagePolicy, VideoPolicy
from langchain_gravix_vision.images._prepare import (
    PREPARED_CACHE,
    PreparedImage,
    prepare_image,
)
from langchain_gravix_vision.images._raw import RawImage
from langchain_gravix_vision.images._sources import ImageSource, read_source
from langchain_gravix_vision.images._worker import to_thread_cancellable
from langchain_gravix_vision.resolution import LOW_DETAIL_TOKENS, target_size

__all__ = [
    "LOW_DETAIL_TOKENS",
    "PREPARED_CACHE",
    "ImagePolicy",
    "ImageSource",
    "PreparedImage",
    "RawImage",
    "VideoPolicy",
    "prepare_image",
    "read_source",
    "target_size",
    "to_thread_cancellable",
]
