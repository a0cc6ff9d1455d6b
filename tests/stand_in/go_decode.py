"""Decode a request body the way gin's ``ShouldBindJSON`` does, Go error texts included.

Ollama's ``ChatMiddleware`` binds the body into ``openai.ChatCompletionRequest``
with ``encoding/json`` (``json.NewDecoder(body).Decode``): an empty body is
``EOF``, broken JSON ``invalid character 'x' looking for beginning of value`` or
``unexpected EOF``, data after the first value is ignored, unknown fields are
ignored, ``null`` leaves a field unset, and a value of the wrong type is
``json: cannot unmarshal string into Go struct field
ChatCompletionRequest.stream of type bool`` (the first such error, after the
whole value was read). The struct shapes below copy ``openai/openai.go`` at
each version (2025 ``35fda7b``; current ``fb30760`` adds reasoning, logprobs and
the message fields ``reasoning``/``name``/``tool_call_id``). ``tools`` is
checked down to the parameter properties (``api.Tool``, ``api/types.go``).
JSON syntax messages are mapped from Python's decoder, so they cover the
common cases rather than every Go wording.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class GoDecodeError(Exception):
    """The body does not decode; ``str()`` is Go's error text."""


@dataclass(frozen=True)
class GoType:
    """A Go type: ``kind`` is string/bool/int/float64/any/slice/struct/ptr."""

    kind: str
    name: str = ""
    elem: GoType | None = None
    fields: dict[str, GoType] = field(default_factory=dict)


STRING = GoType("string", "string")
BOOL = GoType("bool", "bool")
INT = GoType("int", "int")
FLOAT = GoType("float64", "float64")
ANY = GoType("any", "interface {}")


def _struct(type_name: str, **fields: GoType) -> GoType:
    return GoType("struct", type_name, fields=fields)


def _slice(elem: GoType) -> GoType:
    return GoType("slice", f"[]{elem.name}", elem=elem)


_FUNCTION = _struct("", name=STRING, arguments=STRING)
_TOOL_CALL = _struct(
    "openai.ToolCall", id=STRING, index=INT, type=STRING, function=_FUNCTION
)
# api.PropertyType: UnmarshalJSON takes a string or a list of strings.
_PROPERTY_TYPE = GoType("stringlist", "[]string")


def _map(elem: GoType) -> GoType:
    return GoType("map", f"map[string]{elem.name}", elem=elem)


def _tool(version: str) -> GoType:
    """``api.Tool`` down to the parameter properties (``api/types.go``).

    2025: ``Parameters`` and each property are anonymous structs (Go names
    them ""); current: ``ToolFunctionParameters`` and ``ToolProperty``.
    """
    common = {"type": _PROPERTY_TYPE, "items": ANY, "description": STRING}
    if version == "2025":
        prop = _struct("", **common, enum=_slice(ANY))
        params = _struct("", type=STRING, items=ANY, required=_slice(STRING))
    else:
        prop = _struct("api.ToolProperty", **common, enum=_slice(ANY))
        prop.fields.update(
            anyOf=_slice(prop), properties=_map(prop), required=_slice(STRING)
        )
        params = _struct(
            "api.ToolFunctionParameters",
            type=STRING,
            items=ANY,
            required=_slice(STRING),
        )
    params.fields["properties"] = _map(prop)
    function = _struct(
        "api.ToolFunction", name=STRING, description=STRING, parameters=params
    )
    return _struct("api.Tool", type=STRING, items=ANY, function=function)


_STREAM_OPTIONS = _struct("openai.StreamOptions", include_usage=BOOL)
_JSON_SCHEMA = _struct("openai.JsonSchema", schema=ANY)
_RESPONSE_FORMAT = _struct(
    "openai.ResponseFormat", type=STRING, json_schema=_JSON_SCHEMA
)

_COMMON_MESSAGE = {"role": STRING, "content": ANY, "tool_calls": _slice(_TOOL_CALL)}
_COMMON_REQUEST = {
    "model": STRING,
    "stream": BOOL,
    "stream_options": _STREAM_OPTIONS,
    "max_tokens": INT,
    "seed": INT,
    "stop": ANY,
    "temperature": FLOAT,
    "frequency_penalty": FLOAT,
    "presence_penalty": FLOAT,
    "top_p": FLOAT,
    "response_format": _RESPONSE_FORMAT,
}

