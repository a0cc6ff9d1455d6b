"""The shared async client closes each event loop's connections with the loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from langchain_gravix_vision import ChatGravixVision
from langchain_gravix_vision.chat_models._http import (
    LoopLocalTransport,
    shared_async_http_client,
)
from tests.stand_in import StandInServer

pytestmark = [
    pytest.mark.enable_socket,
    pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs procfs"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _transport() -> LoopLocalTransport:
    transport = shared_async_http_client()._transport
    assert isinstance(transport, LoopLocalTransport)
    return transport


def test_many_event_loops_do_not_leak_file_descriptors(server: StandInServer) -> None:
    llm = ChatGravixVision(base_url=server.base_url, max_retries=0)

    async def round_of_ten() -> None:
        await asyncio.gather(*(llm.ainvoke("hi") for _ in range(10)))

    asyncio.run(round_of_ten())  # warm-up: imports, the server's own threads
    before = _open_fds()
    for _ in range(15):
        asyncio.run(round_of_ten())
    after = _open_fds()
    # Each round opened up to ten connections; all closed with their loop.
    assert after - before <= 2
    assert _transport().open_pools == 0


def test_a_loop_closed_without_the_hook_is_dropped(server: StandInServer) -> None:
    llm = ChatGravixVision(base_url=server.base_url, max_retries=0)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(llm.ainvoke("hi"))
    assert _transport().open_pools == 1
    type(loop).close(loop)  # bypasses the per-loop hook
    asyncio.run(llm.ainvoke("hi"))  # the next loop's first request sweeps it
    assert _transport().open_pools == 0
