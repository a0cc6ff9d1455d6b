"""The ``ray`` extra: one clear ImportError when Ray Data is not installed."""

from __future__ import annotations

from types import ModuleType

EXTRA_HINT = (
    "the Ray Data stage needs the 'ray' extra: "
    "pip install 'langchain-gravix-vision[ray]' (ray[data]>=2.50)"
)


def require_ray() -> ModuleType:
    """The ``ray`` module, or an ImportError that names the extra to install."""
    try:
        import ray  # optional dependency: the ray extra
        import ray.data  # optional dependency: the ray extra
    except ImportError as exc:
        raise ImportError(EXTRA_HINT) from exc
    return ray


def require_pyarrow() -> ModuleType:
    """The ``pyarrow`` module (part of ``ray[data]``), or the same ImportError."""
    try:
        import pyarrow  # optional dependency: the ray extra (ray[data])
    except ImportError as exc:
        raise ImportError(EXTRA_HINT) from exc
    return pyarrow


__all__ = ["EXTRA_HINT", "require_pyarrow", "require_ray"]
