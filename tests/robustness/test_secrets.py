"""The API key never leaks: not in reprs, dumps, logs, errors, tool messages, cassettes.

Every test uses the recognisable ``LEAK_KEY`` and scans what a user, an agent
or a log collector could see. Each scan first checks that it saw something
real (the key is configured, DEBUG records were captured, the cassette holds
the request), so a scan of nothing cannot pass.
"""

from __future__ import annotations

import gzip
import logging
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from langchain_core.load import dumps
from langchain_core.messages import HumanMessage
from vcr import VCR

from langchain_gravix_vision import (
    DescribeImageTool,
    GravixVisionToolkit,
    ReadChartTool,
)
from tests import cassette_setup
from tests.robustness._support import (
    LEAK_KEY,
    REPO_ROOT,
    call_tool,
    data_url,
    vision_model,
)
from tests.stand_in import StandInServer
from tests.unit_tests.images._imaging import png_bytes

pytestmark = [pytest.mark.enable_socket, pytest.mark.timeout(60)]

IMAGE = data_url(png_bytes((16, 16)))
HELLO = [HumanMessage("Say hello.")]
LOGGERS = ("", "openai", "httpx", "httpx2", "httpcore", "httpcore2", "langchain")
ERROR_STATUSES = [401, 429, 500]


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(server: StandInServer) -> None:
    server.reset()


def _assert_key_absent(texts: list[str]) -> None:
    assert texts, "nothing was scanned"
    for text in texts:
        assert LEAK_KEY not in text, f"the API key leaked into: {text[:300]!r}"
        assert LEAK_KEY[:16] not in text, f"a key prefix leaked into: {text[:300]!r}"


def _exception_texts(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    if isinstance(error, openai.APIStatusError):
        texts += [str(error.body), error.response.text]
    return texts


# --------------------------------------------------------------------------
# Objects


def test_reprs_and_dumps_of_model_tools_and_toolkit(server: StandInServer) -> None:
    llm = vision_model(server)
    assert llm.gravix_api_key is not None
    assert llm.gravix_api_key.get_secret_value() == LEAK_KEY  # it is configured
    toolkit = GravixVisionToolkit(llm=llm)
    tools = toolkit.get_tools()
    texts = [
        repr(llm),
        str(llm),
        str(llm.model_dump()),
        llm.model_dump_json(),
        dumps(llm),
        str(llm._identifying_params),
        str(llm._default_params),
        str(llm._get_ls_params()),
        repr(llm.root_client),
        repr(llm.async_client),
        repr(toolkit),
        str(toolkit.model_dump()),
    ]
    for tool in tools:
        texts += [repr(tool), str(tool), str(tool.model_dump()), str(tool.args)]
    _assert_key_absent(texts)


# --------------------------------------------------------------------------
# Logs (DEBUG, every logger) around calls, retries and failures


def _exercise(server: StandInServer) -> list[BaseException]:
    """Successful and failing calls through the model and a tool."""
    llm = vision_model(server, max_retries=1)
    llm.invoke(HELLO)
    list(llm.stream("Tell me a story."))
    assert (
        call_tool(DescribeImageTool(llm=llm), {"image_url": IMAGE}).status == "success"
    )
    errors: list[BaseException] = []
    for status in ERROR_STATUSES:
        server.fail_next(status=status, times=2)
        with pytest.raises(openai.APIStatusError) as raised:
            llm.invoke(HELLO)
        errors.append(raised.value)
        server.fail_next(status=status, times=2)
        message = call_tool(ReadChartTool(llm=llm), {"image_url": IMAGE})
        assert message.status == "error"
    return errors


def test_debug_logs_of_calls_and_errors(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    _exercise(server)
    records = caplog.records
    names = {record.name.split(".")[0] for record in records}
    assert {"openai", "httpx2", "httpcore2", "langchain_gravix_vision"} <= names
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = [formatter.format(record) for record in records]
    texts += [repr(vars(record)) for record in records]
    _assert_key_absent(texts)


# --------------------------------------------------------------------------
# Errors and tool messages


@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_errors_raised_by_the_model(server: StandInServer, status: int) -> None:
    server.fail_next(status=status)
    with pytest.raises(openai.APIStatusError) as raised:
        vision_model(server).invoke(HELLO)
    assert raised.value.status_code == status
    _assert_key_absent(_exception_texts(raised.value))


@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_tool_messages_for_failures(server: StandInServer, status: int) -> None:
    server.fail_next(status=status)
    message = call_tool(
        DescribeImageTool(llm=vision_model(server)), {"image_url": IMAGE}
    )
    assert message.status == "error"
    _assert_key_absent([str(message.content), repr(message)])


def test_tool_message_and_artifact_on_success(server: StandInServer) -> None:
    message = call_tool(ReadChartTool(llm=vision_model(server)), {"image_url": IMAGE})
    assert message.status == "success"
    _assert_key_absent([str(message.content), repr(message), repr(message.artifact)])


def test_a_server_echoing_the_key_does_not_leak_it_to_the_agent(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_gravix_vision")
    echo = {"error": {"message": f"Incorrect API key provided: {LEAK_KEY}"}}
    server.fail_next(status=400, body=echo)
    message = call_tool(
        DescribeImageTool(llm=vision_model(server)), {"image_url": IMAGE}
    )
    assert message.status == "error"
    _assert_key_absent(
        [str(message.content), *(r.getMessage() for r in caplog.records)]
    )


# --------------------------------------------------------------------------
# Cassettes


def _committed_cassettes() -> list[Path]:
    return sorted((REPO_ROOT / "tests" / "cassettes").glob("*.yaml.gz"))


def test_committed_cassettes_hold_no_key() -> None:
    cassettes = _committed_cassettes()
    assert len(cassettes) >= 10
    keys = [LEAK_KEY, "sk-LEAKCHECK", cassette_setup.FAKE_API_KEY]
    if real := os.environ.get("GRAVIXLAYER_API_KEY"):
        keys.append(real)
    for path in cassettes:
        raw = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        assert "chat/completions" in raw, f"{path.name} has no recorded request"
        for key in keys:
            assert key not in raw, f"{key[:12]}... is in {path.name}"


def test_a_cassette_recorded_with_the_key_does_not_hold_it(
    server: StandInServer, tmp_path: Path
) -> None:
    """Record through the project's VCR settings, then read the file back."""
    config: dict[str, Any] = {
        **cassette_setup.vcr_config(tmp_path),
        "record_mode": "all",
    }
    recorder = cassette_setup.register(VCR())
    llm = vision_model(server)
    with recorder.use_cassette("leakcheck", **config):
        llm.invoke(HELLO)
        call_tool(DescribeImageTool(llm=llm), {"image_url": IMAGE})
        server.fail_next(status=401)
        with pytest.raises(openai.AuthenticationError):
            llm.invoke(HELLO)
    (written,) = tmp_path.glob("leakcheck*.yaml.gz")
    raw = gzip.decompress(written.read_bytes()).decode("utf-8", "replace")
    assert raw.count("chat/completions") >= 3  # all three requests were recorded
    assert cassette_setup.REDACTED in raw
    _assert_key_absent([raw])
