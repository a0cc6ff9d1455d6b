"""``python -m tests.stand_in [--port N]``: run the stand-in in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from typing import Any

from tests.stand_in.server import StandInServer


def main(argv: list[str] | None = None) -> None:
    """Serve until Ctrl-C or SIGTERM, printing the base URL to use."""
    parser = argparse.ArgumentParser(prog="python -m tests.stand_in")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    with StandInServer(port=args.port, verbose=not args.quiet) as server:
        print(f"GRAVIXLAYER_BASE_URL={server.base_url}", flush=True)
        print("any non-empty bearer token is accepted; Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
