"""What the stand-in "model" says: the ``Reply`` type and the default responder.

Tests script answers with ``server.script(fn)`` (``fn(request) -> Reply | None``)
or ``server.script_queue([Reply, ...])``; anything unscripted falls through to
:func:`default_responder`, which answers by pattern so that langchain-tests'
standard ``ChatModelIntegrationTests`` pass when recorded against the stand-in:

- ``response_format`` json_schema -> a JSON instance of the schema (with
  several images, an array of objects with an integer ``image`` gets one item
  per image, numbered from 1, each about its own image);
- ``response_format`` json_object -> a JSON object with the keys the prompt
  quotes (a joke's ``setup``/``punchline`` when it asks for a joke);
- ``tools`` and a user turn last -> a call to the tool the prompt names (else
  the best word match, else the first; ``tool_choice`` is not an Ollama
  request field, so it never reaches the model), arguments filled from the
  tool's JSON schema and the prompt;
- a tool result last -> a sentence quoting the result;
- otherwise a short text answer (greetings, "say X", arithmetic, haikus,
  stories, jokes, and a generic "The image shows ..." for images).

Responders get the request as the model sees it (``validation.model_view``:
Ollama's translation applied, images dropped for text-only models). Everything
is seeded from the request body, so re-recording gives the same answers.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.stand_in.hints import Hints, joke_about, quoted_in, salient_words, topic_of
from tests.stand_in.messages import (
    decode_data_url,
    image_header,
    last_message,
    last_user_text,
    message_images,
    message_text,
    messages_of,
)
from tests.stand_in.schema_fill import instance_for


@dataclass
class Reply:
    """One scripted answer.

    ``tool_calls`` items are ``{"name": str, "arguments": dict}`` (an ``"id"``
    key is kept if given, else the server makes one). ``finish_reason`` None
    lets the server decide (``stop``/``length``/``tool_calls``); when set, the
    content goes out exactly as given; ``""`` sends no finish reason at all
    (Ollama's empty ``DoneReason``). ``status`` other than 200 turns the reply
    into an error response whose message is ``error``, sent before any output
    (a scheduling error). ``runner_error`` makes the runner fail after
    producing ``content``: a stream gets the content, then the version's
    error chunk with no finish reason and no ``[DONE]``; a non-stream request
    a 500. ``reasoning`` is the model's thinking, sent by the current version
    only.
    """

    content: str = ""
    tool_calls: list[dict[str, Any]] | None = None
    finish_reason: str | None = None
    status: int = 200
    error: str | None = None
    runner_error: str | None = None
    reasoning: str | None = None


Responder = Callable[[dict[str, Any]], "Reply | None"]


def request_rng(request: dict[str, Any], salt: str = "") -> random.Random:
    """A RNG seeded from the request body, so answers are reproducible."""
    canonical = json.dumps(request, sort_keys=True, default=str, ensure_ascii=False)
    digest = hashlib.sha256((salt + canonical).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def default_responder(request: dict[str, Any]) -> Reply:
    """The stand-in's unscripted answer to a chat request."""
    rng = request_rng(request)
    response_format = request.get("response_format")
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    schema = _json_schema_of(response_format)
    if kind == "json_schema" and schema is not None:
        value = instance_for(schema, _hints(request, rng))
        return Reply(content=json.dumps(value, ensure_ascii=False))
    if kind == "json_object":
        return Reply(content=json.dumps(_json_object(request, rng), ensure_ascii=False))
    if _function_tools(request) and last_message(request).get("role") == "user":
        return _tool_call_reply(request, rng)
    return Reply(content=text_answer(request))


# -- structured answers -------------------------------------------------------


def _json_schema_of(response_format: Any) -> dict[str, Any] | None:
    if not isinstance(response_format, dict):
        return None
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, dict) else None
    return schema if isinstance(schema, dict) else None


_IDENTIFIER = re.compile(r"[A-Za-z_][\w-]{0,40}")
_NUMERIC_KEYS = ("age", "count", "number", "year", "total", "amount", "score")


def _json_object(request: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    text = last_user_text(request)
    keys = list(dict.fromkeys(q for q in quoted_in(text) if _IDENTIFIER.fullmatch(q)))
    if not keys and "joke" in text.lower():
        keys = ["setup", "punchline"]
    if not keys:
        return {"answer": text_answer(request)}
    properties = {
        key: {"type": "integer" if _looks_numeric(key) else "string"} for key in keys
    }
    schema = {"type": "object", "properties": properties, "required": keys}
    return instance_for(schema, _hints(request, rng, used=set(keys)))


def _looks_numeric(key: str) -> bool:
    return any(word in key.lower() for word in _NUMERIC_KEYS)


def _hints(
    request: dict[str, Any], rng: random.Random, used: set[str] | None = None
) -> Hints:
    images = _latest_images(request)
    sentence = describe_images(images) if images else None
    each = tuple(describe_images([url]) for url in images) if len(images) > 1 else ()
    return Hints(
        last_user_text(request),
        rng,
        image_sentence=sentence,
        image_sentences=each,
        used=used or set(),
    )


# -- tool calls ---------------------------------------------------------------


def _function_tools(request: dict[str, Any]) -> list[dict[str, Any]]:
    tools = request.get("tools")
    if not isinstance(tools, list):
        return []
    return [
        t["function"]
        for t in tools
        if isinstance(t, dict)
        and isinstance(t.get("function"), dict)
        and isinstance(t["function"].get("name"), str)
    ]


def _tool_call_reply(request: dict[str, Any], rng: random.Random) -> Reply:
    text = last_user_text(request)
    hints = _hints(request, rng)
    calls = []
    for function in choose_tools(_function_tools(request), text):
        parameters = function.get("parameters") or {"type": "object"}
        arguments = instance_for(parameters, hints, include_optional=False)
        calls.append(
            {
                "name": function["name"],
                "arguments": arguments if isinstance(arguments, dict) else {},
            }
        )
    return Reply(tool_calls=calls)


def choose_tools(tools: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The tools a model would call for ``text``.

    Every tool named in the text (in reading order); else the tool whose name
    and description share most words with the text; ties go to the first.
    """
    by_name = {t["name"]: t for t in tools}
    named = sorted(
        (m.start(), t["name"])
        for t in tools
        if (m := re.search(rf"(?<!\w){re.escape(t['name'])}(?!\w)", text))
    )
    if named:
        return [by_name[name] for _, name in named]
    words = {w.lower() for w in salient_words(text)}
    return [max(tools, key=lambda t: len(words & _tool_words(t)))]


def _tool_words(tool: dict[str, Any]) -> set[str]:
    blob = f"{tool['name'].replace('_', ' ')} {tool.get('description') or ''}"
    return {w.lower() for w in salient_words(blob)}


# -- text answers -------------------------------------------------------------


def text_answer(request: dict[str, Any]) -> str:
    """A short plain-text answer to the conversation's latest turn."""
    last = last_message(request)
    if last.get("role") == "tool":
        return _tool_result_answer(request, last)
    text = last_user_text(request)
    images = _latest_images(request)
    if images:
        return describe_images(images)
    for rule in _TEXT_RULES:
        answer = rule(text)
        if answer:
            return answer
    return _generic_answer(text)


SCRIPTED = "[scripted]"
"""Marks a free answer as the stand-in's, not a model's (keyless try-outs)."""


def describe_images(urls: list[str]) -> str:
    """A generic description that still says what arrived (format and size)."""
    sizes = []
    for url in urls:
        data = decode_data_url(url)
        header = image_header(data) if data else None
        sizes.append(
            f"a {header.width}x{header.height} {header.format}" if header else "an"
        )
    unseen = "the stand-in does not look at pixels, so this says nothing about them"
    if len(urls) == 1:
        return f"{SCRIPTED} The stand-in received {sizes[0]} image; {unseen}."
    listed = "; ".join(f"image {i + 1} is {s} image" for i, s in enumerate(sizes))
    return f"{SCRIPTED} The stand-in received {len(urls)} images ({listed}); {unseen}."


def _latest_images(request: dict[str, Any]) -> list[str]:
    """Images in the last message, else in the latest user message."""
    images = message_images(last_message(request))
    if images:
        return images
    for message in reversed(messages_of(request)):
        if message.get("role") == "user":
            return message_images(message)
    return []


def _tool_result_answer(request: dict[str, Any], message: dict[str, Any]) -> str:
    name = message.get("name") or _tool_name_for(request, message.get("tool_call_id"))
    label = f"The {name} tool" if name else "The tool"
    result = message_text(message).strip()
    images = message_images(message)
    if images:
        picture = describe_images(images)
        return f"{label} returned an image. {picture}"
    if result.lower().startswith("error") or '"error"' in result.lower():
        return f"{label} reported an error: {result} I could not finish the task."
    return f"{label} returned: {result}"


def _tool_name_for(request: dict[str, Any], call_id: Any) -> str | None:
    for message in messages_of(request):
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and call.get("id") == call_id:
                function = call.get("function") or {}
                return function.get("name") if isinstance(function, dict) else None
    return None


_SAY = re.compile(
    r"\b(?:say|repeat|respond with|reply with|answer with|output)\b"
    r"(?:\s+(?:only|just|back|exactly))?"
    r"(?:\s+the\s+word)?(?:\s+after me)?:?\s+([^\s.!?,]+)",
    re.IGNORECASE,
)
_ARITHMETIC = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x\u00d7])\s*(-?\d+(?:\.\d+)?)")
_HAIKUS = (
    "Soft paws on the sill\nmorning light spills through the glass\nthe cat blinks, "
    "then sleeps",
    "Autumn leaves drifting\na quiet pond holds the sky\nripples fade to calm",
    "City lights at dusk\nfootsteps echo down the street\nthe night hums along",
)
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "2": 2, "3": 3}


