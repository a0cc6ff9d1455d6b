"""``gravix-vision doctor``: measure what a Gravix server really does, in one command.

A bounded live probe: one ``GET /models`` plus :data:`PROBES_PER_MODEL` tiny chat
requests per model (at most :data:`MAX_MODELS` models, so at most
:data:`MAX_REQUESTS` requests). Each probe records whether the server accepted the
request, what it answered and how long it took. The measured capabilities can be
written as a profile-overrides file (JSON, ``{model: {capability: value}}``) that
``ChatGravixVision`` and the CLI load from ``GRAVIX_PROFILE_FILE``
(see :mod:`langchain_gravix_vision._profile_file`), so measured capabilities
replace assumed ones. The API key is sent, never printed.
"""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from PIL import Image, ImageDraw

from langchain_gravix_vision._text import redact, short
from langchain_gravix_vision.profiles import (
    get_image_resolution,
    image_prompt_tokens,
)

MAX_MODELS = 2
PROBES_PER_MODEL = 11
MAX_REQUESTS = 1 + MAX_MODELS * PROBES_PER_MODEL
RATE_LIMIT_PREFIX = "x-ratelimit-"
HTTP_IMAGE_URL = (
    "https://raw.githubusercontent.com/langchain-ai/docs/"
    "4d11d08b6b0e210bd456943f7a22febbd168b543/src/images/agentic-rag-output.png"
)
GRID_SIDE = 1000
_MAX_TOKENS = 5
_TOOL = {
    "type": "function",
    "function": {
        "name": "record_colour",
        "description": "Record a colour name.",
        "parameters": {
            "type": "object",
            "properties": {"colour": {"type": "string"}},
            "required": ["colour"],
        },
    },
}
_SCHEMA = {
    "type": "object",
    "properties": {"count": {"type": "integer"}},
    "required": ["count"],
    "additionalProperties": False,
}


class DoctorError(Exception):
    """The server could not be used at all (auth, base URL, connectivity)."""


@dataclass
class Probe:
    """One probe's outcome: ``ok`` is the capability it measures."""

    model: str
    name: str
    ok: bool | None
    detail: str
    status: int | None = None
    ms: float = 0.0


