"""The two Ollama versions the stand-in emulates, and every behaviour that differs.

Gravix's chat endpoint is Ollama's OpenAI compatibility layer (it answers with
``system_fingerprint: "fp_ollama"``), but which Ollama version it runs is
unknown. The stand-in plays either:

- ``"2025"``: ``v0.9.7-rc0``, commit ``35fda7b`` (2025-06-25): the translation
  and the middleware are in ``openai/openai.go``, the checks in
  ``server/routes.go`` ``ChatHandler``. The version Gravix is known to have run;
  the default, and what the committed cassettes are recorded against.
- ``"current"``: ``v0.33.0-rc2``, commit ``fb30760`` (2026-08-21): translation in
  ``openai/openai.go``, writers and middleware in ``middleware/openai.go``.

Each behaviour that differs is written once, below, as a method of
:class:`Ollama` naming the Ollama file and function it follows. Pick a version
with ``StandInServer(ollama="current")``, ``python -m tests.stand_in --ollama
current``, or the environment variable ``GRAVIX_STAND_IN_OLLAMA`` (read by the
recording fixtures).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from typing import Any

OLLAMA_ENV = "GRAVIX_STAND_IN_OLLAMA"
OLLAMA_2025 = "2025"
OLLAMA_CURRENT = "current"
VERSIONS = (OLLAMA_2025, OLLAMA_CURRENT)

INVALID_REQUEST = "invalid_request_error"
API_ERROR = "api_error"
NOT_FOUND = "not_found_error"

_2025_IMAGE_TYPES = ("jpeg", "jpg", "png")
_CURRENT_IMAGE_TYPES = ("jpeg", "jpg", "png", "webp")


class ImageRefused(Exception):
    """An image part the middleware refuses; ``str()`` is the server's text."""


