"""Profile overrides measured by ``gravix-vision doctor``, loaded from a file.

``GRAVIX_PROFILE_FILE`` names a JSON file ``{model: {capability: value}}`` (what
``gravix-vision doctor --write-profile`` writes). Its entries are merged over the
built-in profiles by :func:`langchain_gravix_vision.profiles.get_model_profile`,
under any ``profile_overrides`` given in code.
"""

from __future__ import annotations

import json
import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

PROFILE_FILE_ENV = "GRAVIX_PROFILE_FILE"


class ProfileFileWarning(UserWarning):
    """``GRAVIX_PROFILE_FILE`` could not be used (it is then ignored)."""


class ProfileFileError(ValueError):
    """The profile-overrides file is unreadable or not ``{model: {key: value}}``."""


def file_overrides(model: str) -> dict[str, Any]:
    """The overrides ``GRAVIX_PROFILE_FILE`` holds for ``model`` (``{}`` if none).

    A missing or malformed file warns (:class:`ProfileFileWarning`) and is
    ignored: the built-in profile applies.
    """
    name = os.environ.get(PROFILE_FILE_ENV, "").strip()
    if not name:
        return {}
    path = Path(name)
    try:
        stamp = path.stat().st_mtime_ns
        return dict(_load(str(path), stamp).get(model.strip().lower(), {}))
    except OSError:
        message = f"{PROFILE_FILE_ENV}: cannot read {path.name!r}"
    except ProfileFileError as exc:
        message = str(exc)
    warnings.warn(f"{message}; using built-in profiles", ProfileFileWarning, 2)
    return {}


@lru_cache(maxsize=8)
def _load(path: str, _stamp: int) -> dict[str, dict[str, Any]]:
    name = Path(path).name
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        msg = f"{PROFILE_FILE_ENV}: {name!r} is not readable JSON"
        raise ProfileFileError(msg) from None
    if not isinstance(data, dict) or not all(
        isinstance(v, dict) for v in data.values()
    ):
        msg = f"{PROFILE_FILE_ENV}: {name!r} must map model names to objects"
        raise ProfileFileError(msg)
    return {str(k).strip().lower(): v for k, v in data.items()}


def write_profile_file(path: Path, overrides: dict[str, dict[str, Any]]) -> None:
    """Write ``overrides`` (merged over what ``path`` already holds)."""
    current: dict[str, Any] = {}
    if path.is_file():
        current = _load(str(path), path.stat().st_mtime_ns)
    merged = {**current}
    for model, values in overrides.items():
        merged[model.lower()] = {**merged.get(model.lower(), {}), **values}
    path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n", "utf-8")
