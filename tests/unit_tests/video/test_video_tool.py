"""describe_video without a model: its schema, the toolkit, errors, event placement."""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_gravix_vision import (
    DescribeVideoTool,
    GravixVisionToolkit,
    VideoDescription,
    VideoEvent,
)
from langchain_gravix_vision.cli._parser import build_parser
from langchain_gravix_vision.mcp.server import tool_names
from langchain_gravix_vision.tools.schemas import VideoAnswer


def test_the_toolkit_adds_describe_video_on_request() -> None:
    names = [t.name for t in GravixVisionToolkit(video=True).get_tools()]
    assert names[-1] == "describe_video"
    assert "describe_video" not in [t.name for t in GravixVisionToolkit().get_tools()]
    assert "describe_video" not in tool_names()


def test_the_tool_schema_has_the_issue_arguments() -> None:
    schema = DescribeVideoTool().tool_call_schema.model_json_schema()
    assert set(schema["properties"]) == {"video", "question", "max_frames", "detail"}
    assert schema["required"] == ["video"]


def test_bad_arguments_reach_the_agent_as_a_message() -> None:
    message = DescribeVideoTool().invoke(
        {
            "args": {"video": "a.mp4", "max_frames": 0},
            "id": "1",
            "name": "describe_video",
            "type": "tool_call",
        }
    )
    assert message.status == "error"
    assert str(message.content).startswith("invalid_arguments:")


def test_a_missing_file_is_a_typed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    message = DescribeVideoTool().invoke(
        {
            "args": {"video": "nothing.mp4"},
            "id": "1",
            "name": "describe_video",
            "type": "tool_call",
        }
    )
    assert message.status == "error"
    assert str(message.content).startswith("not_found:")
    assert str(tmp_path) not in str(message.content)


def test_events_move_onto_the_frame_times() -> None:
    answer = VideoAnswer(
        summary="s",
        events=[
            VideoEvent(start=9.0, end=12.0, description="late"),
            VideoEvent(start=-0.0, end=0.7, description="early"),
        ],
    )
    result = VideoDescription.from_answer(answer, [0.0, 0.5, 1.0, 1.5], 2.0)
    assert [(e.start, e.end) for e in result.events] == [(0.0, 0.5), (1.5, 1.5)]
    assert result.frame_times == [0.0, 0.5, 1.0, 1.5]
    assert "t=0.0-0.5s: early" in result.to_content()


def test_the_cli_has_a_video_command() -> None:
    args = build_parser().parse_args(["video", "clip.mp4", "--max-frames", "8"])
    assert args.tool_class is DescribeVideoTool
    assert args.max_frames == 8
    mcp = build_parser().parse_args(["mcp", "--video"])
    assert mcp.video is True


def test_mcp_schemas_come_from_the_video_models() -> None:
    from langchain_gravix_vision.mcp.server import input_schema, output_schema

    tool = DescribeVideoTool()
    assert set(input_schema(tool)["properties"]) == set(tool.args)
    result = output_schema(tool)
    assert result is not None
    assert {"summary", "events", "frame_times"} <= set(result["properties"])
