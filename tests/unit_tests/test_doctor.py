"""``gravix-vision doctor`` against the stand-in (both Ollama versions) and faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_gravix_vision import ChatGravixVision
from langchain_gravix_vision.cli import main
from langchain_gravix_vision.cli.doctor import MAX_REQUESTS, PROBES_PER_MODEL
from tests.stand_in import StandInServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.timeout(120)]

KEY = "sk-doctor-secret-key-987654321"
MODELS = ["qwen2.5vl:7b", "llama3.1:8b-instruct-fp16"]


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GRAVIXLAYER_API_KEY", KEY)
    monkeypatch.delenv("GRAVIX_PROFILE_FILE", raising=False)
    return KEY


@pytest.fixture(params=["2025", "current"])
def server(request: pytest.FixtureRequest) -> Iterator[StandInServer]:
    with StandInServer(ollama=request.param) as stand_in:
        yield stand_in


def _doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["doctor", *argv])
    out, err = capsys.readouterr()
    assert KEY not in out + err
    return code, out, err


def _probes(report: dict[str, Any], model: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in report["probes"] if p["model"] == model}


def test_probes_each_model_within_the_stated_budget(
    server: StandInServer, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--base-url", server.base_url, "--json"]
    code, out, _ = _doctor(capsys, *argv, "--model", MODELS[0], "--model", MODELS[1])
    assert code == 0
    report = json.loads(out)
    assert report["requests"] == 1 + PROBES_PER_MODEL * len(MODELS) <= MAX_REQUESTS
    assert set(MODELS) <= set(report["models_listed"])
    vision, text = (_probes(report, m) for m in MODELS)
    assert len(vision) == PROBES_PER_MODEL
    for name in ("jpeg", "png", "json_schema", "stream_usage", "max_tokens"):
        assert vision[name]["ok"] is True, vision[name]
    assert vision["http_url"]["ok"] is False
    assert vision["tools"]["ok"] is False  # Ollama: qwen2.5vl has no tools
    assert text["tools"]["ok"] is True
    assert text["tool_choice"]["ok"] is True
    assert vision["resize"]["ok"] is True
    assert text["resize"]["ok"] is False  # a text model ignores the image
    assert report["rate_limit_headers"]
    overrides = report["profile_overrides"]
    assert overrides[MODELS[0]]["tool_calling"] is False
    assert overrides[MODELS[1]]["image_inputs"] is False


def test_results_differ_where_the_ollama_versions_differ(
    key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = {}
    for version in ("2025", "current"):
        with StandInServer(ollama=version) as stand_in:
            code, out, _ = _doctor(capsys, "--base-url", stand_in.base_url, "--json")
        assert code == 0
        reports[version] = _probes(json.loads(out), MODELS[0])
    assert reports["2025"]["webp"]["ok"] is False
    assert reports["current"]["webp"]["ok"] is True
    assert "invalid image input" in reports["2025"]["http_url"]["detail"]
    assert "not currently supported" in reports["current"]["http_url"]["detail"]


def test_table_and_profile_file_are_used_by_the_model(
    key: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile = tmp_path / "measured.json"
    with StandInServer(ollama="current") as stand_in:
        argv = ["--base-url", stand_in.base_url, "--write-profile", str(profile)]
        code, out, err = _doctor(capsys, *argv)
    assert code == 0
    assert out.splitlines()[0].split() == ["model", "probe", "result", "ms", "detail"]
    assert "requests; rate-limit headers:" in out
    assert "GRAVIX_PROFILE_FILE" in err
    measured = json.loads(profile.read_text())
    assert measured[MODELS[0]]["image_url_inputs"] is False
    # Measured values replace assumed ones; code-level overrides still win.
    measured[MODELS[0]]["tool_calling"] = True
    profile.write_text(json.dumps(measured))
    monkeypatch.setenv("GRAVIX_PROFILE_FILE", str(profile))
    assert ChatGravixVision(model=MODELS[0]).profile["tool_calling"] is True
    forced = ChatGravixVision(
        model=MODELS[0], profile_overrides={"tool_calling": False}
    )
    assert forced.profile["tool_calling"] is False


def test_unusable_profile_file_warns_and_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_gravix_vision._profile_file import ProfileFileWarning
    from langchain_gravix_vision.profiles import get_model_profile

    built_in = get_model_profile(MODELS[0])
    for content in ("[1, 2]", "{not json", None):
        bad = tmp_path / "bad.json"
        bad.unlink(missing_ok=True)
        if content is not None:
            bad.write_text(content)
        monkeypatch.setenv("GRAVIX_PROFILE_FILE", str(bad))
        with pytest.warns(ProfileFileWarning) as caught:
            assert get_model_profile(MODELS[0]) == built_in
        assert str(tmp_path) not in str(caught[0].message)


def test_bad_key_is_exit_3_with_a_clear_message(
    key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with StandInServer() as stand_in:
        stand_in.fail_next(401, {"error": {"message": f"Invalid API key {KEY}"}})
        code, out, err = _doctor(capsys, "--base-url", stand_in.base_url)
    assert code == 3
    assert out == ""
    assert "authentication failed (401)" in err


def test_wrong_base_url_is_exit_3(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    with StandInServer() as stand_in:
        code, _, err = _doctor(capsys, "--base-url", stand_in.base_url + "/wrong")
    assert code == 3
    assert "check the base URL" in err


def test_timeout_and_refused_connection_are_exit_3(
    key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with StandInServer() as stand_in:
        stand_in.fail_next(delay_s=2.0)
        argv = ["--base-url", stand_in.base_url, "--timeout", "0.2"]
        code, _, err = _doctor(capsys, *argv)
        assert code == 3
        assert "did not answer in time" in err
        base = stand_in.base_url
    code, _, err = _doctor(capsys, "--base-url", base)  # the server is gone
    assert code == 3
    assert "could not reach the vision API at 127.0.0.1:" in err
    assert "GRAVIXLAYER_BASE_URL" in err
    assert "stand-in" in err


def test_no_key_and_too_many_models(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GRAVIXLAYER_API_KEY", raising=False)
    assert main(["doctor"]) == 2
    assert "GRAVIXLAYER_API_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("GRAVIXLAYER_API_KEY", KEY)
    argv = ["doctor", "--base-url", "http://127.0.0.1:9/v1/inference"]
    assert main([*argv, "--model", "a", "--model", "b", "--model", "c"]) == 3
    assert "at most 2 models" in capsys.readouterr().err
