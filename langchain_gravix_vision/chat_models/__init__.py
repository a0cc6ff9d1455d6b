"""The chat model: ``ChatGravixVision`` and the private helpers of a call.

Two classes, as langchain-openai has ``BaseChatOpenAI`` and ``ChatOpenAI``:
``ChatGravixVisionBase`` (``_base.py``) holds the fields, the HTTP clients, the
capability profile, structured output and token counts; ``ChatGravixVision``
(``vision.py``) holds what one call does (images prepared, request guards,
typed errors, the answer's checks). Split so that each stays one screenful of
concerns; users only ever name ``ChatGravixVision``.

Private modules: ``_guards`` (request checks, typed errors), ``_responses``
(finish reasons, redaction of streamed answers), ``_tokens`` (token counts),
``_http`` (the shared clients), ``_message_images`` (image blocks on the wire).

Example:
    >>> from langchain_gravix_vision.chat_models import ChatGravixVisionBase
    >>> issubclass(ChatGravixVision, ChatGravixVisionBase)
    True
"""

from langchain_gravix_vision.chat_models._base import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_API_BASE,
    ChatGravixVisionBase,
)
from langchain_gravix_vision.chat_models.vision import ChatGravixVision

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_API_BASE",
    "ChatGravixVision",
    "ChatGravixVisionBase",
]
