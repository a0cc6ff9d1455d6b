"""Import qwen-vl-utils' image functions, even where torch is not installed.

qwen-vl-utils (0.0.14) imports torch and torchvision at module import although
it does not declare them, and its image path (``fetch_image``,
``smart_resize``) uses only Pillow. Where torch is missing, ``load_qwen``
registers empty stand-in modules for torch/torchvision *in this process only*
so the real qwen-vl-utils image code can run unchanged; the note it returns
says so. Where qwen-vl-utils itself is missing it returns ``None``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
from types import ModuleType
from typing import Any


class _Stub(ModuleType):
    """A module whose attributes are stubs too (classes for capitalised names).

    Classes, because qwen-vl-utils evaluates annotations such as
    ``Union[torch.Tensor, ...]`` at import, and ``typing`` wants types there.
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name[:1].isupper():
            return type(name, (), {})
        return _Stub(f"{self.__name__}.{name}")


_STUBBED = ("torch", "torchvision", "torchvision.io", "torchvision.transforms")


def load_qwen() -> tuple[ModuleType | None, str]:
    """Return (``qwen_vl_utils.vision_process`` or None, a note for RESULTS.md)."""
    if importlib.util.find_spec("qwen_vl_utils") is None:
        return None, (
            "qwen-vl-utils is not installed (`pip install qwen-vl-utils`), so "
            "that baseline is skipped"
        )
    version = importlib.metadata.version("qwen-vl-utils")
    if importlib.util.find_spec("torch") is not None:
        module = importlib.import_module("qwen_vl_utils.vision_process")
        return module, f"qwen-vl-utils {version} with torch installed"
    for name in _STUBBED:
        sys.modules.setdefault(name, _Stub(name))
    torchvision = sys.modules["torchvision"]
    torchvision.__version__ = "0.0"  # type: ignore[attr-defined]
    module = importlib.import_module("qwen_vl_utils.vision_process")
    return module, (
        f"qwen-vl-utils {version} imports torch and torchvision without "
        "declaring them, and they are not installed here (the default Linux "
        "wheels bring GBs of CUDA libraries), so empty stub modules stood in "
        "for them at import only. `fetch_image` and `smart_resize` never call "
        "torch: the measured code is qwen-vl-utils' own, unchanged"
    )