@dataclass
class Report:
    """Everything the doctor measured."""

    base_url: str
    models_listed: list[str] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    rate_limit_headers: dict[str, str] = field(default_factory=dict)
    requests: int = 0

    def capabilities(self) -> dict[str, dict[str, Any]]:
        """Measured profile overrides, per model (only probes that decided)."""
        keys = {
            "jpeg": "image_inputs",
            "http_url": "image_url_inputs",
            "tools": "tool_calling",
            "tool_choice": "tool_choice",
            "json_schema": "structured_output",
        }
        out: dict[str, dict[str, Any]] = {}
        for probe in self.probes:
            if probe.name in keys and probe.ok is not None:
                out.setdefault(probe.model, {})[keys[probe.name]] = probe.ok
            if probe.name == "resize" and probe.ok is False:  # images ignored
                out.setdefault(probe.model, {})["image_inputs"] = False
        return out

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (no key, no headers but the rate-limit ones)."""
        data = asdict(self)
        data["profile_overrides"] = self.capabilities()
        return data

    def table(self) -> str:
        """A plain-text table, one probe per row."""
        rows = [("model", "probe", "result", "ms", "detail")]
        mark = {True: "yes", False: "no", None: "-"}
        rows += [
            (p.model, p.name, mark[p.ok], f"{p.ms:.0f}", p.detail) for p in self.probes
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True))
            + "  "
            + r[4]
            for r in rows
        ]
        limits = ", ".join(
            f"{k}={v}" for k, v in sorted(self.rate_limit_headers.items())
        )
        lines.append(
            f"{self.requests} requests; rate-limit headers: {limits or 'none'}"
        )
        return "\n".join(line.rstrip() for line in lines)


def _data_url(fmt: str, side: int = 32, grid: bool = False) -> str:
    image = Image.new("RGB", (side, side), (200, 40, 40))
    if grid:
        draw = ImageDraw.Draw(image)
        for i in range(0, side, 50):
            draw.line([(i, 0), (i, side)], fill=(0, 0, 0))
            draw.line([(0, i), (side, i)], fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f"data:image/{fmt.lower()};base64,{encoded}"


def _image_message(url: str) -> list[dict[str, Any]]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Name the main colour in one word."},
                {"type": "image_url", "image_url": {"url": url}},
            ],
        }
    ]


def _text_message(text: str = "Name the main colour in one word.") -> list[Any]:
    return [{"role": "user", "content": text}]


class Doctor:
    """Runs the probes over one HTTP client."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 30.0) -> None:
        self.report = Report(base_url=base_url.rstrip("/"))
        self._client = httpx.Client(
            base_url=self.report.base_url + "/",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )
        self._secret = api_key

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[httpx.Response, float]:
        self.report.requests += 1
        start = time.perf_counter()
        try:
            if body is not None and body.get("stream"):
                with self._client.stream(method, path, json=body) as response:
                    response.read()
            else:
                response = self._client.request(method, path, json=body)
        except httpx.TimeoutException:
            msg = "the server did not answer in time (try --timeout)"
            raise DoctorError(msg) from None
        except httpx.TransportError as exc:
            msg = f"cannot connect to the server ({type(exc).__name__})"
            raise DoctorError(msg) from None
        ms = (time.perf_counter() - start) * 1000
        for name, value in response.headers.items():
            if name.lower().startswith(RATE_LIMIT_PREFIX):
                self.report.rate_limit_headers[name.lower()] = value
        return response, ms

    def _error_text(self, response: httpx.Response) -> str:
        try:
            error = response.json().get("error", response.text)
            text = (
                error.get("message", str(error))
                if isinstance(error, dict)
                else str(error)
            )
        except (ValueError, AttributeError):
            text = response.text
        return short(redact(text, [self._secret]), 80)

    def check_access(self) -> list[str]:
        """``GET /models``: auth and base URL; the listed model ids."""
        response, ms = self._send("GET", "models")
        if response.status_code in (401, 403):
            msg = f"authentication failed ({response.status_code}): check the API key"
            raise DoctorError(msg)
        if response.status_code == 404:
            msg = "404 on /models: check the base URL (e.g. .../v1/inference)"
            raise DoctorError(msg)
        if response.status_code >= 400:
            msg = (
                f"/models answered {response.status_code}: {self._error_text(response)}"
            )
            raise DoctorError(msg)
        try:
            models = [m["id"] for m in response.json().get("data", [])]
        except (ValueError, KeyError, TypeError, AttributeError):
            models = []
        self.report.models_listed = models
        self._add("", "models", bool(models), f"{len(models)} listed", 200, ms)
        return models

    def _add(
        self,
        model: str,
        name: str,
        ok: bool | None,
        detail: str,
        status: int | None,
        ms: float,
    ) -> dict[str, Any] | None:
        self.report.probes.append(Probe(model, name, ok, detail, status, round(ms, 1)))
        return None

    def _chat(
        self,
        model: str,
        name: str,
        messages: list[Any],
        judge: Callable[[dict[str, Any]], tuple[bool | None, str]] | None = None,
        **extra: Any,
    ) -> dict[str, Any] | None:
        body = {"model": model, "messages": messages, "max_tokens": 16, **extra}
        response, ms = self._send("POST", "chat/completions", body)
        if response.status_code >= 400:
            detail = f"{response.status_code}: {self._error_text(response)}"
            return self._add(model, name, False, detail, response.status_code, ms)
        data = _stream_result(response.text) if extra.get("stream") else response.json()
        ok, detail = judge(data) if judge else (True, "accepted")
        self._add(model, name, ok, detail, response.status_code, ms)
        return data

    def probe_model(self, model: str) -> None:
        """The :data:`PROBES_PER_MODEL` chat probes for ``model``."""
        for fmt in ("JPEG", "PNG", "WEBP"):
            self._chat(model, fmt.lower(), _image_message(_data_url(fmt)))
        self._chat(model, "http_url", _image_message(HTTP_IMAGE_URL))
        self._chat(model, "tools", _text_message(), tools=[_TOOL])
        forced = {"type": "function", "function": {"name": "record_colour"}}
        self._chat(
            model,
            "tool_choice",
            _text_message(),
            _forced_tool,
            tools=[_TOOL],
            tool_choice=forced,
        )
        schema = {"name": "count", "schema": _SCHEMA, "strict": True}
        self._chat(
            model,
            "json_schema",
            _text_message("How many legs has a cat? Answer with prose."),
            _valid_count,
            response_format={"type": "json_schema", "json_schema": schema},
        )
        self._chat(
            model,
            "stream_usage",
            _text_message(),
            _stream_usage,
            stream=True,
            stream_options={"include_usage": True},
        )
        self._chat(
            model,
            "max_tokens",
            _text_message("Count from one to one hundred in words."),
            _within_max_tokens,
            max_tokens=_MAX_TOKENS,
        )
        text = self._chat(model, "reasoning", _text_message(), _reasoning_fields)
        grid = self._chat(
            model, "resize", _image_message(_data_url("PNG", GRID_SIDE, grid=True))
        )
        self._infer_resize(model, text, grid)

    def _infer_resize(
        self, model: str, text: dict[str, Any] | None, grid: dict[str, Any] | None
    ) -> None:
        probe = self.report.probes[-1]
        if not (text and grid and probe.ok):
            return
        try:
            image_tokens = (
                grid["usage"]["prompt_tokens"] - text["usage"]["prompt_tokens"]
            )
        except (KeyError, TypeError):
            probe.detail = "no usage in the answer"
            return
        expected = image_prompt_tokens(
            GRID_SIDE, GRID_SIDE, get_image_resolution(model)
        )
        probe.ok = image_tokens > 0
        seen = f"~ {image_tokens} prompt tokens" if probe.ok else "ignored (0 tokens)"
        probe.detail = (
            f"{GRID_SIDE}x{GRID_SIDE} image {seen} (profile predicts {expected})"
        )


