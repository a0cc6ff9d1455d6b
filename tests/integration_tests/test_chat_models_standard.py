"""langchain-tests standard integration suite, replayed from cassettes.

No single Gravix model has every capability, so the suite runs twice: the
default vision model (image tests on, no tools) and a function-calling model
(tool and structured-output tests on, no images). Flags follow the profiles.
"""

from __future__ import annotations

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_gravix_vision import (
    ChatGravixVision,
    UnsupportedCapabilityError,
    get_model_profile,
)

pytestmark = pytest.mark.vcr


class _GravixStandard(ChatModelIntegrationTests):
    """Capability flags read from the model's profile, so they stay truthful."""

    model_name: str

    @property
    def profile(self) -> dict:
        return dict(get_model_profile(self.model_name))

    @property
    def chat_model_class(self) -> type[ChatGravixVision]:
        return ChatGravixVision

    @property
    def chat_model_params(self) -> dict:
        return {"model": self.model_name}

    @property
    def has_tool_calling(self) -> bool:
        return bool(self.profile["tool_calling"])

    @property
    def has_tool_choice(self) -> bool:
        return bool(self.profile["tool_choice"])  # Ollama ignores tool_choice

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return bool(self.profile["image_inputs"])

    @property
    def supports_image_urls(self) -> bool:
        # The server rejects http URLs; ChatGravixVision fetches them itself
        # (ImagePolicy.url_mode="fetch"), so URL inputs work wherever images do.
        return self.supports_image_inputs

    @property
    def enable_vcr_tests(self) -> bool:
        return True


class TestGravixVisionModel(_GravixStandard):
    model_name = "qwen2.5vl:7b"

    @property
    def structured_output_kwargs(self) -> dict:
        return {"method": "json_schema"}

    @property
    def model_override_value(self) -> str:
        return "gemma3:12b"

    @pytest.mark.xfail(
        reason="pydantic v1 schemas force function calling, which this model "
        "lacks (ChatGravixVision raises UnsupportedCapabilityError)",
        raises=UnsupportedCapabilityError,
        strict=True,
    )
    def test_structured_output_pydantic_2_v1(self, model: BaseChatModel) -> None:
        super().test_structured_output_pydantic_2_v1(model)


class TestGravixFunctionCallingModel(_GravixStandard):
    model_name = "llama3.1:8b-instruct-fp16"

    @property
    def model_override_value(self) -> str:
        return "meta-llama/llama-3.1-8b-instruct"
