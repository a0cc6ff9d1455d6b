"""The user's extraction schema: checked at construction, and answers validated.

The server enforces an answer schema with a grammar (Ollama's ``format``,
llama.cpp's JSON-schema converter). A schema that grammar cannot enforce is
refused when the tool is built, never at call time: a recursive or external
``$ref``, a string ``format`` other than date, time, date-time and uuid, and
keywords with no grammar (``not``, ``if``/``then``/``else``,
``patternProperties``, ``uniqueItems``, ``multipleOf``...). So is a schema
larger than :data:`MAX_SCHEMA_CHARS` or deeper than :data:`MAX_DEPTH`.

:func:`validate` checks an answer against a checked JSON schema (the subset
:func:`check_schema` lets through), for schemas given as JSON rather than as
a pydantic model.

Example:
    >>> check_schema({"type": "object", "properties": {"total": {"type": "number"}}})
    >>> validate({"total": "9.70"}, {"type": "object",
    ...           "properties": {"total": {"type": "number"}}})
    Traceback (most recent call last):
    ...
    ValueError: total: expected number, got str
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from typing import Any

from langchain_gravix_vision.errors import GravixVisionError

MAX_SCHEMA_CHARS = 20_000
"""Largest schema (as compact JSON) a tool takes: it is sent with every call."""
MAX_DEPTH = 12
"""Deepest nesting of schemas (objects in arrays in objects...)."""
MAX_PROPERTIES = 300
"""Most properties, counted over the whole schema."""

FORMATS = ("date", "time", "date-time", "uuid")
"""String formats the grammar enforces."""
UNENFORCEABLE = frozenset(
    {
        "not",
        "if",
        "then",
        "else",
        "patternProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
        "multipleOf",
        "minProperties",
        "maxProperties",
        "unevaluatedProperties",
        "unevaluatedItems",
        "$dynamicRef",
        "$recursiveRef",
    }
)
"""Keywords the server's grammar cannot enforce."""
_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


class UnsupportedSchemaError(GravixVisionError, ValueError):
    """An extraction schema the server's grammar cannot enforce, or too large.

    Raised when the tool is built, before any request. Fix: simplify the
    schema as the message says (e.g. ``str`` with a description instead of
    ``EmailStr``, a list instead of a set, no self-referencing models).
    """

    code = "unsupported_schema"


def check_schema(schema: Any) -> None:
    """Refuse a schema the grammar cannot enforce (see the module docstring)."""
    if not isinstance(schema, dict):
        raise UnsupportedSchemaError("the schema must be a JSON object")
    size = len(json.dumps(schema, separators=(",", ":"), default=str))
    if size > MAX_SCHEMA_CHARS:
        msg = f"the schema is {size:,} characters; the limit is {MAX_SCHEMA_CHARS:,}"
        raise UnsupportedSchemaError(msg)
    root = _resolve(schema, schema, ())[0]
    if root.get("type") != "object" or not root.get("properties"):
        raise UnsupportedSchemaError("the schema must be an object with properties")
    _Checker(schema).walk(schema, "", (), 0)


class _Checker:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.properties = 0

    def walk(self, node: Any, path: str, refs: tuple[str, ...], depth: int) -> None:
        where = path or "the root"
        if isinstance(node, bool):
            return
        if not isinstance(node, dict):
            raise UnsupportedSchemaError(f"{where}: a schema must be an object")
        if depth > MAX_DEPTH:
            raise UnsupportedSchemaError(f"{where}: nested deeper than {MAX_DEPTH}")
        node, refs = _resolve(node, self.root, refs, where)
        bad = sorted(UNENFORCEABLE & set(node))
        if bad:
            msg = f"{where}: the server's grammar cannot enforce {', '.join(bad)}"
            raise UnsupportedSchemaError(msg)
        fmt = node.get("format")
        if fmt is not None and fmt not in FORMATS:
            msg = (
                f"{where}: string format {str(fmt)[:30]!r} is not enforced by the "
                f"server's grammar (supported: {', '.join(FORMATS)}); use a plain "
                "string with a description"
            )
            raise UnsupportedSchemaError(msg)
        kinds = node.get("type", [])
        for kind in kinds if isinstance(kinds, list) else [kinds]:
            if kind not in _TYPES:
                raise UnsupportedSchemaError(
                    f"{where}: unknown type {str(kind)[:30]!r}"
                )
        properties = node.get("properties") or {}
        self.properties += len(properties)
        if self.properties > MAX_PROPERTIES:
            msg = f"the schema has more than {MAX_PROPERTIES} properties"
            raise UnsupportedSchemaError(msg)
        children = [(f"{path}.{k}".lstrip("."), v) for k, v in properties.items()]
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                children.append((f"{path}[]", node[key]))
        for key in ("prefixItems", "anyOf", "oneOf", "allOf"):
            children.extend((f"{path}[]", v) for v in node.get(key) or ())
        for child_path, child in children:
            self.walk(child, child_path, refs, depth + 1)


