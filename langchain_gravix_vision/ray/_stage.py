"""``VisionStage``: any vision tool as a Ray Data ``map_batches`` stage.

One instance per Ray actor (``map_batches(VisionStage, concurrency=N,
fn_constructor_kwargs=...)``). Each batch's rows run as asyncio tasks, at most
``max_in_flight`` at a time per worker, through the tool itself: the image
policy, the SSRF-safe fetcher, the decode guard and the resize all apply. A
row's failure is an error row of the output schema, never an exception.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

import openai
from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.messages import ToolMessage
from pydantic import BaseModel, SecretStr

from langchain_gravix_vision._keys import bytes_sha256, image_sha256, resume_key
from langchain_gravix_vision.chat_models import ChatGravixVision
from langchain_gravix_vision.chat_models._http import LoopLocalTransport
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.profiles import DEFAULT_MODEL, model_name
from langchain_gravix_vision.ray._limiter import (
    ROW_METER,
    ClusterLimit,
    Meter,
    MeteredTransport,
)
from langchain_gravix_vision.ray._resume import done_keys
from langchain_gravix_vision.ray._schema import (
    RowKeys,
    error_row,
    ok_row,
    to_table,
)
from langchain_gravix_vision.tools import (
    DescribeImageTool,
    ExtractedText,
    ExtractFieldsTool,
    ExtractTextTool,
    LocateObjectsTool,
    ModerateImageTool,
    ReadChartTool,
    VisionTool,
)

TOOLS: dict[str, type[VisionTool]] = {
    "describe": DescribeImageTool,
    "chart": ReadChartTool,
    "text": ExtractTextTool,
    "locate": LocateObjectsTool,
    "moderate": ModerateImageTool,
    "extract": ExtractFieldsTool,
}
"""The tools by the name of their ``gravix-vision`` subcommand."""

IMAGE_COLUMNS = ("bytes", "image", "path", "url")
"""Where a row's image is looked for, in order, when ``image_column`` is not set.

``bytes`` (``read_binary_files``) wins over ``path``, which is then the source
shown; ``image`` may hold a path, a URL or bytes."""


def _plain(value: Any) -> Any:
    """A numpy scalar or array from a batch as a plain Python value."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return value


def _command(tool: str | type[VisionTool]) -> tuple[str, type[VisionTool]]:
    if isinstance(tool, str):
        if tool not in TOOLS:
            msg = f"unknown tool {tool!r}; choose one of {', '.join(TOOLS)}"
            raise ValueError(msg)
        return tool, TOOLS[tool]
    names = [name for name, cls in TOOLS.items() if cls is tool]
    return (names[0] if names else str(tool.model_fields["name"].default)), tool