REQUEST_TYPES: dict[str, GoType] = {
    # openai/openai.go @35fda7b: ChatCompletionRequest / Message
    "2025": _struct(
        "openai.ChatCompletionRequest",
        messages=_slice(_struct("openai.Message", **_COMMON_MESSAGE)),
        tools=_slice(_tool("2025")),
        **_COMMON_REQUEST,
    ),
    # openai/openai.go @fb30760: adds reasoning, logprobs and message fields
    "current": _struct(
        "openai.ChatCompletionRequest",
        messages=_slice(
            _struct(
                "openai.Message",
                **_COMMON_MESSAGE,
                reasoning=STRING,
                name=STRING,
                tool_call_id=STRING,
            )
        ),
        reasoning=_struct("openai.Reasoning", effort=STRING),
        reasoning_effort=STRING,
        logprobs=BOOL,
        top_logprobs=INT,
        tools=_slice(_tool("current")),
        **_COMMON_REQUEST,
    ),
}


def decode_request(raw: bytes, version: str) -> dict[str, Any]:
    """The decoded body, or :class:`GoDecodeError` with Go's message."""
    value = _decode_json(raw)
    root = REQUEST_TYPES[version]
    if not isinstance(value, dict):
        if value is None:
            return {}
        got = _json_kind(value)
        msg = f"json: cannot unmarshal {got} into Go value of type {root.name}"
        raise GoDecodeError(msg)
    error = _check(value, root, _Context(root.name.split(".")[-1], []))
    if error is not None:
        raise GoDecodeError(error)
    return value


def _decode_json(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise GoDecodeError("EOF")
    try:
        value, _ = json.JSONDecoder().raw_decode(stripped)
    except json.JSONDecodeError as err:
        raise GoDecodeError(_syntax_message(err)) from None
    return value


_PYTHON_TO_GO = {
    "Expecting value": "looking for beginning of value",
    "Expecting ':' delimiter": "after object key",
    "Expecting ',' delimiter": "after object key:value pair",
    "Expecting property name enclosed in double quotes": (
        "looking for beginning of object key string"
    ),
    "Invalid control character at": "in string literal",
}


def _syntax_message(err: json.JSONDecodeError) -> str:
    if err.pos >= len(err.doc):
        return "unexpected EOF"
    char = err.doc[err.pos]
    where = next(
        (go for py, go in _PYTHON_TO_GO.items() if err.msg.startswith(py)),
        "looking for beginning of value",
    )
    if where == "after object key:value pair" and _in_array(err.doc, err.pos):
        where = "after array element"
    return f"invalid character {_quote_char(char)} {where}"


def _in_array(doc: str, pos: int) -> bool:
    depth: list[str] = []
    in_string = escaped = False
    for char in doc[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth.append(char)
        elif char in "]}" and depth:
            depth.pop()
    return bool(depth) and depth[-1] == "["


def _quote_char(char: str) -> str:
    """encoding/json's ``quoteChar``."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    quoted = json.dumps(char)[1:-1]
    return f"'{quoted}'"


@dataclass
class _Context:
    struct: str
    path: list[str]


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_error(value: Any, go: GoType, ctx: _Context) -> str:
    got = _json_kind(value)
    if go.kind == "int" and got == "number":
        got = f"number {json.dumps(value)}"
    return (
        f"json: cannot unmarshal {got} into Go struct field "
        f"{ctx.struct}.{'.'.join(ctx.path)} of type {go.name}"
    )


_JSON_KIND_OF = {
    "string": "string",
    "bool": "bool",
    "int": "number",
    "float64": "number",
}


def _check(value: Any, go: GoType, ctx: _Context) -> str | None:
    """The first type error under ``value`` (Go keeps decoding, reports the first)."""
    if value is None or go.kind == "any":
        return None
    kind = _json_kind(value)
    if go.kind == "struct":
        if kind != "object":
            return _type_error(value, go, ctx)
        struct_name = go.name.split(".")[-1]
        for key, item in value.items():
            sub = go.fields.get(key)
            if sub is None:
                continue
            error = _check(item, sub, _Context(struct_name, [*ctx.path, key]))
            if error is not None:
                return error
        return None
    if go.kind == "map":
        if kind != "object":
            return _type_error(value, go, ctx)
        assert go.elem is not None
        for item in value.values():  # Go's error path names no map key
            error = _check(item, go.elem, ctx)
            if error is not None:
                return error
        return None
    if go.kind == "stringlist":
        if kind == "string" or (
            kind == "array" and all(isinstance(item, str) for item in value)
        ):
            return None
        return _type_error(value, go, ctx)
    if go.kind == "slice":
        if kind != "array":
            return _type_error(value, go, ctx)
        assert go.elem is not None
        for item in value:
            error = _check(item, go.elem, ctx)
            if error is not None:
                return error
        return None
    if kind != _JSON_KIND_OF[go.kind]:
        return _type_error(value, go, ctx)
    if go.kind == "int" and (isinstance(value, float) or not -(2**63) <= value < 2**63):
        return _type_error(value, go, ctx)
    return None