def _resolve(
    node: dict[str, Any], root: dict[str, Any], refs: tuple[str, ...], where: str = ""
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Follow ``$ref`` (local only, never recursive) to the schema it names."""
    while "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not re.fullmatch(
            r"#/(\$defs|definitions)/[^/]+", ref
        ):
            msg = f"{where or 'the root'}: only local $ref to $defs is supported"
            raise UnsupportedSchemaError(msg)
        if ref in refs:
            msg = (
                f"{where or 'the root'}: recursive $ref {ref[:60]!r}; the grammar "
                "needs a finite schema (flatten the self-reference)"
            )
            raise UnsupportedSchemaError(msg)
        kind, name = ref[2:].split("/", 1)
        target = (root.get(kind) or {}).get(name)
        if not isinstance(target, dict):
            raise UnsupportedSchemaError(
                f"{where or 'the root'}: {ref[:60]!r} is undefined"
            )
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        refs = (*refs, ref)
    return node, refs


# ------------------------------------------------------------------ answers


def validate(value: Any, schema: dict[str, Any]) -> None:
    """Raise ``ValueError`` (naming the field) when ``value`` does not match."""
    _validate(value, schema, schema, "")


def _validate(value: Any, node: Any, root: dict[str, Any], path: str) -> None:
    if node is True or node == {}:
        return
    if node is False:
        _fail(path, "no value is allowed here")
    node, _ = _resolve(node, root, ())
    for part in node.get("allOf") or ():
        _validate(value, part, root, path)
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        if not any(_matches(value, b, root) for b in branches):
            _fail(path, "matches none of the allowed shapes")
        return
    if "const" in node and value != node["const"]:
        _fail(path, f"must be {node['const']!r}")
    if "enum" in node and value not in node["enum"]:
        _fail(path, f"must be one of {node['enum']!r}"[:200])
    kinds = node.get("type")
    if kinds is not None:
        allowed = kinds if isinstance(kinds, list) else [kinds]
        if not any(_is(value, k) for k in allowed):
            _fail(path, f"expected {' or '.join(allowed)}, got {type(value).__name__}")
    if isinstance(value, dict):
        _object(value, node, root, path)
    elif isinstance(value, list):
        _array(value, node, root, path)
    elif isinstance(value, str):
        _string(value, node, path)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _number(value, node, path)


def _matches(value: Any, node: Any, root: dict[str, Any]) -> bool:
    try:
        _validate(value, node, root, "")
    except ValueError:
        return False
    return True


def _is(value: Any, kind: str) -> bool:
    checks = {
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "integer": (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer()),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
    }
    return checks.get(kind, True)


def _object(
    value: dict[str, Any], node: dict[str, Any], root: dict[str, Any], path: str
) -> None:
    properties = node.get("properties") or {}
    for key in node.get("required") or ():
        if key not in value:
            _fail(f"{path}.{key}".lstrip("."), "is required")
    extra = node.get("additionalProperties", True)
    for key, item in value.items():
        child = f"{path}.{key}".lstrip(".")
        if key in properties:
            _validate(item, properties[key], root, child)
        elif extra is False:
            _fail(child, "is not allowed")
        elif isinstance(extra, dict):
            _validate(item, extra, root, child)


def _array(
    value: list[Any], node: dict[str, Any], root: dict[str, Any], path: str
) -> None:
    if len(value) < node.get("minItems", 0):
        _fail(path, f"needs at least {node['minItems']} items")
    if "maxItems" in node and len(value) > node["maxItems"]:
        _fail(path, f"takes at most {node['maxItems']} items")
    prefix = node.get("prefixItems") or []
    for index, item in enumerate(value):
        schema = prefix[index] if index < len(prefix) else node.get("items", True)
        _validate(item, schema, root, f"{path}[{index}]")


def _string(value: str, node: dict[str, Any], path: str) -> None:
    if len(value) < node.get("minLength", 0):
        _fail(path, f"needs at least {node['minLength']} characters")
    if "maxLength" in node and len(value) > node["maxLength"]:
        _fail(path, f"takes at most {node['maxLength']} characters")
    if "pattern" in node and not re.search(node["pattern"], value):
        _fail(path, "does not match the pattern")
    parse = {
        "date": datetime.date.fromisoformat,
        "time": datetime.time.fromisoformat,
        "date-time": lambda s: datetime.datetime.fromisoformat(
            s.replace("Z", "+00:00")
        ),
        "uuid": uuid.UUID,
    }.get(node.get("format", ""))
    if parse is not None:
        try:
            parse(value)
        except ValueError:
            _fail(path, f"is not a valid {node['format']}")


def _number(value: float, node: dict[str, Any], path: str) -> None:
    if "minimum" in node and value < node["minimum"]:
        _fail(path, f"must be >= {node['minimum']}")
    if "maximum" in node and value > node["maximum"]:
        _fail(path, f"must be <= {node['maximum']}")
    if "exclusiveMinimum" in node and value <= node["exclusiveMinimum"]:
        _fail(path, f"must be > {node['exclusiveMinimum']}")
    if "exclusiveMaximum" in node and value >= node["exclusiveMaximum"]:
        _fail(path, f"must be < {node['exclusiveMaximum']}")


def _fail(path: str, problem: str) -> None:
    raise ValueError(f"{path or 'the answer'}: {problem}")


def tool_name(title: str) -> str:
    """``extract_<title in snake case>``, a valid tool name.

    Example:
        >>> tool_name("PurchaseOrder"), tool_name("line items!")
        ('extract_purchase_order', 'extract_line_items')
    """
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", title)
    snake = re.sub(r"[^0-9a-zA-Z]+", "_", snake).strip("_").lower()
    return f"extract_{snake or 'fields'}"[:64]


__all__ = [
    "FORMATS",
    "MAX_SCHEMA_CHARS",
    "UNENFORCEABLE",
    "UnsupportedSchemaError",
    "check_schema",
    "tool_name",
    "validate",
]
