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

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from langchain_gravix_vision._profile_file import write_profile_file
from langchain_gravix_vision._text import redact, short
from langchain_gravix_vision.chat_models import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_API_BASE,
)
from langchain_gravix_vision.cli import _doctor_probes as probes
from langchain_gravix_vision.errors import unreachable
from langchain_gravix_vision.profiles import DEFAULT_MODEL, get_image_resolution
from langchain_gravix_vision.resolution import image_prompt_tokens

MAX_MODELS = 2
PROBES_PER_MODEL = 11
MAX_REQUESTS = 1 + MAX_MODELS * PROBES_PER_MODEL
RATE_LIMIT_PREFIX = "x-ratelimit-"


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
            url = self._client.base_url
            host = f"{url.host}:{url.port}" if url.port else url.host
            msg = f"{unreachable(host)} ({type(exc).__name__})"
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
        data = (
            probes.stream_result(response.text)
            if extra.get("stream")
            else response.json()
        )
        ok, detail = judge(data) if judge else (True, "accepted")
        self._add(model, name, ok, detail, response.status_code, ms)
        return data

    def probe_model(self, model: str) -> None:
        """The :data:`PROBES_PER_MODEL` chat probes for ``model``."""
        for fmt in ("JPEG", "PNG", "WEBP"):
            self._chat(model, fmt.lower(), probes.image_message(probes.data_url(fmt)))
        self._chat(model, "http_url", probes.image_message(probes.HTTP_IMAGE_URL))
        self._chat(model, "tools", probes.text_message(), tools=[probes.TOOL])
        forced = {"type": "function", "function": {"name": "record_colour"}}
        self._chat(
            model,
            "tool_choice",
            probes.text_message(),
            probes.forced_tool,
            tools=[probes.TOOL],
            tool_choice=forced,
        )
        schema = {"name": "count", "schema": probes.SCHEMA, "strict": True}
        self._chat(
            model,
            "json_schema",
            probes.text_message("How many legs has a cat? Answer with prose."),
            probes.valid_count,
            response_format={"type": "json_schema", "json_schema": schema},
        )
        self._chat(
            model,
            "stream_usage",
            probes.text_message(),
            probes.stream_usage,
            stream=True,
            stream_options={"include_usage": True},
        )
        self._chat(
            model,
            "max_tokens",
            probes.text_message("Count from one to one hundred in words."),
            probes.within_max_tokens,
            max_tokens=probes.MAX_TOKENS,
        )
        text = self._chat(
            model, "reasoning", probes.text_message(), probes.reasoning_fields
        )
        grid = self._chat(
            model,
            "resize",
            probes.image_message(probes.data_url("PNG", probes.GRID_SIDE, grid=True)),
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
            probes.GRID_SIDE, probes.GRID_SIDE, get_image_resolution(model)
        )
        probe.ok = image_tokens > 0
        seen = f"~ {image_tokens} prompt tokens" if probe.ok else "ignored (0 tokens)"
        side = probes.GRID_SIDE
        probe.detail = f"{side}x{side} image {seen} (profile predicts {expected})"


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