def _say_rule(text: str) -> str | None:
    if not re.search(r"\b(say|repeat|respond|reply|answer with|output)\b", text, re.I):
        return None
    quoted = quoted_in(text)
    if quoted:
        return quoted[0]
    match = _SAY.search(text)
    return match.group(1) if match else None


def _greeting_rule(text: str) -> str | None:
    lowered = text.strip().lower()
    if re.search(r"\bhow are you\b", lowered):
        return "I'm doing well, thank you for asking! How can I help you today?"
    if re.match(r"(hi|hello|hey|good (morning|afternoon|evening))\b", lowered):
        return "Hello! How can I assist you today?"
    if re.match(r"(thanks|thank you|well,? thanks)\b", lowered):
        return "You're welcome! Let me know if there is anything else I can do."
    return None


def _arithmetic_rule(text: str) -> str | None:
    match = _ARITHMETIC.search(text)
    if not match or not re.search(r"\b(what|calculate|compute|is)\b", text, re.I):
        return None
    left, op, right = float(match.group(1)), match.group(2), float(match.group(3))
    results = {
        "+": left + right,
        "-": left - right,
        "*": left * right,
        "x": left * right,
        "\u00d7": left * right,
        "/": left / right if right else float("nan"),
    }
    value = results[op]
    shown = int(value) if value == int(value) else round(value, 4)
    return f"{match.group(1)} {op} {match.group(3)} = {shown}."


def _haiku_rule(text: str) -> str | None:
    match = re.search(r"\b(\w+)?\s*haikus?\b", text, re.IGNORECASE)
    if not match:
        return None
    count = _COUNT_WORDS.get((match.group(1) or "a").lower(), 1)
    return "\n\n".join(_HAIKUS[: max(1, min(count, len(_HAIKUS)))])


def _story_rule(text: str) -> str | None:
    if not re.search(r"\bstory\b", text, re.IGNORECASE):
        return None
    subject = topic_of(text) or "a cat"
    return (
        f"Once upon a time there was {subject} named Miso who lived above a "
        "small bakery. Every morning Miso watched the baker knead the dough and "
        "dreamed of tasting the warm bread. One rainy day a customer left the "
        "door open, and Miso slipped inside, only to find the baker had saved a "
        "tiny roll just for her. From then on they shared breakfast together, "
        "and the bakery became the happiest shop on the street."
    )


def _joke_rule(text: str) -> str | None:
    if not re.search(r"\bjoke\b", text, re.IGNORECASE):
        return None
    setup, punchline = joke_about(topic_of(text))
    return f"{setup} {punchline}"


_TEXT_RULES: tuple[Callable[[str], str | None], ...] = (
    _say_rule,
    _greeting_rule,
    _arithmetic_rule,
    _haiku_rule,
    _story_rule,
    _joke_rule,
)


def _generic_answer(text: str) -> str:
    words = salient_words(text)
    if not words:
        return "Hello! How can I assist you today?"
    subject = topic_of(text) or words[0]
    return (
        f"Here is a short answer about {subject}: it depends on the details, but "
        "the key points are the context, the goal and the constraints. Let me "
        "know if you would like more detail on any of them."
    )
