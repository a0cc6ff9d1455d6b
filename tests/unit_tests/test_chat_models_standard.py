"""langchain-tests standard unit suite for ChatGravixVision, on every profiled model.

The suite runs unchanged: models without tool calling still compose
``bind_tools`` chains; they refuse only when a request would be sent.
"""

from __future__ import annotations

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_gravix_vision import ChatGravixVision


class _GravixUnitTests(ChatModelUnitTests):
    model_id = "qwen2.5vl:7b"

    @property
    def chat_model_class(self) -> type[ChatGravixVision]:
        return ChatGravixVision

    @property
    def chat_model_params(self) -> dict:
        return {"model": self.model_id}

    @property
    def init_from_env_params(self) -> tuple[dict, dict, dict]:
        return (
            {
                "GRAVIXLAYER_API_KEY": "sk-env-key",
                "GRAVIXLAYER_BASE_URL": "https://gravix.example/v1/inference",
            },
            {},
            {
                "gravix_api_key": "sk-env-key",
                "gravix_api_base": "https://gravix.example/v1/inference",
            },
        )


class TestQwen25VLUnit(_GravixUnitTests):
    """The default model (no tool calling on Gravix)."""

    model_id = "qwen2.5vl:7b"


class TestGemma3Unit(_GravixUnitTests):
    model_id = "gemma3:12b"


class TestLlama31Unit(_GravixUnitTests):
    """A function-calling model, so every tool-binding test applies."""

    model_id = "llama3.1:8b-instruct-fp16"
