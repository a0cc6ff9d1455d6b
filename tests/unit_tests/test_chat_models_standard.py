"""langchain-tests standard unit suite for ChatGravixVision."""

from __future__ import annotations

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_gravix_vision import ChatGravixVision


class TestChatGravixVisionUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatGravixVision]:
        return ChatGravixVision

    @property
    def chat_model_params(self) -> dict:
        # A function-calling model so the tool-binding unit tests apply.
        return {"model": "llama3.1:8b-instruct-fp16"}

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