class VisionStage:
    """Run one vision tool on every row of a batch; one output row per input row.

    Args:
        tool: A subcommand name (``"describe"``, ``"chart"``, ``"text"``,
            ``"locate"``, ``"moderate"``, ``"extract"``) or a ``VisionTool``
            class.
        args: Fixed tool arguments for every row (``{"question": ...}``).
        arg_columns: Per-row arguments: tool argument -> column name.
        image_column: The column holding the image (a path, an http(s) URL
            or bytes); default: the first of ``IMAGE_COLUMNS`` present.
        model / base_url / api_key: The model and server (``api_key`` and
            ``base_url`` default to ``GRAVIXLAYER_API_KEY`` /
            ``GRAVIXLAYER_BASE_URL`` on the worker).
        rate_limiter: Name of the cluster's limiter (``create_rate_limiter``);
            ``None``: no client rate limit.
        max_in_flight: Rows in flight at once on this worker.
        max_retries: The SDK's retries of 429, 5xx and connection errors.
        detail: Image detail for the tool (``"low"`` caps image tokens).
        tool_kwargs: More settings for the tool (a taxonomy, a schema).
        key_extra: More to resume on than the arguments (the CLI's options).
        image_policy: The image policy (default: any local path; the dataset
            names the files).
        resume_from: An existing output (a Parquet folder): rows whose key
            has a successful row there are skipped, with no output row.
        filesystem: The ``pyarrow.fs`` filesystem of ``resume_from``.
    """

    def __init__(
        self,
        tool: str | type[VisionTool] = "describe",
        *,
        args: Mapping[str, Any] | None = None,
        arg_columns: Mapping[str, str] | None = None,
        image_column: str | None = None,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        api_key: str | SecretStr | None = None,
        rate_limiter: str | None = None,
        max_in_flight: int = 16,
        max_retries: int = 4,
        detail: Literal["low", "high", "auto"] | None = None,
        tool_kwargs: Mapping[str, Any] | None = None,
        key_extra: Mapping[str, Any] | None = None,
        image_policy: ImagePolicy | None = None,
        resume_from: str | None = None,
        filesystem: Any = None,
    ) -> None:
        self.command, tool_class = _command(tool)
        self.args = dict(args or {})
        self.arg_columns = dict(arg_columns or {})
        self.image_column = image_column
        self.detail = detail
        self.key_extra = dict(key_extra or {})
        limit = ClusterLimit(rate_limiter) if rate_limiter else None
        transport = MeteredTransport(LoopLocalTransport(), limit)
        llm_kwargs: dict[str, Any] = {
            "model": model,
            "max_retries": max_retries,
            "http_async_client": openai.DefaultAsyncHttpxClient(transport=transport),
        }
        if base_url:
            llm_kwargs["base_url"] = base_url
        if api_key is not None:
            llm_kwargs["api_key"] = api_key
        llm = ChatGravixVision(**llm_kwargs)
        self.model = model_name(llm)
        self.tool: VisionTool = tool_class(
            llm=llm,
            image_policy=image_policy or ImagePolicy(allow_any_path=True),
            detail=detail,
            **dict(tool_kwargs or {}),
        )
        self.max_in_flight = max(1, max_in_flight)
        self._gate: asyncio.Semaphore | None = None
        self.done = done_keys(resume_from, filesystem) if resume_from else frozenset()

    # ------------------------------------------------------------ one row

    def _image(self, row: dict[str, Any]) -> tuple[str | None, bytes | None]:
        """(source as given, bytes) of a row: one of them set."""
        names = [self.image_column] if self.image_column else IMAGE_COLUMNS
        source = row.get("path") if isinstance(row.get("path"), str) else None
        for name in names:
            value = row.get(name)
            if isinstance(value, (bytes, bytearray, memoryview)):
                return source, bytes(value)
            if isinstance(value, str):
                return value, None
        columns = ", ".join(names)
        msg = f"invalid_arguments: the row has no image (looked in: {columns})"
        raise ValueError(msg)

    def _row_args(self, row: dict[str, Any]) -> dict[str, Any]:
        per_row = {arg: row.get(column) for arg, column in self.arg_columns.items()}
        return {**self.args, **{k: v for k, v in per_row.items() if v is not None}}

    def _keys(
        self, source: str | None, data: bytes | None, args: dict[str, Any]
    ) -> RowKeys:
        digest = bytes_sha256(data) if data is not None else image_sha256(source or "")
        key_args = {**args, **self.key_extra}
        if self.detail:
            key_args["detail"] = self.detail
        text = resume_key(self.command, digest, key_args, self.model)
        return RowKeys(
            key=hashlib.sha256(text.encode()).hexdigest(),
            source=source,
            command=self.command,
            image_sha256=digest,
            args=json.dumps(key_args, sort_keys=True, ensure_ascii=False),
            model=self.model,
        )

    async def _run(
        self, keys: RowKeys, image: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        meter, usage = Meter(), UsageMetadataCallbackHandler()
        token = ROW_METER.set(meter)
        try:
            call = {
                "args": {**args, "image": image},
                "id": "ray",
                "name": self.tool.name,
            }
            message = await self.tool.ainvoke(
                {**call, "type": "tool_call"}, config={"callbacks": [usage]}
            )
        except Exception as exc:  # a row never aborts the job
            message = ToolMessage(
                f"internal_error: unexpected {type(exc).__name__} in the stage",
                tool_call_id="ray",
                status="error",
            )
        finally:
            ROW_METER.reset(token)
        spent = usage.usage_metadata.values()
        tokens = (
            sum(u.get("input_tokens", 0) for u in spent),
            sum(u.get("output_tokens", 0) for u in spent),
        )
        if not isinstance(message, ToolMessage) or message.status == "error":
            text = str(getattr(message, "content", message))
            return error_row(keys, text, attempts=meter.attempts, tokens=tokens)
        artifact = message.artifact
        content = (
            artifact.text
            if isinstance(artifact, ExtractedText)
            else str(message.content)
        )
        if isinstance(artifact, BaseModel):
            artifact = artifact.model_dump(mode="json")
        return ok_row(keys, content, artifact, attempts=meter.attempts, tokens=tokens)

    async def row(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The output row of one input row; None when it is done already."""
        fallback = RowKeys("", None, self.command, "", "{}", self.model)
        try:
            source, data = self._image(row)
            args = self._row_args(row)
            keys = await asyncio.to_thread(self._keys, source, data, args)
        except ValueError as exc:
            return error_row(fallback, str(exc), attempts=0)
        if keys.key in self.done:
            return None
        if data is not None:
            image = "data:;base64," + base64.b64encode(data).decode("ascii")
        else:
            image = source or ""
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.max_in_flight)
        async with self._gate:
            return await self._run(keys, image, args)

    # ------------------------------------------------------------ Ray Data

    async def __call__(self, batch: Mapping[str, Any]) -> Any:
        """A batch (columns of equal length) in, a ``pyarrow.Table`` out."""
        columns = {name: list(_plain(values)) for name, values in batch.items()}
        size = len(next(iter(columns.values()), []))
        rows = [
            {name: values[i] for name, values in columns.items()} for i in range(size)
        ]
        results = await asyncio.gather(*(self.row(r) for r in rows))
        return to_table([r for r in results if r is not None])


__all__ = ["IMAGE_COLUMNS", "TOOLS", "VisionStage"]
