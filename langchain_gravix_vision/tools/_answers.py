"""How a tool asks the model for its answer, and how it reads what comes back.

A tool asks for JSON that matches its answer schema. With ``ChatGravixVision``
(whose servers enforce a JSON schema) the model is bound to a
``response_format`` built once per schema and its message is read here: one
call layer, where ``with_structured_output(include_raw=True)`` adds five
runnables and the openai SDK's ``parse`` on every call (together about 60% of
a tool call's client CPU; benchmarks section 4).
Other chat models go through their own ``with_structured_output``. The request
on the wire is the same either way.

Example:
    >>> from pydantic import BaseModel
    >>> class Caption(BaseModel):
    ...     caption: str
    >>> answer_format(Caption, strict=True)["json_schema"]["name"]
    'Caption'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import openai
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import (
    convert_to_openai_function,
    convert_to_openai_tool,
)
from pydantic import BaseModel

from langchain_gravix_vision.chat_models import ChatGravixVision
from langchain_gravix_vision.profiles import structured_output_method


@cache
def answer_format(schema: type[BaseModel], *, strict: bool) -> dict[str, Any]:
    """The ``response_format`` that asks for ``schema``, as langchain-openai sends it.

    ``strict=True`` is what ``with_structured_output(schema)`` sends for a
    pydantic class (the openai SDK's strict schema); ``strict=False`` what it
    sends for ``schema.model_json_schema()`` (the schema as pydantic writes it).
    """
    spec: dict[str, Any]
    if strict:
        function = openai.pydantic_function_tool(schema)["function"]
        spec = {"name": function["name"], "schema": function["parameters"]}
    else:
        spec = dict(convert_to_openai_function(schema.model_json_schema()))
        spec["schema"] = spec.pop("parameters")
    return {"type": "json_schema", "json_schema": {**spec, "strict": strict}}


def ask_for(
    model: BaseChatModel, schema: type[BaseModel], *, strict: bool
) -> Runnable[Any, Any]:
    """``model`` asked to answer as ``schema``; read its output with :func:`read`.

    ``ChatGravixVision`` with a JSON-schema profile is bound to the
    ``response_format`` (its output: the ``AIMessage``); any other model uses
    ``with_structured_output(..., include_raw=True)`` (its output: a dict).
    """
    if (
        isinstance(model, ChatGravixVision)
        and model.profile
        and structured_output_method(model.profile) == "json_schema"
    ):
        # In ``extra_body`` the request is the same JSON, but langchain-openai
        # takes the plain ``create`` path rather than the openai SDK's
        # ``parse`` (about 2 ms of client CPU a call; benchmarks section 4).
        # A cut-off answer then arrives with finish_reason "length" instead of
        # as LengthFinishReasonError; the retry policy reads both.
        fmt = answer_format(schema, strict=strict)
        extra = {**(model.extra_body or {}), "response_format": fmt}
        return model.bind(
            extra_body=extra,
            ls_structured_output_format={
                "kwargs": {"method": "json_schema", "strict": None},
                "schema": _tool_schema(schema),
            },
        )
    requested = schema if strict else schema.model_json_schema()
    return model.with_structured_output(requested, include_raw=True)


@cache
def _tool_schema(schema: type[BaseModel]) -> dict[str, Any]:
    return convert_to_openai_tool(schema)


def read(
    output: Any, parse: Callable[[str | dict | list], BaseModel]
) -> dict[str, Any]:
    """``{"raw", "parsed", "parsing_error"}`` from what :func:`ask_for` returned.

    The answer's text is read with ``parse`` (its JSON, or a value the model's
    own structured-output parser left unvalidated). An unreadable answer
    becomes a ``parsing_error``, which the retry policy repairs.

    Example:
        >>> class Caption(BaseModel):
        ...     caption: str
        >>> read(AIMessage('{"caption": "a cat"}'), lambda a: Caption.model_validate_json(a))["parsed"]
        Caption(caption='a cat')
    """  # noqa: E501
    if isinstance(output, dict):
        raw, parsed = output.get("raw"), output.get("parsed")
        error = output.get("parsing_error")
    else:
        raw, parsed, error = output, None, None
    if isinstance(parsed, BaseModel) and error is None:
        return {"raw": raw, "parsed": parsed, "parsing_error": None}
    text = raw.text if isinstance(raw, AIMessage) else ""
    answer = text if text.strip() else parsed
    if not isinstance(answer, (str, dict, list)):
        error = error or OutputParserException("the answer is empty")
        return {"raw": raw, "parsed": None, "parsing_error": error}
    try:
        return {"raw": raw, "parsed": parse(answer), "parsing_error": None}
    except ValueError as err:  # pydantic's ValidationError is a ValueError
        return {"raw": raw, "parsed": None, "parsing_error": error or err}


__all__ = ["answer_format", "ask_for", "read"]
