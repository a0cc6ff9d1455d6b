"""Make a JSON value that conforms to a JSON schema, using prompt hints.

Stands in for Ollama's grammar-constrained ``format``: handles ``$ref`` into
``$defs``/``definitions``, ``allOf``/``anyOf``/``oneOf`` (optional fields via
``null`` branches), ``enum``/``const``, objects, arrays (``items`` and
``prefixItems``), strings (with ``format`` and ``maxLength``), integers and
numbers (with bounds) and booleans. Values come from :class:`Hints` where the
prompt offers one, else from defaults and a seeded RNG.
"""

from __future__ import annotations

import math
from typing import Any

from tests.stand_in.hints import Hints

_MAX_DEPTH = 8
_DESCRIPTIVE = (
    "description",
    "summary",
    "caption",
    "text",
    "content",
    "details",
    "explanation",
    "difference",
    "reasoning",
    "answer",
    "response",
    "message",
    "comment",
    "note",
    "body",
)
_PHRASE_NAMES = (
    "style",
    "tone",
    "location",
    "city",
    "place",
    "country",
    "address",
    "destination",
    "region",
)
_QUERY = ("query", "question", "prompt", "instruction", "search")
_UNSEEN = ("people", "persons", "faces")
_NAMED_VALUES = {"language": "en", "lang": "en", "locale": "en-US"}
_FORMATS = {
    "date": "2025-07-09",
    "date-time": "2025-07-09T12:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def instance_for(
    schema: dict[str, Any], hints: Hints, *, include_optional: bool = True
) -> Any:
    """A value valid against ``schema``.

    ``include_optional=False`` (tool arguments) fills optional properties only
    when the prompt names them; True (response_format) fills them all unless the
    prompt says "no <field>".
    """
    return _Filler(schema, hints, include_optional).fill(schema, "", 0)


