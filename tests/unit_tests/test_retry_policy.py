"""The tools' retry policy (tools/_retry.py), without any model call."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel

from langchain_gravix_vision.errors import (
    IncompleteResponseError,
    ModelOutputError,
    ModelResponseError,
)
from langchain_gravix_vision.tools._retry import Attempt, as_output, next_step


class Answer(BaseModel):
    caption: str


FIRST = Attempt(100, [HumanMessage("describe")])


def _cut(finish: str | None = "length") -> dict[str, object]:
    raw = AIMessage("{", response_metadata={"finish_reason": finish})
    return {"raw": raw, "parsed": None, "parsing_error": ValueError("bad json")}


def test_a_valid_answer_is_the_result() -> None:
    answer = Answer(caption="a cat")
    output = {"raw": None, "parsed": answer, "parsing_error": None}
    assert next_step(FIRST, output, FIRST) is answer


def test_a_cut_answer_is_retried_once_with_twice_the_budget() -> None:
    step = next_step(FIRST, _cut(), FIRST)
    assert isinstance(step, Attempt)
    assert (step.kind, step.budget, step.messages) == ("longer", 200, FIRST.messages)
    with pytest.raises(ModelOutputError, match="doubled token budget"):
        next_step(step, _cut(), FIRST)


def test_an_invalid_answer_gets_one_repair_request() -> None:
    step = next_step(FIRST, _cut(finish="stop"), FIRST)
    assert isinstance(step, Attempt)
    assert step.kind == "repair"
    assert step.budget == FIRST.budget
    assert step.messages[: len(FIRST.messages)] == FIRST.messages
    assert "bad json" in str(step.messages[-1].content)
    with pytest.raises(ModelOutputError, match="repair retry"):
        next_step(step, _cut(finish="stop"), FIRST)


def test_an_incomplete_answer_is_sent_again_then_raised() -> None:
    incomplete = as_output(IncompleteResponseError("cut"))
    step = next_step(FIRST, incomplete, FIRST)
    assert isinstance(step, Attempt)
    assert (step.kind, step.messages) == ("resend", FIRST.messages)
    with pytest.raises(IncompleteResponseError):
        next_step(step, incomplete, FIRST)


def test_other_failures_are_sorted() -> None:
    with pytest.raises(ModelResponseError, match="malformed response"):
        as_output(KeyError("choices"))
