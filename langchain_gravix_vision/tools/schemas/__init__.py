"""Every schema the tools use: their arguments and their validated results.

``args`` holds the arguments, ``results`` the results of describe_image,
read_chart and extract_text, ``detections`` those of locate_objects,
``comparison`` compare_images' arguments and result, ``video``
describe_video's; import them all from here.

Results are plain pydantic models. Where they come back as dicts (a LangGraph
checkpointer stores a ToolMessage's artifact as JSON), ``model_validate``
restores them: ``ImageDescription.model_validate(message.artifact)``, likewise
``ChartData`` and ``ExtractedText``. (Their class docstrings are sent to the
model as the JSON schema's description, so they stay one line.)

Example:
    >>> from langchain_gravix_vision.tools.schemas import DescribeImageArgs
    >>> DescribeImageArgs(image="photos/cat.jpg").image
    'photos/cat.jpg'
    >>> DescribeImageArgs(image_path="photos/cat.jpg").image  # an alias
    'photos/cat.jpg'
"""

from langchain_gravix_vision.tools.schemas import (
    args,
    comparison,
    detections,
    extraction,
    moderation,
    results,
    video,
)
from langchain_gravix_vision.tools.schemas.args import *  # noqa: F403
from langchain_gravix_vision.tools.schemas.comparison import *  # noqa: F403
from langchain_gravix_vision.tools.schemas.detections import *  # noqa: F403
from langchain_gravix_vision.tools.schemas.extraction import *  # noqa: F403
from langchain_gravix_vision.tools.schemas.moderation import *  # noqa: F403
from langchain_gravix_vision.tools.schemas.results import *  # noqa: F403
from langchain_gravix_vision.tools.schemas.video import *  # noqa: F403

__all__ = (
    args.__all__
    + results.__all__
    + detections.__all__
    + moderation.__all__
    + extraction.__all__
    + comparison.__all__
    + video.__all__
)
