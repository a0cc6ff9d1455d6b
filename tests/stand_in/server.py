"""``StandInServer``: a local HTTP server speaking Gravix's inference wire format.

Serves ``POST /v1/inference/chat/completions`` and ``GET /v1/inference/models``
on 127.0.0.1 (a random free port by default), in a background thread. It plays
both layers of the real service: the Gravix gateway (bearer auth, rate-limit
headers, ``x-request-id``: an assumption, modelled on Gravix's documentation,
since none of it is in Ollama's source) and the Ollama OpenAI layer behind it,
in the version chosen with ``ollama="2025"|"current"`` (:mod:`tests.stand_in.
ollama`; request checks in :mod:`tests.stand_in.validation`, bodies and chunks
in :mod:`tests.stand_in.wire`). Answers come from a script or the default
responder (:mod:`tests.stand_in.responder`); ``fail_next`` injects faults.

Example::

    with StandInServer() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-fake")
        server.script_queue([Reply(content="Hi there")])
        client.chat.completions.create(model="gemma3:12b", messages=[...])
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.client import responses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.stand_in.generate import build_generation
from tests.stand_in.go_decode import GoDecodeError, decode_request
from tests.stand_in.models import ExtraModels, ModelCatalogue, ModelInfo
from tests.stand_in.ollama import INVALID_REQUEST, Ollama, ollama_from_env
from tests.stand_in.responder import Reply, Responder, default_responder, request_rng
from tests.stand_in.validation import (
    MIDDLEWARE,
    WireError,
    model_view,
    validate_chat_request,
)
from tests.stand_in.wire import (
    completion_body,
    completion_id,
    error_body,
    error_chunk,
    gateway_error,
    go_json,
    ollama_error,
    request_id,
    sse_event,
    stream_chunks,
)

API_PREFIX = "/v1/inference"
CHAT_PATH = f"{API_PREFIX}/chat/completions"
MODELS_PATH = f"{API_PREFIX}/models"
JSON_TYPE = "application/json; charset=utf-8"
"""gin's ``c.JSON`` (middleware refusals; the gateway's answers, assumed)."""
ENCODER_TYPE = "application/json"
"""Ollama's writers set this before ``json.NewEncoder(w).Encode`` (answers and
handler errors), which also ends the body with a newline."""
RATE_WINDOW_S = 60.0


@dataclass
class Fault:
    """One injected failure, applied to the next ``times`` requests."""

    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    reset: bool = False
    delay_s: float = 0.0
    cut_stream_after: int | None = None


class _RateWindow:
    """A fixed one-minute window, as the "100 requests per minute" plan."""

    def __init__(self, limit: int, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.clock = clock
        self.start = clock()
        self.count = 0

    def hit(self) -> tuple[int, float]:
        """Count a request; return (remaining, seconds until the window resets)."""
        now = self.clock()
        if now - self.start >= RATE_WINDOW_S:
            self.start, self.count = now, 0
        self.count += 1
        return self.limit - self.count, self.start + RATE_WINDOW_S - now


class StandInServer:
    """The stand-in Gravix inference API.

    Args:
        host: interface to bind (loopback by default).
        port: 0 picks a free port.
        extra_models: more model ids to serve, as names (all capabilities) or
            a mapping name -> capabilities from ``{"tools", "vision"}``.
        rate_limit: requests per minute reported in the rate-limit headers.
        enforce_rate_limit: answer 429 past ``rate_limit`` (off by default so
            long recording runs are not throttled).
        clock: seconds since the epoch, for ``created`` and rate windows.
        keep_alive: keep connections open between requests, as the real
            server does; False answers ``Connection: close`` every time (useful
            when a client pools connections across event loops).
        verbose: log each request to stderr.
        ollama: which Ollama version to emulate, ``"2025"`` or ``"current"``
            (see :mod:`tests.stand_in.ollama`); None reads
            ``GRAVIX_STAND_IN_OLLAMA`` (``"2025"`` when unset).

    ``requests`` holds the bodies as sent; ``seen`` what the model got after
    Ollama's translation (``validation.model_view``), one per answered chat.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_models: ExtraModels | None = None,
        rate_limit: int = 100,
        enforce_rate_limit: bool = False,
        clock: Callable[[], float] = time.time,
        keep_alive: bool = True,
        verbose: bool = False,
        ollama: str | None = None,
    ) -> None:
        self.ollama = Ollama(ollama or ollama_from_env())
        self.host = host
        self.requested_port = port
        self.catalogue = ModelCatalogue(extra_models)
        self.enforce_rate_limit = enforce_rate_limit
        self.clock = clock
        self.keep_alive = keep_alive
        self.verbose = verbose
        self.requests: list[Any] = []
        self.seen: list[dict[str, Any]] = []
        self.last_headers: dict[str, str] = {}
        self.script_errors: list[BaseException] = []
        self._rate = _RateWindow(rate_limit, clock)
        self._lock = threading.Lock()
        self._script: Responder | None = None
        self._queue: deque[Reply] = deque()
        self._faults: deque[Fault] = deque()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> StandInServer:
        """Bind and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self.requested_port), _Handler)
        httpd.stand_in = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"stand-in:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections; safe to call twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_open_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StandInServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only while running)."""
        if self._httpd is None:
            msg = "StandInServer is not running; call start() first"
            raise RuntimeError(msg)
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1/inference``, the client's base URL."""
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    # -- scripting ----------------------------------------------------------

    def script(self, fn: Responder | None) -> None:
        """Answer following requests with ``fn(request)``; None resets.

        ``fn`` returning None falls through to the default responder.
        """
        with self._lock:
            self._script = fn

    def script_queue(self, replies: Iterable[Reply]) -> None:
        """Answer the next chat requests with ``replies``, in order."""
        with self._lock:
            self._queue.extend(replies)

    def fail_next(
        self,
        status: int | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        *,
        reset: bool = False,
        delay_s: float = 0.0,
        cut_stream_after: int | None = None,
    ) -> None:
        """Make the next ``times`` requests misbehave.

        ``status`` answers with that status (``body``: a dict as JSON, str or
        bytes as-is; default a realistic error body) plus ``headers``.
        ``reset`` closes the connection abruptly (TCP RST) before answering.
        ``delay_s`` sleeps before answering (alone: then answers normally).
        ``cut_stream_after=N`` sends N stream events (or N body bytes for a
        non-stream answer) and then closes the connection. Faults queue up in
        call order.
        """
        if status is None and not reset and not delay_s and cut_stream_after is None:
            msg = "fail_next needs status, reset, delay_s or cut_stream_after"
            raise ValueError(msg)
        if times < 1:
            msg = "times must be at least 1"
            raise ValueError(msg)
        fault = Fault(
            status, body, dict(headers or {}), times, reset, delay_s, cut_stream_after
        )
        with self._lock:
            self._faults.append(fault)

    def reset(self) -> None:
        """Forget scripts, queued replies, faults and recorded requests."""
        with self._lock:
            self._script = None
            self._queue.clear()
            self._faults.clear()
            self.requests.clear()
            self.seen.clear()
            self.script_errors.clear()

    @property
    def last_request(self) -> Any:
        """The most recent request body (None before any request)."""
        with self._lock:
            return self.requests[-1] if self.requests else None

    # -- used by the handler ------------------------------------------------

    def _record(self, body: Any, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(body)
            self.last_headers = headers

    def _take_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self._faults.popleft()
            return fault

    def _count_request(self) -> tuple[int, float]:
        with self._lock:
            return self._rate.hit()

    def _answer(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.seen.append(request)
            queued = self._queue.popleft() if self._queue else None
            script = self._script
        if queued is not None:
            return queued
        if script is not None:
            reply = script(request)
            if reply is not None:
                return reply
        return default_responder(request)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    stand_in: StandInServer

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.stand_in.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gravix-stand-in"
    sys_version = ""
    server: _HTTPServer

    # -- entry points -------------------------------------------------------

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        if self.stand_in.verbose:
            super().log_message(format, *args)

    @property
    def stand_in(self) -> StandInServer:
        return self.server.stand_in

    def _serve(self, method: str) -> None:
        self.fault: Fault | None = None
        self.rate_info = (0, RATE_WINDOW_S)
        raw = self._read_body()
        body = _parse_json(raw) if raw else None
        if method == "POST":
            self.stand_in._record(body, dict(self.headers.items()))
        self.req_id = request_id(request_rng({"path": self.path, "body": body}))
        try:
            if self._gate():
                self._route(method, body, raw)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # -- gateway: faults, auth, rate limit ----------------------------------

    def _gate(self) -> bool:
        """Gateway checks; False once an answer (or a reset) has gone out.

        Assumption: Ollama has no auth and no rate limit; the 401 text, the
        429 with ``Retry-After`` and the rate-limit headers model Gravix's
        gateway as its documentation describes it, the same for every version.
        """
        fault = self.stand_in._take_fault()
        if fault is not None:
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.reset:
                self._reset_connection()
                return False
            if fault.status is not None:
                self._send_fault(fault)
                return False
            self.fault = fault
        remaining, reset_in = self.stand_in._count_request()
        self.rate_info = (max(remaining, 0), reset_in)
        if not _bearer_ok(self.headers.get("Authorization")):
            details = {"reason": "missing or invalid bearer token"}
            body = gateway_error(401, "Invalid API key", self.req_id, details)
            self._send_json(401, body)
            return False
        if self.stand_in.enforce_rate_limit and remaining < 0:
            retry = {"Retry-After": str(math.ceil(reset_in))}
            self._send_json(429, error_body(429, None, self.req_id), retry)
            return False
        return True

    def _send_fault(self, fault: Fault) -> None:
        status = fault.status or 500
        body = fault.body
        if body is None:
            body = error_body(status, None, self.req_id)
        if isinstance(body, dict | list):
            payload = go_json(body).encode()
            content_type = JSON_TYPE
        else:
            payload = body.encode() if isinstance(body, str) else bytes(body)
            content_type = "text/plain; charset=utf-8"
        headers = {"Content-Type": content_type, **fault.headers}
        self._send_bytes(status, payload, headers)

    # -- routes ---------------------------------------------------------------

    def _route(self, method: str, body: Any, raw: bytes) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        model = unquote(path[len(MODELS_PATH) + 1 :])
        # gin routes (routes.go): /v1/models/:model is one path segment, and
        # HandleMethodNotAllowed answers a known path's other methods with 405.
        route = {CHAT_PATH: "POST", MODELS_PATH: "GET"}.get(path)
        if path.startswith(MODELS_PATH + "/") and model and "/" not in model:
            route = "GET"
        if route is not None and method != route:
            text = {"Content-Type": "text/plain"}
            self._send_bytes(405, b"405 method not allowed", text)
        elif path == CHAT_PATH:
            self._chat(raw)
        elif path == MODELS_PATH:
            self._send_json(200, self._models_list())
        elif route is not None:
            self._model(model)
        else:
            self._send_bytes(404, b"404 page not found", {"Content-Type": "text/plain"})

    def _models_list(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [_model_object(m) for m in self.stand_in.catalogue.all()],
        }

    def _model(self, name: str) -> None:
        model = self.stand_in.catalogue.get(name)
        if model is None:
            ollama = self.stand_in.ollama
            message = ollama.show_not_found(name)
            body = ollama_error(message, ollama.handler_error_type(404))
            self._send_json(404, body, encoder=True)
        else:
            self._send_json(200, _model_object(model))

    def _chat(self, raw: bytes) -> None:
        ollama = self.stand_in.ollama
        try:
            body = decode_request(raw, ollama.name)
            model = validate_chat_request(body, self.stand_in.catalogue, ollama)
        except GoDecodeError as err:
            self._send_json(400, ollama_error(str(err), INVALID_REQUEST))
            return
        except WireError as err:
            encoder = err.stage != MIDDLEWARE
            body_out = ollama_error(err.message, err.type)
            self._send_json(err.status, body_out, encoder=encoder)
            return
        view = model_view(body, model, ollama)
        format_error = ollama.format_error(body)
        if format_error:  # the runner refuses the grammar before any output
            self._send_generation(body, view, Reply(runner_error=format_error), False)
            return
        try:
            reply = self.stand_in._answer(view)
        except Exception as exc:  # a broken script must not hang the client
            self.stand_in.script_errors.append(exc)
            message = f"stand-in script failed: {exc!r}"
            self._send_json(500, ollama_error(message), encoder=True)
            return
        if reply.status != 200:  # Ollama's own (scheduling) error: its envelope
            error_type = ollama.handler_error_type(reply.status)
            message = reply.error or responses.get(reply.status, "error").lower()
            body_out = ollama_error(message, error_type)
            self._send_json(reply.status, body_out, encoder=True)
            return
        thinks = ollama.thinks(body, model.thinking or reply.reasoning is not None)
        self._send_generation(body, view, reply, thinks)

    def _send_generation(
        self, body: dict[str, Any], view: dict[str, Any], reply: Reply, thinks: bool
    ) -> None:
        ollama = self.stand_in.ollama
        rng = request_rng(body, "wire")
        generation = build_generation(reply, view, rng, ollama=ollama, thinks=thinks)
        shape = {
            "cid": completion_id(rng),
            "model": body["model"],
            "created": int(self.stand_in.clock()),
        }
        if body.get("stream") is not True:
            if reply.runner_error is not None:
                # routes.go ChatHandler (non-stream): c.JSON(500, {"error"})
                body_out = ollama_error(reply.runner_error, "api_error")
                self._send_json(500, body_out, encoder=True)
                return
            self._send_json(200, completion_body(generation, **shape), encoder=True)
            return
        options = body.get("stream_options")
        include_usage = (
            isinstance(options, dict) and options.get("include_usage") is True
        )
        chunks = stream_chunks(
            generation,
            include_usage=include_usage and reply.runner_error is None,
            role_on_every_chunk=ollama.role_on_every_chunk(),
            separate_finish_chunk=ollama.separate_finish_chunk(),
            **shape,
        )
        if reply.runner_error is None:
            self._send_stream(chunks)
            return
        output = generation.content or generation.tool_calls or generation.reasoning
        written = chunks[:-1] if output else []  # before the done / finish chunk
        if ollama.stream_error_is_http_error(output_written=bool(written)):
            body_out = ollama_error(reply.runner_error, "api_error")
            self._send_json(500, body_out, encoder=True)
            return
        role = ollama.role_on_every_chunk()
        failed = error_chunk(shape["cid"], shape["created"], role=role)
        self._send_stream([*written, failed], done=False)

    # -- writing --------------------------------------------------------------

    def _common_headers(self) -> dict[str, str]:
        remaining, reset_in = self.rate_info
        limit = self.stand_in._rate.limit
        reset_s = max(math.ceil(reset_in), 0)
        connection = {}
        if not self.stand_in.keep_alive:
            self.close_connection = True
            connection = {"Connection": "close"}
        return {
            **connection,
            "x-ratelimit-limit-requests": str(limit),
            "x-ratelimit-remaining-requests": str(remaining),
            "x-ratelimit-reset-requests": f"{reset_s}s",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(self.stand_in.clock()) + reset_s),
            "x-request-id": self.req_id,
        }

    def _send_json(
        self,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
        *,
        encoder: bool = False,
    ) -> None:
        """Send JSON as gin's ``c.JSON`` does, or (``encoder``) as Ollama's
        writers do: ``application/json`` and a trailing newline."""
        payload = go_json(body).encode()
        content_type = JSON_TYPE
        if encoder:
            payload += b"\n"
            content_type = ENCODER_TYPE
        self._send_bytes(
            status, payload, {"Content-Type": content_type, **(headers or {})}
        )

    def _send_bytes(
        self, status: int, payload: bytes, headers: Mapping[str, str]
    ) -> None:
        self.send_response(status)
        for name, value in {**self._common_headers(), **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        cut = self.fault.cut_stream_after if self.fault else None
        if cut is not None and cut < len(payload):
            self.wfile.write(payload[:cut])
            self.close_connection = True
            return
        self.wfile.write(payload)

    def _send_stream(self, chunks: list[dict[str, Any]], *, done: bool = True) -> None:
        """Send SSE events; ``done=False`` ends the body without ``[DONE]``."""
        self.send_response(200)
        headers = {
            **self._common_headers(),
            "Content-Type": "text/event-stream",
            "Transfer-Encoding": "chunked",
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        events = [sse_event(chunk) for chunk in chunks]
        if done:
            events.append(sse_event("[DONE]"))
        cut = self.fault.cut_stream_after if self.fault else None
        for index, event in enumerate(events):
            if cut is not None and index >= cut:
                self.close_connection = True  # no terminating chunk: a cut stream
                return
            self._write_chunk(event)
        self._write_chunk(b"")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _reset_connection(self) -> None:
        """Close with SO_LINGER 0 so the client sees a TCP reset."""
        self.close_connection = True
        linger = struct.pack("ii", 1, 0)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.connection.close()


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _bearer_ok(value: str | None) -> bool:
    scheme, _, token = (value or "").strip().partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _model_object(model: ModelInfo) -> dict[str, Any]:
    return {
        "id": model.name,
        "object": "model",
        "created": model.created,
        "owned_by": model.owned_by,
    }
