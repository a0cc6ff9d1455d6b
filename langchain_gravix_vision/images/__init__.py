"""Safe image loading for vision models: policy, sources, SSRF-safe fetch, resizing.

Example:
    >>> from PIL import Image
    >>> from langchain_gravix_vision.images import ImagePolicy, load_image
    >>> image = load_image(Image.new("RGB", (3000, 1500), "white"),
    ...                    policy=ImagePolicy(url_mode="deny"))
    >>> image.sent_size, image.mime_type
    ((1536, 768), 'image/png')
    >>> image.to_content_block()["type"]
    'image_url'
"""

from langchain_gravix_vision.images.fetch import fetch_url
from langchain_gravix_vision.images.policy import ImagePolicy
from langchain_gravix_vision.images.prepare import (
    PreparedImage,
    load_image,
    prepare_image,
    target_size,
)
from langchain_gravix_vision.images.sources import (
    ImageSource,
    block_detail,
    image_from_content_block,
    is_image_block,
    read_source,
)

__all__ = [
    "ImagePolicy",
    "ImageSource",
    "PreparedImage",
    "block_detail",
    "fetch_url",
    "image_from_content_block",
    "is_image_block",
    "load_image",
    "prepare_image",
    "read_source",
    "target_size",
]
