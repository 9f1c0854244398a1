"""The llamacpp backend behind ``manage.py llm_serve``, and in ``manage.py benchmark``'s worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from agents.llm.base import ChatRequest, Message
from agents.llm.openai import OpenAIBackend
from tests.llm_clients.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

CHOICE = {"type": "object", "properties": {"service": {"enum": ["geo", "frontend"]}}, "required": ["service"]}


def test_llm_serve_answers_openai_protocol_requests_from_the_engine(llm_server: Any) -> None:
    server = llm_server("--backend", "llamacpp", "--option", "threads=1", "--option", "n_parallel=2", manage=True)
    body = {
        "model": "SmolLM2-135M-Instruct",
        "messages": [{"role": "user", "content": "Which service fails?"}],
        "max_tokens": 20,
        "temperature": 0,
        "response_format": {"type": "json_schema", "json_schema": {"name": "choice", "schema": CHOICE}},
    }

    answer = httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=60).json()
    with OpenAIBackend(server.base_url, "SmolLM2-135M-Instruct") as client:
        pieces: list[str] = []
        streamed = client.complete(
            ChatRequest(messages=(Message("user", "Which service fails?"),), max_tokens=20, json_schema=CHOICE),
            on_token=pieces.append,
        )

    assert answer["object"] == "chat.completion"
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert json.loads(answer["choices"][0]["message"]["content"])["service"] in ("geo", "frontend")
    assert answer["usage"]["prompt_tokens"] > 0
    assert streamed.text == answer["choices"][0]["message"]["content"] == "".join(pieces)
    assert httpx.get(f"{server.base_url}/models", timeout=5).json()["data"][0]["id"] == "SmolLM2-135M-Instruct"


def test_manage_py_benchmark_runs_the_engine_in_worker_processes(tmp_path):
    out = tmp_path / "results.json"
    command = [
        *(sys.executable, "manage.py", "benchmark", "--backend", "llamacpp", "--option", "threads=1"),
        *("--problems", "k8s_target_port-misconfig-detection-1", "--runs", "2", "--jobs", "2"),
        *("--no-store", "--no-knowledge", "--out", str(out)),
    ]

    result = subprocess.run(command, cwd=REPO_ROOT, env=os.environ, capture_output=True, text=True, timeout=240)

    assert result.returncode == 0, result.stderr[-2000:]
    document = json.loads(out.read_text())
    assert (document["backend"], document["jobs"], len(document["results"])) == ("llamacpp", 2, 2)
    assert document["model"] == "SmolLM2-135M-Instruct"
