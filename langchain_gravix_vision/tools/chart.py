"""read_chart: the data behind a chart as a validated table."""

from __future__ import annotations

from pydantic import BaseModel

from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.prompts import CHART_SYSTEM, chart_prompt
from langchain_gravix_vision.tools.schemas import ChartData, ReadChartArgs


class ReadChartTool(VisionTool[ReadChartArgs, ChartData]):
    """Extract a chart's type, title, axes, series and a DePlot-style table.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import ReadChartTool

            data = ReadChartTool().invoke(
                {
                    "args": {"image": "charts/sales.png"},
                    "id": "1",
                    "name": "read_chart",
                    "type": "tool_call",
                }
            ).artifact
            data.series[0].points
    """

    name: str = "read_chart"
    description: str = (
        "Read a chart or plot image (bar, line, pie, scatter...) and return its "
        "underlying data: chart type, title, axis labels and units, every series "
        "with numeric values, a markdown table and a short summary; optionally "
        "answer a question from the data."
    )
    args_schema: type[BaseModel] = ReadChartArgs
    result_schema = ChartData
    system_prompt = CHART_SYSTEM
    temperature: float | None = 0.0

    def user_prompt(self, args: ReadChartArgs) -> str:
        """Prompt from ``question``."""
        return chart_prompt(args)
