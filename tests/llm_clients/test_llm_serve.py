"""Serving backends to other processes: ``manage.py llm_serve`` and ``python -m agents.llm.server``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from agents.llm.base import ChatRequest, LLMError, Message
from agents.llm.openai import OpenAIBackend
from agents.llm.replay import RecordingBackend, ScriptedBackend
from tests.llm_clients.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

REQUEST = ChatRequest(messages=(Message("user", "which service fails?"),), json_schema={"type": "object"})


def test_manage_py_llm_serve_serves_a_recording_to_another_process(llm_server: Any, tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    RecordingBackend(ScriptedBackend(lambda request: '{"service": "geo"}', model="recorded-model"), path).complete(
        REQUEST
    )
    server = llm_server("--backend", "replay", "--option", f"path={path}", "--served-model-name", "aoi", manage=True)

    with OpenAIBackend(server.base_url, "aoi") as backend:
        completion = backend.complete(REQUEST)
        missing = ChatRequest(messages=(Message("user", "never recorded"),))
        with pytest.raises(LLMError) as raised:
            backend.complete(missing)

    assert completion.text == '{"service": "geo"}'
    assert completion.model == "aoi"
    assert str(raised.value).endswith(f"500 Internal Server Error: no recording for request {missing.key[:12]}...")
    assert httpx.get(f"{server.base_url}/models", timeout=5).json()["data"][0]["id"] == "aoi"


def test_a_server_with_an_api_key_refuses_clients_without_it(llm_server):
    server = llm_server(
        "--backend", "scripted-echo", "--api-key-env", "AOI_TEST_SERVE_KEY", env={"AOI_TEST_SERVE_KEY": "k-123"}
    )

    with (
        OpenAIBackend(server.base_url, "scripted-echo", max_retries=2) as anonymous,
        pytest.raises(LLMError, match=r"401 Unauthorized: Incorrect or missing API key\.$"),
    ):
        anonymous.complete(REQUEST)
    with OpenAIBackend(server.base_url, "scripted-echo", api_key="k-123") as keyed:
        assert keyed.complete(REQUEST).text == "which service fails?"
    assert server.requests() == [401, 200]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--backend", "nope"], "error: unknown LLM backend 'nope'; known: transformers, "),
        (["--backend", "scripted-echo", "--option", "colour"], "error: --option takes KEY=VALUE, not 'colour'"),
        (
            ["--backend", "scripted-echo", "--api-key-env", "AOI_UNSET_VARIABLE"],
            "error: the environment variable AOI_UNSET_VARIABLE holds no API key",
        ),
    ],
)
def test_a_server_that_cannot_start_says_why(arguments, message):
    result = subprocess.run(
        [sys.executable, "-m", "agents.llm.server", "--port", "0", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert result.stdout == ""


def test_options_are_json_decoded_when_they_can_be(llm_server: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    server = llm_server("--backend", "replay", "--option", f"path={path}", "--option", "strict=false")

    response = httpx.post(
        f"{server.base_url}/chat/completions", json={"messages": [{"role": "user", "content": "x"}]}, timeout=5
    )

    assert response.status_code == 200
    assert json.loads(response.text)["choices"][0]["finish_reason"] == "no_recording"