@dataclass(frozen=True)
class Ollama:
    """One emulated Ollama version: ``name`` is ``"2025"`` or ``"current"``."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in VERSIONS:
            msg = f"Ollama version must be one of {VERSIONS}, not {self.name!r}"
            raise ValueError(msg)

    @property
    def is_2025(self) -> bool:
        """True for the mid-2025 layer (``35fda7b``)."""
        return self.name == OLLAMA_2025

    # -- request translation (openai/openai.go fromChatRequest / FromChatRequest)

    def decode_image(self, url: str) -> bytes:
        """The image bytes of a data URL, or :class:`ImageRefused`.

        2025 (``openai.go`` fromChatRequest): only ``data:image/{jpeg,jpg,png};
        base64,``, else "invalid image input"; bad base64 is "invalid message
        format". Current (``openai.go`` decodeImageURL): http(s) URLs get their
        own message, webp and the blank ``data:;base64,`` are accepted, bad
        base64 is "invalid image input". Go's StdEncoding skips ``\\r\\n``.
        """
        if not self.is_2025 and url.startswith(("http://", "https://")):
            msg = (
                "image URLs are not currently supported, please use base64 "
                "encoded data instead"
            )
            raise ImageRefused(msg)
        types = _2025_IMAGE_TYPES if self.is_2025 else _CURRENT_IMAGE_TYPES
        prefixes = [f"data:image/{t};base64," for t in types]
        if not self.is_2025:
            prefixes.append("data:;base64,")
        prefix = next((p for p in prefixes if url.startswith(p)), None)
        if prefix is None:
            raise ImageRefused("invalid image input")
        payload = url[len(prefix) :].replace("\r", "").replace("\n", "")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise ImageRefused(
                "invalid message format" if self.is_2025 else "invalid image input"
            ) from None

    def keeps_tool_calls(self, message: dict[str, Any]) -> bool:
        """Whether an assistant message's ``tool_calls`` reach the model.

        2025 (``openai.go`` fromChatRequest): only in the ``default:`` branch,
        i.e. when ``content`` is neither a string nor a list (null); a string
        (even "") or a list of parts drops them without a word (fixed in
        v0.11.4 / v0.12.6). Current (``FromChatRequest``): always kept.
        """
        if self.is_2025:
            return not isinstance(message.get("content"), str | list)
        return True

    def keeps_tool_message_fields(self) -> bool:
        """Whether ``name`` / ``tool_call_id`` (and call ids) reach the model.

        2025 (``openai.go`` Message): no such fields, Go drops them. Current
        (``FromChatRequest``): kept, the tool name resolved from the call id.
        """
        return not self.is_2025

    def request_fields(self) -> str:
        """Which ``ChatCompletionRequest`` struct to decode into (go_decode)."""
        return self.name

    def reasoning_effort_error(self, body: dict[str, Any]) -> str | None:
        """Current (``openai.go`` thinkFromReasoningEffort): unknown efforts are 400.

        2025 has no such field (ignored).
        """
        if self.is_2025:
            return None
        effort = effort_of(body)
        allowed = {"", "none", "minimal", "low", "medium", "high", "max", "xhigh"}
        if effort in allowed | {"ultra"}:
            return None
        return (
            f'invalid reasoning value: "{effort}" (must be "minimal", "low", '
            '"medium", "high", "xhigh", "ultra", "max", or "none")'
        )

    def thinking_error(self, body: dict[str, Any], model_thinks: bool) -> str | None:
        """Current (``routes.go`` ChatHandler, after the model lookup): asking a
        model without the thinking capability to think is 400 ``"<model>" does
        not support thinking`` (Go ``%q`` of the model as sent). An effort of
        ``"none"`` (think false) or none at all passes. 2025 has no field."""
        if self.is_2025 or model_thinks or effort_of(body) in ("", "none"):
            return None
        return f"{go_quote(str(body.get('model') or ''))} does not support thinking"

    def thinks(self, body: dict[str, Any], model_thinks: bool) -> bool:
        """Whether ``reasoning`` goes out: current only, on by default for models
        that think (``routes.go`` ChatHandler), off with ``reasoning_effort:
        "none"``. 2025's ``openai.go`` Message has no reasoning field at all.
        """
        if self.is_2025 or not model_thinks:
            return False
        return effort_of(body) != "none"

    def invalid_model_name(self, name: str) -> str | None:
        """The 400 text for a model name ``model.ParseName`` cannot qualify.

        2025 (``routes.go`` ChatHandler): ``!name.IsValid()`` -> ``model is
        required``. Current (``parseAndValidateModelRef`` ->
        ``writeModelRefParseError``): ``invalid model name``
        (``errtypes.InvalidModelNameErrMsg``).
        """
        if valid_model_name(name if self.is_2025 else name.strip()):  # ParseRef trims
            return None
        return "model is required" if self.is_2025 else "invalid model name"

    def show_not_found(self, name: str) -> str:
        """The 404 text of ``GET /v1/models/{name}`` (``routes.go`` ShowHandler).

        2025: ``model 'x' not found`` as requested. Current: the name is
        canonicalised first (``DisplayShortest``), so ``x`` is ``x:latest``.
        """
        if self.is_2025:
            return f"model '{name}' not found"
        return f"model '{display_shortest(name)}' not found"

    def format_error(self, body: dict[str, Any]) -> str | None:
        """A ``json_schema`` whose schema is not a JSON object: the runner's error.

        Both versions (``llm/server.go`` / ``llm/llama_server.go`` Completion):
        a format that is not ``null``, ``""`` or ``"json"`` must start with
        ``{``, else ``invalid format: %q; expected "json" or a valid JSON Schema
        object`` -- a runner error, so a 500 (or the stream's error chunk).
        """
        response_format = body.get("response_format")
        if not isinstance(response_format, dict):
            return None
        if str(response_format.get("type") or "").strip().lower() != "json_schema":
            return None
        json_schema = response_format.get("json_schema")
        if not isinstance(json_schema, dict) or "schema" not in json_schema:
            return None
        schema = json_schema["schema"]
        if schema is None or schema in ("", "json") or isinstance(schema, dict):
            return None
        raw = json.dumps(schema)
        return (
            f'invalid format: {go_quote(raw)}; expected "json" or a valid JSON'
            " Schema object"
        )

    @staticmethod
    def tool_name(message: dict[str, Any], messages: list[Any]) -> str | None:
        """Current (``FromChatRequest`` nameFromToolCallID): a tool message
        without ``name`` takes the name of the call its ``tool_call_id`` names,
        the last such call winning."""
        if message.get("name") or not message.get("tool_call_id"):
            return message.get("name")
        for earlier in reversed(messages):
            calls = earlier.get("tool_calls") if isinstance(earlier, dict) else None
            for call in calls if isinstance(calls, list) else []:
                if isinstance(call, dict) and call.get("id") == message["tool_call_id"]:
                    function = call.get("function")
                    return function.get("name") if isinstance(function, dict) else None
        return None

    def logprobs(self, body: dict[str, Any]) -> int | None:
        """How many top alternatives to report per token, or None for no logprobs.

        Current (``openai.go`` FromChatRequest ``Logprobs``/``TopLogprobs``,
        ``ToChatCompletion``/``toChunk``): ``logprobs: true`` adds
        ``choices[].logprobs.content``. 2025 ignores the field.
        """
        if self.is_2025 or body.get("logprobs") is not True:
            return None
        top = body.get("top_logprobs")
        return top if isinstance(top, int) else 0

    # -- errors (openai.go NewError / BaseWriter.writeError, routes.go) ------

    def handler_error_type(self, status: int) -> str:
        """The ``type`` of an error the handler (not the middleware) returns.

        2025 (``openai.go`` BaseWriter.writeError): always
        ``NewError(http.StatusInternalServerError, ...)`` -> ``api_error``,
        whatever the status. Current (``middleware/openai.go`` writeError):
        ``NewError(status, ...)`` -> 400 ``invalid_request_error``, 404
        ``not_found_error``, else ``api_error``.
        """
        if self.is_2025:
            return API_ERROR
        return error_type_for(status)

    def model_not_found(self, name: str) -> str:
        """The 404 text for an unknown model.

        2025 (``routes.go`` handleScheduleError): ``model "x" not found, try
        pulling it first`` (Go ``%q``). Current (``routes.go`` ChatHandler,
        ``s.getModel``): ``model 'x' not found``.
        """
        if self.is_2025:
            return f"model {go_quote(name)} not found, try pulling it first"
        return f"model '{name}' not found"

    # -- responses (openai.go toChatCompletion / toChunk, middleware writers) --

    def finish_reason(self, reason: str, has_tool_calls: bool) -> str:
        """2025 (``toChatCompletion`` / ``toChunk``): any reason becomes
        ``tool_calls`` once calls exist. Current (``ToChatCompletion`` /
        ``FinishChunk``): only ``stop`` does.
        """
        if has_tool_calls and (self.is_2025 or reason == "stop"):
            return "tool_calls"
        return reason

    def role_on_every_chunk(self) -> bool:
        """2025 (``toChunk``): ``role`` on every delta; current (``toChunk``
        with ``includeRole``): on the first chunk only."""
        return self.is_2025

    def separate_finish_chunk(self) -> bool:
        """2025 (``ChatWriter.writeResponse``): the done response is a normal
        chunk ``{"role","content":""}`` carrying the finish reason. Current
        (``middleware/openai.go`` writeResponse + ``FinishChunk``): the empty
        trailer is skipped and a separate ``delta: {}`` chunk carries it."""
        return not self.is_2025

    def stream_error_is_http_error(self, output_written: bool) -> bool:
        """A runner error in a stream: an HTTP error, or one empty chunk?

        2025 (``routes.go`` streamResponse): the ``{"error"}`` line always goes
        through ``ChatWriter.Write`` with status 200 -> an empty chunk, no
        ``finish_reason``, no ``[DONE]``. Current (``routes.go`` streamResponse):
        a proper HTTP error while nothing was written, else the same empty chunk.
        """
        return not self.is_2025 and not output_written

    def sorts_argument_keys(self) -> bool:
        """2025 (``api.ToolCallFunctionArguments`` is ``map[string]any``): Go
        sorts the keys of tool-call ``arguments``. Current (an ordered map,
        ``api/types.go``): keeps the model's order at the top level."""
        return self.is_2025


def effort_of(body: dict[str, Any]) -> str:
    """The reasoning effort Ollama reads (current ``FromChatRequest``): a
    ``reasoning`` object wins over ``reasoning_effort`` even without an
    ``effort`` (then ""); ``null`` counts as absent."""
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict):
        return str(reasoning.get("effort") or "")
    effort = body.get("reasoning_effort")
    return effort if isinstance(effort, str) else ""


def _valid_part(kind: str, part: str) -> bool:
    """``types/model/name.go`` isValidPart (the same in both versions)."""
    if not 1 <= len(part) <= (350 if kind == "host" else 80):
        return False
    if not (part[0].isascii() and (part[0].isalnum() or part[0] == "_")):
        return False
    for char in part[1:]:
        if char in "_-" or (char.isascii() and char.isalnum()):
            continue
        if char == "." and kind != "namespace":
            continue
        if char == ":" and kind == "host":
            continue
        return False
    return True


def _parse_name(name: str) -> tuple[str, str, str, str]:
    """``model.ParseName``: host, namespace, model, tag with the defaults."""
    host, namespace, tag = "registry.ollama.ai", "library", "latest"
    rest = name
    if rest.rfind(":") > rest.rfind("/"):
        rest, _, tag = rest.rpartition(":")
        rest, tag = rest or "!MISSING!", tag or "!MISSING!"
    if "/" in rest:
        rest, _, model = rest.rpartition("/")
        rest, model = rest or "!MISSING!", model or "!MISSING!"
        if "/" in rest:
            host, _, namespace = rest.rpartition("/")
            host, namespace = host or "!MISSING!", namespace or "!MISSING!"
            host = host.split("://", 1)[-1]
        else:
            namespace = rest
    else:
        model = rest
    return host, namespace, model, tag


def valid_model_name(name: str) -> bool:
    """``model.ParseName(name).IsValid()``: every part present and well formed."""
    parts = _parse_name(name)
    kinds = ("host", "namespace", "model", "tag")
    return all(_valid_part(kind, part) for kind, part in zip(kinds, parts, strict=True))


def display_shortest(name: str) -> str:
    """``Name.DisplayShortest``: ``x`` -> ``x:latest``, ``ns/x`` -> ``ns/x:latest``."""
    host, namespace, model, tag = _parse_name(name.strip())
    if host.lower() != "registry.ollama.ai":
        return f"{host}/{namespace}/{model}:{tag}"
    prefix = "" if namespace.lower() == "library" else f"{namespace}/"
    return f"{prefix}{model}:{tag}"


def error_type_for(status: int) -> str:
    """``openai.go`` NewError: the ``type`` for a status."""
    if status == 400:
        return INVALID_REQUEST
    if status == 404:
        return NOT_FOUND
    return API_ERROR


def go_quote(text: str) -> str:
    """Go's ``%q`` for a plain string (enough for model names)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def ollama_from_env(default: str = OLLAMA_2025) -> str:
    """The version named by ``GRAVIX_STAND_IN_OLLAMA`` (``2025`` when unset)."""
    value = os.environ.get(OLLAMA_ENV, "").strip().lower() or default
    if value not in VERSIONS:
        msg = f"{OLLAMA_ENV} must be one of {VERSIONS}, not {value!r}"
        raise SystemExit(msg)
    return value
