"""Safe image loading for vision models: policy, sources, SSRF-safe fetch, resizing.

The one flow: source (path, URL, data URL, bytes, file, PIL image, content
block) -> policy -> capped bytes -> decode guard -> orient and flatten ->
resize for the model -> encode -> ``PreparedImage``. Every public name lives
here; the modules behind it are private.

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

from langchain_gravix_vision.images._blocks import (
    BlockSource,
    is_file_block,
    is_image_block,
    parse_file_block,
    parse_image_block,
)
from langchain_gravix_vision.images._data_urls import decode_base64, read_data_url
from langchain_gravix_vision.images._encode import flatten, looks_flat
from langchain_gravix_vision.images._fetch import PinnedBackend, fetch_url
from langchain_gravix_vision.images._guard import ALLOWED_FORMATS
from langchain_gravix_vision.images._paths import read_path
from langchain_gravix_vision.images._policy import ImagePolicy, normalize_host
from langchain_gravix_vision.images._prepare import (
    PREPARED_CACHE,
    PreparedImage,
    load_image,
    prepare_image,
)
from langchain_gravix_vision.images._raw import RawImage, sniff_mime_type
from langchain_gravix_vision.images._resize import (
    LOW_DETAIL_TOKENS,
    target_size,
    token_budget,
)
from langchain_gravix_vision.images._sources import (
    ImageSource,
    read_block,
    read_bytes,
    read_file_object,
    read_source,
    read_string,
    source_kind,
)
from langchain_gravix_vision.images._urls import (
    blocked_reason,
    check_url,
    parse_ip_host,
)
from langchain_gravix_vision.images._worker import to_thread_cancellable

__all__ = [
    "ALLOWED_FORMATS",
    "LOW_DETAIL_TOKENS",
    "PREPARED_CACHE",
    "BlockSource",
    "ImagePolicy",
    "ImageSource",
    "PinnedBackend",
    "PreparedImage",
    "RawImage",
    "blocked_reason",
    "check_url",
    "decode_base64",
    "fetch_url",
    "flatten",
    "is_file_block",
    "is_image_block",
    "load_image",
    "looks_flat",
    "normalize_host",
    "parse_file_block",
    "parse_image_block",
    "parse_ip_host",
    "prepare_image",
    "read_block",
    "read_bytes",
    "read_data_url",
    "read_file_object",
    "read_path",
    "read_source",
    "read_string",
    "sniff_mime_type",
    "source_kind",
    "target_size",
    "to_thread_cancellable",
    "token_budget",
]
