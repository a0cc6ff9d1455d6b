"""What the CLI and the MCP server share: the model options and the LLM they build.

``concurrency_arg`` and ``rate_limit_arg`` validate ``--concurrency`` and
``--rate-limit`` the same way in both; ``build_llm`` turns ``--model``,
``--base-url``, ``--rate-limit`` and ``--concurrency`` into the one
``ChatGravixVision`` a run uses, with a client rate limiter whose bucket
starts full.

Example:
    >>> concurrency_arg("2")
    2
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from langchain_core.rate_limiters import InMemoryRateLimiter

from langchain_gravix_vision.chat_models import ChatGravixVision

CLI_SETTINGS = {"allowed_hosts": "--allow-host"}
"""The ``ImagePolicy`` fields the CLI's error hints name as its flags
(``VisionTool.setting_names``)."""


def concurrency_arg(text: str) -> int:
    """``--concurrency``: a whole number, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        msg = f"must be at least 1, not {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def rate_limit_arg(text: str) -> float:
    """``--rate-limit``: requests per minute, a finite number >= 0 (0: no limit)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        msg = f"must be a finite number >= 0 (0 = no limit), not {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def full_bucket_limiter(requests_per_minute: float, bucket: int) -> InMemoryRateLimiter:
    """A client rate limiter whose bucket starts full: the first calls never wait.

    Example:
        >>> full_bucket_limiter(60, 4).available_tokens
        4.0
    """
    limiter = InMemoryRateLimiter(
        requests_per_second=requests_per_minute / 60,
        check_every_n_seconds=0.05,
        max_bucket_size=bucket,
    )
    limiter.available_tokens = float(bucket)
    return limiter


def build_llm(args: argparse.Namespace) -> ChatGravixVision:
    """The model a run uses, from ``add_model_options``'s options (and ``base_url``).

    Example:
        >>> import os
        >>> os.environ.setdefault("GRAVIXLAYER_API_KEY", "sk-doc")  # doctest: +ELLIPSIS
        '...'
        >>> llm = build_llm(argparse.Namespace(model="gemma3:12b", concurrency=2,
        ...                                    rate_limit=0))
        >>> llm.model_name, llm.rate_limiter is None
        ('gemma3:12b', True)
    """
    kwargs: dict[str, Any] = {"model": args.model, "max_retries": 2}
    if getattr(args, "base_url", None):
        kwargs["base_url"] = args.base_url
    if args.rate_limit > 0:
        kwargs["rate_limiter"] = full_bucket_limiter(
            args.rate_limit, max(1, args.concurrency)
        )
    return ChatGravixVision(**kwargs)


__all__ = [
    "build_llm",
    "concurrency_arg",
    "full_bucket_limiter",
    "rate_limit_arg",
]