class _Filler:
    def __init__(
        self, root: dict[str, Any], hints: Hints, include_optional: bool
    ) -> None:
        self.root = root
        self.hints = hints
        self.include_optional = include_optional

    # -- dispatch -----------------------------------------------------------

    def fill(self, schema: Any, name: str, depth: int) -> Any:
        schema = self.resolve(schema)
        if depth > _MAX_DEPTH or not isinstance(schema, dict):
            return None
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self.enum_value(schema["enum"])
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            return self.fill_branch(branches, name, depth)
        kind = self.kind_of(schema)
        if kind == "object":
            return self.fill_object(schema, depth)
        if kind == "array":
            return self.fill_array(schema, name, depth)
        if kind in ("integer", "number"):
            return self.fill_number(schema, integer=kind == "integer")
        if kind == "boolean":
            return schema.get("default", True)
        if kind == "null":
            return None
        return self.fill_string(schema, name)

    def resolve(self, schema: Any) -> Any:
        """Follow ``$ref`` and merge ``allOf`` into one schema."""
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            target = self.lookup(schema["$ref"])
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if isinstance(target, dict) else target
            seen += 1
        if isinstance(schema, dict) and "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged = _merge(merged, self.resolve(part))
            return merged
        return schema

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for token in ref.lstrip("#").strip("/").split("/"):
            if not token:
                continue
            token = token.replace("~1", "/").replace("~0", "~")
            node = node.get(token, {}) if isinstance(node, dict) else {}
        return node

    @staticmethod
    def kind_of(schema: dict[str, Any]) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if isinstance(kind, str):
            return kind
        if "properties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        return "string"

    # -- composites ---------------------------------------------------------

    def fill_branch(self, branches: list[Any], name: str, depth: int) -> Any:
        resolved = [self.resolve(b) for b in branches]
        nullable = any(_is_null(b) for b in resolved)
        if nullable and name and self.hints.excludes(name):
            return None
        if nullable and name == "answer" and not self.hints.asks_a_question():
            return None  # no answer where nothing was asked
        concrete = [b for b in resolved if not _is_null(b)]
        return self.fill(concrete[0], name, depth + 1) if concrete else None

    def fill_object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        result: dict[str, Any] = {}
        for key, prop in properties.items():
            if key not in required and not self.wants_optional(key, prop):
                continue
            result[key] = self.fill(prop, key, depth + 1)
        return result

    def wants_optional(self, key: str, prop: Any) -> bool:
        if self.hints.excludes(key):
            # a nullable field still goes out, as null (see fill_branch)
            return _nullable(self.resolve(prop))
        return self.include_optional or self.hints.mentions(key)

    def fill_array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        if name in _UNSEEN and self.hints.image_sentence and not schema.get("minItems"):
            return []  # the stand-in sees no pixels: it names no people or faces
        per_image = self.fill_per_image(schema, name, depth)
        if per_image is not None:
            return per_image
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            return [self.fill(item, name, depth + 1) for item in prefix]
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", max(low, 2)))
        count = min(max(low, 2), high)
        items = schema.get("items", {})
        values: list[Any] = []
        for _ in range(count * 3):
            if len(values) == count:
                break
            value = self.fill(items, _singular(name), depth + 1)
            if value not in values:  # the same sentence twice reads as broken
                values.append(value)
        while len(values) < low and not schema.get("uniqueItems"):
            values.append(self.fill(items, _singular(name), depth + 1))
        return values

    def fill_per_image(
        self, schema: dict[str, Any], name: str, depth: int
    ) -> list[Any] | None:
        """One item per image sent, numbered 1..n, when items carry an ``image``.

        A several-image prompt answered in an array of objects with an integer
        ``image`` property (compare_images' notes): a model numbers the
        images as labelled, one item each, in order.
        """
        if not self.hints.image_sentences:
            return None
        item = self.resolve(schema.get("items", {}))
        properties = item.get("properties") if isinstance(item, dict) else None
        if not isinstance(properties, dict) or "image" not in properties:
            return None
        if self.kind_of(self.resolve(properties["image"])) != "integer":
            return None
        values = []
        for number in range(1, len(self.hints.image_sentences) + 1):
            with self.hints.about_image(number):
                value = self.fill(item, _singular(name), depth + 1)
            values.append(
                {**value, "image": number} if isinstance(value, dict) else value
            )
        return values

    # -- scalars ------------------------------------------------------------

    def enum_value(self, options: list[Any]) -> Any:
        text = self.hints.text.lower()
        for option in options:
            if isinstance(option, str) and option.lower() in text:
                return option
        return options[0] if options else None

    def fill_number(self, schema: dict[str, Any], *, integer: bool) -> float | int:
        low, high = _bounds(schema, integer=integer)
        value = self.hints.next_number(low, high)
        if value is None or (integer and value != int(value)):
            value = schema.get("default")
        if value is None:
            start = low if low is not None else min(1, high if high is not None else 1)
            end = high if high is not None else start + 9
            value = self.hints.rng.randint(
                math.ceil(start), math.floor(max(start, end))
            )
        return int(value) if integer else value

    def fill_string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        if fmt in _FORMATS:
            return _FORMATS[fmt]
        value = self.string_for(name.lower(), schema)
        limit = schema.get("maxLength")
        return value[: int(limit)] if isinstance(limit, int) else value

    def string_for(self, name: str, schema: dict[str, Any]) -> str:
        hints = self.hints
        if name in _NAMED_VALUES:
            return _NAMED_VALUES[name]
        if "setup" in name or ("joke" in name and "punchline" not in name):
            return hints.joke()[0]
        if "punchline" in name:
            return hints.joke()[1]
        if any(word in name for word in _PHRASE_NAMES):
            found = hints.next_phrase() or hints.next_quoted()
            if found is not None:
                return found
        if any(word in name for word in _QUERY):
            return hints.text.strip() or hints.next_word()
        if any(word in name for word in _DESCRIPTIVE):
            return hints.sentence(name)
        quoted = hints.next_quoted()
        if quoted is not None:
            return quoted
        phrase = hints.next_phrase()
        if phrase is not None:
            return phrase
        if "default" in schema and isinstance(schema["default"], str):
            return schema["default"]
        return hints.next_word()


def _merge(base: dict[str, Any], extra: Any) -> dict[str, Any]:
    if not isinstance(extra, dict):
        return base
    merged = {**base, **extra}
    if "properties" in base and "properties" in extra:
        merged["properties"] = {**base["properties"], **extra["properties"]}
    if "required" in base and "required" in extra:
        merged["required"] = [*base["required"], *extra["required"]]
    return merged


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _nullable(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_is_null(b) for b in schema.get("anyOf") or schema.get("oneOf") or ())


def _bounds(
    schema: dict[str, Any], *, integer: bool
) -> tuple[float | None, float | None]:
    step = 1 if integer else 0
    low = schema.get("minimum")
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        low = schema["exclusiveMinimum"] + step
    high = schema.get("maximum")
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        high = schema["exclusiveMaximum"] - step
    return low, high


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") and len(name) > 3 else name
