"""``python -m tests.stand_in [--port N] [--ollama 2025|current]``: run the stand-in.

``--ollama`` picks the emulated Ollama version (default: ``GRAVIX_STAND_IN_OLLAMA``,
else ``2025``); see tests/stand_in/ollama.py.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from typing import Any

from tests.stand_in.ollama import VERSIONS, ollama_from_env
from tests.stand_in.server import StandInServer


def main(argv: list[str] | None = None) -> None:
    """Serve until Ctrl-C or SIGTERM; in the foreground, print the base URL to use.

    ``--quiet`` prints nothing and logs no request, so a shell that started it
    with ``&`` (as the README does) gets no lines over its next prompt.
    """
    parser = argparse.ArgumentParser(prog="python -m tests.stand_in")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing (for running it in the background with &)",
    )
    parser.add_argument(
        "--ollama",
        choices=VERSIONS,
        default=None,
        help="Ollama version to emulate (default: $GRAVIX_STAND_IN_OLLAMA or 2025)",
    )
    args = parser.parse_args(argv)
    ollama = args.ollama or ollama_from_env()
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    with StandInServer(port=args.port, verbose=not args.quiet, ollama=ollama) as server:
        if not args.quiet:  # in the foreground: say what to set, and how to stop
            print(f"export GRAVIXLAYER_BASE_URL={server.base_url}", flush=True)
            print(
                f"stand-in for Ollama {ollama}: scripted answers, any non-empty key;"
                " Ctrl-C stops it",
                flush=True,
            )
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
