"""The tools' retry policy, free of I/O: which answer is usable, which retry to make.

One model call; then at most one retry: a doubled token budget (the answer was
cut at ``max_tokens``), the same request again (the server's answer ended
without a finish reason) or a repair request (the answer did not validate).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import openai
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import (
    GravixVisionError,
    IncompleteResponseError,
    ModelOutputError,
    ModelResponseError,
)
from langchain_gravix_vision.tools.prompts import REPAIR_PROMPT

# Raised by the model call itself when the answer is unusable (openai's parse()
# validates json_schema answers and refuses cut-off ones): the retry policy
# treats them like an unparsable answer. An answer without a finish_reason (the
# server failed mid-answer) is sent again as it was.
_OUTPUT_ERRORS = (
    IncompleteResponseError,
    openai.LengthFinishReasonError,
    ValidationError,
    json.JSONDecodeError,
    OutputParserException,
)


@dataclass(frozen=True)
class Attempt:
    """One model call to make: its token budget, messages and why it is made."""

    budget: int
    messages: list[BaseMessage]
    kind: Literal["first", "longer", "resend", "repair"] = "first"


def next_step(
    attempt: Attempt, output: dict[str, Any], first: Attempt
) -> BaseModel | Attempt:
    """The answer when it is usable, else the one retry to make.

    One call; then one retry: with a doubled budget (the answer was cut off
    at ``max_tokens``), the same request again (the server's answer ended
    without a finish reason) or a repair request (the answer did not
    validate).
    """
    raw, parsed = output.get("raw"), output.get("parsed")
    error = output.get("parsing_error")
    if isinstance(parsed, BaseModel) and error is None:
        return parsed
    finish = getattr(raw, "response_metadata", {}).get("finish_reason")
    truncated = finish == "length" or isinstance(error, openai.LengthFinishReasonError)
    incomplete = isinstance(error, IncompleteResponseError)
    if attempt.kind != "first":
        if isinstance(error, IncompleteResponseError):
            raise error  # cut twice: say so, not "invalid"
        reason = (
            "the answer was cut off even with a doubled token budget"
            if truncated
            else "the answer did not match the schema after one repair retry"
        )
        msg = f"The vision model's output was unusable: {reason}."
        raise ModelOutputError(msg)
    if truncated:
        return Attempt(first.budget * 2, first.messages, "longer")
    if incomplete:  # the server's stream broke off: send the same again
        return Attempt(first.budget, first.messages, "resend")
    repair = list(first.messages)
    if isinstance(raw, AIMessage):
        repair.append(AIMessage(raw.text))
    note = short(error or "no JSON object in the answer", 300)
    repair.append(HumanMessage(REPAIR_PROMPT.format(error=note)))
    return Attempt(first.budget, repair, "repair")


def ask(
    first: Attempt, call: Callable[[Attempt], dict[str, Any]]
) -> BaseModel | Attempt:
    """The answer to ``first`` (``call`` makes one model call), one retry at most."""
    step = next_step(first, call(first), first)
    if isinstance(step, Attempt):
        step = next_step(step, call(step), first)
    return step


async def aask(
    first: Attempt, call: Callable[[Attempt], Awaitable[dict[str, Any]]]
) -> BaseModel | Attempt:
    """Async :func:`ask`."""
    step = next_step(first, await call(first), first)
    if isinstance(step, Attempt):
        step = next_step(step, await call(step), first)
    return step


def as_output(exc: Exception) -> dict[str, Any]:
    """Sort an exception from the model call: retryable output, or raised."""
    if isinstance(exc, _OUTPUT_ERRORS):
        return {"raw": None, "parsed": None, "parsing_error": exc}
    if isinstance(exc, (openai.OpenAIError, GravixVisionError)):
        raise exc
    # langchain-openai fails with ValueError/KeyError/AttributeError on a 200
    # answer that is not a chat completion (an HTML page, another JSON shape).
    msg = (
        "the vision API returned a malformed response "
        f"({type(exc).__name__}); check base_url, or retry later"
    )
    raise ModelResponseError(msg) from exc


__all__ = ["Attempt", "aask", "as_output", "ask", "next_step"]