def _stream_result(text: str) -> dict[str, Any]:
    chunks = []
    for line in text.splitlines():
        if line.startswith("data:") and line[5:].strip() != "[DONE]":
            try:
                chunks.append(json.loads(line[5:]))
            except ValueError:
                continue
    usage = next((c["usage"] for c in reversed(chunks) if c.get("usage")), None)
    return {"chunks": len(chunks), "usage": usage}


def _message(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return data["choices"][0]["message"] or {}
    except (KeyError, IndexError, TypeError):
        return {}


def _forced_tool(data: dict[str, Any]) -> tuple[bool, str]:
    calls = _message(data).get("tool_calls") or []
    names = [c.get("function", {}).get("name") for c in calls]
    return "record_colour" in names, f"tool calls: {names or 'none'}"


def _valid_count(data: dict[str, Any]) -> tuple[bool, str]:
    content = _message(data).get("content") or ""
    try:
        value = json.loads(content)
    except ValueError:
        return False, f"not JSON: {short(content, 40)}"
    ok = (
        isinstance(value, dict)
        and set(value) == {"count"}
        and isinstance(value["count"], int)
    )
    return ok, short(content, 40)


def _stream_usage(data: dict[str, Any]) -> tuple[bool, str]:
    usage = data.get("usage")
    if not usage:
        return False, f"{data['chunks']} chunks, no usage chunk"
    tokens = f"{usage.get('prompt_tokens')} + {usage.get('completion_tokens')}"
    return True, f"{data['chunks']} chunks, usage {tokens} tokens"


def _within_max_tokens(data: dict[str, Any]) -> tuple[bool | None, str]:
    used = (data.get("usage") or {}).get("completion_tokens")
    finish = (data.get("choices") or [{}])[0].get("finish_reason")
    if used is None:
        return None, f"no usage; finish_reason {finish}"
    return used <= _MAX_TOKENS, f"{used} tokens for max {_MAX_TOKENS}; {finish}"


def _reasoning_fields(data: dict[str, Any]) -> tuple[bool, str]:
    fields = sorted(k for k in _message(data) if "reason" in k or "think" in k)
    return bool(fields), f"reasoning fields: {fields or 'none'}"


def run_doctor(
    base_url: str, api_key: str, models: list[str], timeout: float = 30.0
) -> Report:
    """Probe ``models`` (at most :data:`MAX_MODELS`); raise :class:`DoctorError`."""
    if len(models) > MAX_MODELS:
        msg = f"at most {MAX_MODELS} models per run (the probe is bounded)"
        raise DoctorError(msg)
    doctor = Doctor(base_url, api_key, timeout)
    try:
        doctor.check_access()
        for model in models:
            doctor.probe_model(model)
    finally:
        doctor.close()
    return doctor.report


def add_parser(subparsers: Any) -> None:
    """Register ``gravix-vision doctor``."""
    from langchain_gravix_vision.chat_models import BASE_URL_ENV, DEFAULT_API_BASE
    from langchain_gravix_vision.profiles import DEFAULT_MODEL

    text = (
        "Probe the live server: auth, models, image formats and URLs, tools, "
        "tool_choice, json_schema, stream usage, max_tokens, resize, reasoning "
        f"fields, latency, rate-limit headers. At most {MAX_REQUESTS} tiny "
        f"requests (1 + {PROBES_PER_MODEL} per model, up to {MAX_MODELS} models)."
    )
    sub = subparsers.add_parser("doctor", help=text, description=text)
    sub.add_argument(
        "--model",
        action="append",
        help=f"model to probe (repeatable, max {MAX_MODELS}; default {DEFAULT_MODEL})",
    )
    sub.add_argument(
        "--base-url",
        help=f"API base URL (default: ${BASE_URL_ENV}, else {DEFAULT_API_BASE})",
    )
    sub.add_argument("--json", action="store_true", help="print JSON, not a table")
    sub.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per request (default 30)"
    )
    sub.add_argument(
        "--write-profile",
        metavar="FILE",
        help="write the measured capabilities as profile overrides "
        "(load them with GRAVIX_PROFILE_FILE=FILE)",
    )


