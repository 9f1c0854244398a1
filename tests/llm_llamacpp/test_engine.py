"""The engine under the backend: one per process and settings, its listener closed to others, the same
prompt as the transformers backend, and worker processes."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import pytest

from agents.llm.base import ChatRequest, LLMError, Message
from agents.llm.embedded import load_tokenizer, resolve_source
from agents.llm.llamacpp_backend import LlamaCppBackend
from agents.llm.llamacpp_engine import EngineSettings, engine_for
from agents.llm.transformers_backend import render_prompt


def test_backends_with_the_same_model_and_settings_share_one_engine(backend):
    other = LlamaCppBackend(threads=1, n_parallel=2, timeout_s=5, cache_prompt=False)

    assert other.load() is backend.load()
    assert LlamaCppBackend(threads=1, n_parallel=1).load() is not backend.load()


def test_the_engine_listener_is_a_unix_socket_nobody_can_reach(backend):
    address = backend.load().listening_address
    path = Path(address.removeprefix("unix://"))

    assert address.startswith("unix:///")  # no TCP port
    assert not path.parent.exists()  # its private directory is gone: the socket has no name left
    with (
        httpx.Client(transport=httpx.HTTPTransport(uds=str(path)), timeout=5) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get("http://engine/health")
    assert (
        backend.complete(ChatRequest(messages=(Message("user", "Say hi."),), max_tokens=2)).usage.completion_tokens == 2
    )


def test_openmp_threads_wait_passively():
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"


@pytest.fixture(scope="module")
def tokenizer():
    """The embedded model's tokenizer, as the transformers backend loads it (from the same GGUF)."""
    return load_tokenizer(resolve_source(None))


@pytest.mark.parametrize(
    "messages",
    [
        (Message("system", "You are an SRE agent."), Message("user", "Pods restart.\nWhat next?  ")),
        (Message("user", "no system prompt: the template brings its own ✓"),),
        (Message("system", "s"), Message("user", "u1"), Message("assistant", '{"a":1}'), Message("user", "u2")),
    ],
    ids=["system and user", "user only", "several turns"],
)
def test_the_engine_sees_the_prompt_the_transformers_backend_renders(backend, tokenizer, messages):
    rendered = render_prompt(tokenizer, messages)
    expected = len(tokenizer(rendered, add_special_tokens=False)["input_ids"])

    completion = backend.complete(ChatRequest(messages=messages, max_tokens=1))

    assert completion.usage.prompt_tokens == expected


def _answer_in_a_worker() -> str:
    from agents.llm.factory import backend_from_config

    worker = backend_from_config({"backend": "llamacpp", "threads": 1, "n_parallel": 1})
    return worker.complete(ChatRequest(messages=(Message("user", "Say hi."),), max_tokens=3)).text


def test_a_spawned_worker_process_loads_its_own_engine(backend):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        text = pool.submit(_answer_in_a_worker).result(timeout=120)

    assert text == backend.complete(ChatRequest(messages=(Message("user", "Say hi."),), max_tokens=3)).text


def _engine_in_a_forked_child(path: str, outcome: multiprocessing.SimpleQueue) -> None:
    try:
        engine_for(EngineSettings(path=path, n_ctx=512, n_parallel=1, threads=1))
    except LLMError as error:
        outcome.put(str(error))
    else:
        outcome.put("started")


def test_a_process_forked_from_one_with_an_engine_is_refused_one_and_exits_cleanly(backend):
    context = multiprocessing.get_context("fork")
    outcome = context.SimpleQueue()
    child = context.Process(target=_engine_in_a_forked_child, args=(backend.settings.path, outcome))

    child.start()
    child.join(timeout=60)

    assert outcome.get().startswith("This process was forked from one that had started the llama.cpp engine")
    assert child.exitcode == 0
