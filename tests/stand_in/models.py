"""The stand-in's model catalogue: which model ids exist and what each can do.

Capabilities follow the reference notes (gravix-api.md §1.5 and §4.2): the
Ollama-tag and HF-style ids Gravix documented, with tools only on the Llama
models and images only on the Gemma / Qwen-VL models. Names are matched the way
Ollama matches them: case-insensitively, with ``:latest`` implied when no tag
is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

REGISTRY = "registry.ollama.ai"
TOOLS = "tools"
VISION = "vision"
THINKING = "thinking"
# 2025-07-01T00:00:00Z: a fixed "modified_at" so /models answers are stable.
_CREATED = 1751328000


@dataclass(frozen=True)
class ModelInfo:
    """One model the stand-in serves."""

    name: str
    tools: bool
    vision: bool
    created: int = _CREATED
    thinking: bool = False

    @property
    def qualified_name(self) -> str:
        """The name as Ollama prints it in errors (``registry.../library/x:tag``)."""
        return qualified_name(self.name)

    @property
    def owned_by(self) -> str:
        """The namespace, which Ollama's ``/v1/models`` reports as ``owned_by``."""
        return qualified_name(self.name).split("/")[1]


KNOWN_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("llama3.1:8b-instruct-fp16", tools=True, vision=False),
    ModelInfo("llama3.1:8b", tools=True, vision=False),
    ModelInfo("meta-llama/llama-3.1-8b-instruct", tools=True, vision=False),
    ModelInfo("gemma3:12b", tools=False, vision=True),
    ModelInfo("qwen2.5vl:7b", tools=False, vision=True),
    ModelInfo("google/gemma-3-12b-it", tools=False, vision=True),
    ModelInfo("qwen/qwen-2.5-vl-7b-instruct", tools=False, vision=True),
)


def qualified_name(name: str) -> str:
    """Expand a model name the way Ollama's ``model.ParseName`` displays it.

    ``gemma3:12b`` -> ``registry.ollama.ai/library/gemma3:12b``;
    ``google/gemma-3-12b-it`` -> ``registry.ollama.ai/google/gemma-3-12b-it:latest``.
    """
    path = name if "/" in name else f"library/{name}"
    if ":" not in path.rsplit("/", 1)[-1]:
        path = f"{path}:latest"
    return f"{REGISTRY}/{path}"


ExtraModels = Iterable[str] | Mapping[str, Iterable[str]]


class ModelCatalogue:
    """The known models plus any extras a test registers.

    ``extra_models`` is either names (given tools and vision) or a mapping of
    name -> capabilities drawn from ``{"tools", "vision", "thinking"}``.
    """

    def __init__(self, extra_models: ExtraModels | None = None) -> None:
        models = list(KNOWN_MODELS)
        models.extend(_extra_model_infos(extra_models or ()))
        self._by_key = {_key(m.name): m for m in models}

    def get(self, name: str) -> ModelInfo | None:
        """The model called ``name``, or None when Ollama would say "not found"."""
        return self._by_key.get(_key(name))

    def all(self) -> list[ModelInfo]:
        """Every model, in registration order."""
        return list(self._by_key.values())


def _key(name: str) -> str:
    return qualified_name(name.strip()).lower()


def _extra_model_infos(extra: ExtraModels) -> list[ModelInfo]:
    if isinstance(extra, Mapping):
        infos = []
        for name, caps in extra.items():
            wanted = set(caps)
            unknown = wanted - {TOOLS, VISION, THINKING}
            if unknown:
                msg = f"unknown capabilities for {name!r}: {sorted(unknown)}"
                raise ValueError(msg)
            infos.append(
                ModelInfo(
                    name,
                    tools=TOOLS in wanted,
                    vision=VISION in wanted,
                    thinking=THINKING in wanted,
                )
            )
        return infos
    return [ModelInfo(name, tools=True, vision=True) for name in extra]