def main(args: Any) -> int:
    """Run ``gravix-vision doctor``: 0 done, 2 no key, 3 server unusable."""
    import os
    import sys
    from pathlib import Path

    from langchain_gravix_vision._profile_file import write_profile_file
    from langchain_gravix_vision.chat_models import (
        API_KEY_ENV,
        BASE_URL_ENV,
        DEFAULT_API_BASE,
    )
    from langchain_gravix_vision.profiles import DEFAULT_MODEL

    key = os.environ.get(API_KEY_ENV, "")
    if not key:
        sys.stderr.write(f"gravix-vision doctor: {API_KEY_ENV} is not set.\n")
        return 2
    base = args.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_API_BASE
    try:
        report = run_doctor(base, key, args.model or [DEFAULT_MODEL], args.timeout)
    except DoctorError as exc:
        sys.stderr.write(f"gravix-vision doctor: {exc}\n")
        return 3
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(report.table() + "\n")
    if args.write_profile:
        try:
            write_profile_file(Path(args.write_profile), report.capabilities())
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            sys.stderr.write(f"gravix-vision doctor: cannot write profile: {reason}\n")
            return 2
        sys.stderr.write(
            f"wrote {Path(args.write_profile).name}; "
            f"use it with GRAVIX_PROFILE_FILE={args.write_profile}\n"
        )
    return 0
