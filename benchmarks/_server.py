"""A minimal loopback chat-completions server, run in its own process.

It answers every ``POST`` with one canned OpenAI chat completion (its content
is a valid ``ImageDescription`` JSON, so the vision tools accept it) after an
optional delay, over HTTP/1.1 keep-alive. Being a separate process, its work
never competes with the client under test for the GIL.

``python -m benchmarks._server --delay 0.2`` prints ``PORT <n>`` and serves
until terminated; :class:`LoopbackServer` does that for you.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
from types import TracebackType

from benchmarks._common import ROOT

CAPTION = "A benchmark image."
DESCRIPTION = {
    "caption": CAPTION,
    "description": "A canned answer from the benchmark server.",
    "objects": ["cat"],
    "people": [],
    "text_present": [],
    "answer": None,
}
COMPLETION = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 1750000000,
    "model": "qwen2.5vl:7b",
    "system_fingerprint": "fp_ollama",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": json.dumps(DESCRIPTION)},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
}


def _response() -> bytes:
    body = json.dumps(COMPLETION).encode()
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
) -> None:
    response = _response()
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            if delay:
                await asyncio.sleep(delay)
            writer.write(response)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def _main(delay: float) -> None:
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(r, w, delay), "127.0.0.1", 0, backlog=512
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


class LoopbackServer:
    """Start the server in a child process; ``base_url`` is its OpenAI base URL.

    Example::

        with LoopbackServer(delay_s=0.2) as server:
            openai.OpenAI(base_url=server.base_url, api_key="x")
    """

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> LoopbackServer:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._server", "--delay", str(self.delay_s)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("PORT "):
            self.__exit__(None, None, None)
            msg = f"benchmark server did not start: {line!r}"
            raise RuntimeError(msg)
        self.port = int(line.split()[1])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"


def main() -> None:
    """Serve until terminated."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per answer")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args.delay))


if __name__ == "__main__":
    main()
