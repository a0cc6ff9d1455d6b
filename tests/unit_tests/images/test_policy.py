"""ImagePolicy: defaults, validation, normalisation, immutability."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from langchain_gravix_vision.images import ImagePolicy


def test_defaults_are_the_documented_safe_ones() -> None:
    policy = ImagePolicy()
    assert policy.allowed_roots is None
    assert policy.allow_any_path is False
    assert policy.url_mode == "fetch"
    assert policy.allowed_hosts == ()
    assert policy.max_source_bytes == 20 * 1024 * 1024
    assert policy.max_source_pixels == 50_000_000
    assert policy.fetch_timeout == 10.0
    assert policy.max_redirects == 3
    assert (policy.resize, policy.upscale) == (True, False)
    assert (policy.encoding, policy.jpeg_quality) == ("auto", 90)
    assert policy.max_side_unknown is None


def test_policy_is_frozen() -> None:
    policy = ImagePolicy()
    with pytest.raises(ValidationError):
        policy.max_source_bytes = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "field",
    [
        {"max_source_bytes": 0},
        {"max_source_pixels": -1},
        {"fetch_timeout": 0},
        {"max_redirects": -1},
        {"jpeg_quality": 0},
        {"jpeg_quality": 101},
        {"max_side_unknown": 0},
        {"url_mode": "maybe"},
        {"encoding": "gif"},
        {"allowed_hosts": ("",)},
        {"unknown_field": 1},
    ],
)
def test_invalid_values_are_rejected(field: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ImagePolicy(**field)  # type: ignore[arg-type]


def test_single_values_are_coerced_to_tuples() -> None:
    policy = ImagePolicy(allowed_roots="/srv/images", allowed_hosts="CDN.Internal.")
    assert policy.allowed_roots == (Path("/srv/images"),)
    assert policy.allowed_hosts == ("cdn.internal",)


def test_allowed_hosts_normalise_ip_literals() -> None:
    policy = ImagePolicy(allowed_hosts=("[0:0::1]", "127.0.0.1"))
    assert policy.allowed_hosts == ("::1", "127.0.0.1")
    assert policy.host_allowed("::1")
    assert policy.host_allowed("127.0.0.1.")
    assert not policy.host_allowed("localhost")


def test_root_dirs_default_to_cwd_at_time_of_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = ImagePolicy()
    monkeypatch.chdir(tmp_path)
    assert policy.root_dirs() == (os.path.realpath(tmp_path),)


def test_root_dirs_resolve_symlinks(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    policy = ImagePolicy(allowed_roots=(tmp_path / "alias",))
    assert policy.root_dirs() == (os.path.realpath(tmp_path / "real"),)


def test_policy_can_be_a_pydantic_field() -> None:
    class Holder(BaseModel):
        policy: ImagePolicy = ImagePolicy()

    holder = Holder(policy={"url_mode": "deny"})  # type: ignore[arg-type]
    assert holder.policy.url_mode == "deny"
    assert Holder.model_json_schema()["$defs"]["ImagePolicy"]["type"] == "object"
