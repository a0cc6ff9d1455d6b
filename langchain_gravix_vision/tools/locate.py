"""locate_objects: boxes and points in the user's original pixels (grounding)."""

from __future__ import annotations

from pydantic import BaseModel

from langchain_gravix_vision.errors import UnsupportedCapabilityError
from langchain_gravix_vision.images import PreparedImage
from langchain_gravix_vision.profiles import (
    GroundingConvention,
    get_grounding,
    model_name,
)
from langchain_gravix_vision.tools import grounding as mapping
from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.prompts import LOCATE_SYSTEM, locate_prompt
from langchain_gravix_vision.tools.schemas import (
    Detections,
    GroundingAnswer,
    LocateObjectsArgs,
)


class LocateObjectsTool(VisionTool[LocateObjectsArgs, Detections]):
    """Find objects and return their boxes in the original image's pixels.

    The model answers in the pixels of the image it was sent (resized and
    turned upright); the tool maps every box back to the original image as
    viewers show it. Models without grounding (Gemma 3) are refused.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import LocateObjectsTool

            found = LocateObjectsTool().invoke(
                {
                    "args": {"image": "photos/desk.jpg", "query": "cup"},
                    "id": "1",
                    "name": "locate_objects",
                    "type": "tool_call",
                }
            ).artifact
            found.objects[0].box  # (x1, y1, x2, y2) in the photo's pixels
    """

    name: str = "locate_objects"
    description: str = (
        "Find objects in an image and return where they are: a label and a "
        "bounding box [x1, y1, x2, y2] in the original image's pixels for each "
        "one. Use to locate, count or point at things in photos and screenshots."
    )
    args_schema: type[BaseModel] = LocateObjectsArgs
    result_schema = Detections
    answer_schema = GroundingAnswer
    strict_schema = False
    system_prompt = LOCATE_SYSTEM
    temperature: float | None = 0.0

    grounding: GroundingConvention | None = None
    """How the model writes coordinates; ``None``: from the model's name."""

    def convention(self) -> GroundingConvention:
        """The model's grounding convention, or a clear refusal."""
        if self.grounding is not None:
            return self.grounding
        model = model_name(self._llm())
        convention = get_grounding(model)
        if convention is None:
            msg = (
                f"the model {model or '(unknown)'} cannot locate objects (no "
                "grounding); use a Qwen2.5-VL model such as qwen2.5vl:7b, or set "
                "the tool's grounding field"
            )
            raise UnsupportedCapabilityError(msg)
        return convention

    def user_prompt(self, args: LocateObjectsArgs) -> str:
        """Prompt from ``query`` and ``max_objects``."""
        return locate_prompt(args)

    def read_answer(self, answer: str | dict | list) -> BaseModel:
        """Read the answer leniently (fenced JSON, a bare list, prose around it)."""
        return mapping.parse_grounding(answer)

    def _prepare(self, args: LocateObjectsArgs) -> PreparedImage:
        self.convention()  # refuse before reading the image
        return super()._prepare(args)

    def finish_image(
        self, answer: BaseModel, args: LocateObjectsArgs, image: PreparedImage
    ) -> Detections:
        """Map the answer's boxes to the original image."""
        return mapping.to_detections(
            GroundingAnswer.model_validate(answer.model_dump()),
            query=args.query,
            convention=self.convention(),
            sent_size=image.sent_size,
            original_size=image.original_size,
            orientation=image.orientation,
            max_objects=args.max_objects,
        )
