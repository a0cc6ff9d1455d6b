"""Fixtures for the robustness suite: a DNS that never leaves the process.

Every test here runs with ``socket.getaddrinfo`` replaced by :class:`FakeDNS`:
IP literals resolve as themselves (numerically, no lookup), the reserved
``*.test`` names in :data:`FAKE_ANSWERS` resolve to the addresses listed, and
any other name fails as if it did not exist. So no test can reach real DNS,
whatever URL a hostile case feeds the fetcher.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

FAKE_ANSWERS: dict[str, tuple[str, ...]] = {
    "intranet.test": ("10.0.0.5",),
    "metadata.test": ("169.254.169.254",),
    "rebind.test": ("93.184.216.34", "127.0.0.1"),
    "ula6.test": ("fd00::1",),
    "images.test": ("127.0.0.1",),
}
"""Test host names and what they resolve to (a public answer first for rebind)."""


class FakeDNS:
    """A ``getaddrinfo`` replacement: numeric hosts pass, listed names are faked."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.asked: list[str] = []

    def __call__(
        self,
        host: Any,
        port: Any,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        self.asked.append(name)
        answers = FAKE_ANSWERS.get(name.lower().rstrip("."))
        if answers is None:
            numeric = flags | socket.AI_NUMERICHOST
            return self._real(host, port, family, type, proto, numeric)
        number = int(port or 0)
        infos = []
        for address in answers:
            if ":" in address:
                infos.append(
                    (
                        socket.AF_INET6,
                        socket.SOCK_STREAM,
                        6,
                        "",
                        (address, number, 0, 0),
                    )
                )
            else:
                infos.append(
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, number))
                )
        return infos


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Install :class:`FakeDNS` for every robustness test."""
    resolver = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver
