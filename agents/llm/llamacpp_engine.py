"""The llama.cpp engine behind the ``llamacpp`` backend: one in-process server per model file and settings.

The engine is ``xllamacpp.Server``, llama.cpp's own server loop run inside this process: the chat template
stored in the GGUF, parallel slots batched together, a prompt cache per slot, grammar-constrained sampling.
It is started once per process for each (model file, settings) and shared by every backend built on it.

OpenMP reads ``OMP_WAIT_POLICY`` when the library loads, so this module sets it to ``PASSIVE`` (unless the
environment already says otherwise) before importing xllamacpp: busy-waiting threads collapse throughput on
a loaded machine. Import it before anything else loads the system's OpenMP runtime.

The server always opens an HTTP listener as well (it cannot be turned off). It is bound to a Unix socket in
a private temporary directory (mode 0700), not to a TCP port, requires a random API key that never leaves
this process, and its socket's name is removed as soon as the engine has started, so that nothing can
connect to it; requests from this process go to the engine directly, not through the listener.

An engine does not survive ``fork``: its threads stay in the parent. A process forked from one that had
started an engine cannot start one of its own (the engine's native state is inherited half-alive), so it is
refused with an ``LLMError``; start such workers with the ``spawn`` method, or before the first engine.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.llm.base import LLMError

# Before the import below: OpenMP reads the wait policy once, when xllamacpp loads it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import xllamacpp

ChunkCallback = Callable[[dict[str, Any]], bool]

# Only errors reach stderr (llama.cpp's levels: 1 error, 2 warning, 3 info): a grammar the engine cannot
# compile is reported there, and nowhere else.
LOG_ERRORS_ONLY = 1
# The host-memory cache of slot states (llama.cpp's default is 8 GiB): enough for a few dozen prompts here.
CACHE_RAM_MIB = 512
HTTP_THREADS = 1  # the listener is not used; llama.cpp sizes its pool by the cores otherwise
VERDICTS_KEPT = 1024


@dataclass(frozen=True)
class EngineSettings:
    """What an engine is started with. ``n_ctx`` is each slot's window; the engine holds ``n_parallel`` of them."""

    path: str
    n_ctx: int = 4096
    n_parallel: int = 2
    threads: int = 1


class Engine:
    """A started llama.cpp server. Thread-safe: the server queues requests into its slots; ``slots`` holds one
    permit per slot, so that callers can count their time from when a slot is theirs. ``verdict`` and
    ``remember`` keep what the checks of each JSON schema found (``agents.llm.llamacpp_grammar``)."""

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self.slots = threading.BoundedSemaphore(settings.n_parallel)
        self._verdicts: OrderedDict[str, str] = OrderedDict()
        self._verdicts_lock = threading.Lock()
        self._listener_dir = tempfile.mkdtemp(prefix="aoi-llamacpp-")
        try:
            self._server = xllamacpp.Server(self._params())
        except (RuntimeError, ValueError) as error:
            raise LLMError(f"The llama.cpp engine could not load {Path(settings.path).name!r}: {error}") from error
        finally:
            # The listener keeps its socket, but with its name gone nothing can connect to it any more.
            shutil.rmtree(self._listener_dir, ignore_errors=True)

    def _params(self) -> Any:
        settings = self.settings
        params = xllamacpp.CommonParams()
        params.model.path = settings.path
        params.n_parallel = settings.n_parallel
        params.n_ctx = settings.n_ctx * settings.n_parallel  # kv_unified off: every slot gets n_ctx
        for cpu in (params.cpuparams, params.cpuparams_batch):
            cpu.n_threads = settings.threads
            cpu.poll = 0  # no busy polling between graph computations
        params.cache_ram_mib = CACHE_RAM_MIB
        params.verbosity = LOG_ERRORS_ONLY
        params.n_threads_http = HTTP_THREADS
        params.hostnames = [str(Path(self._listener_dir) / "engine.sock")]
        params.api_keys = [secrets.token_urlsafe(32)]
        params.cors_origins = ""
        params.offline = True
        return params

    def verdict(self, schema_key: str) -> str | None:
        """What the checks of this schema found: "" (it compiles), the reason it does not, or None (unchecked)."""
        with self._verdicts_lock:
            return self._verdicts.get(schema_key)

    def remember(self, schema_key: str, verdict: str) -> None:
        """Keep a schema's verdict (the most recent ``VERDICTS_KEPT``)."""
        with self._verdicts_lock:
            self._verdicts[schema_key] = verdict
            self._verdicts.move_to_end(schema_key)
            while len(self._verdicts) > VERDICTS_KEPT:
                self._verdicts.popitem(last=False)

    @property
    def listening_address(self) -> str:
        """Where the engine's own HTTP listener was bound (``unix://...``, a name removed since)."""
        return str(self._server.listening_address)

    def chat_stream(self, body: dict[str, Any], on_chunk: ChunkCallback) -> None:
        """Run one streamed chat request; ``on_chunk`` hears every chunk (or the error object) and stops the
        generation by returning True: the engine then cancels the request and frees its slot. Runs on the
        calling thread without the GIL; ``on_chunk`` must not raise (the bindings would swallow it)."""
        self._server.handle_chat_completions({**body, "stream": True}, on_chunk)


_engines: dict[EngineSettings, Engine] = {}
_engines_lock = threading.Lock()
_inherited: list[Engine] = []


def _after_fork_in_child() -> None:
    """Engines inherited across fork must never be used nor destroyed here: their threads do not exist in
    this process, and llama.cpp aborts the whole process on either."""
    global _engines_lock
    _engines_lock = threading.Lock()
    for engine in _engines.values():
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(engine))  # never freed, so never destroyed
        _inherited.append(engine)
    _engines.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def engine_for(settings: EngineSettings) -> Engine:
    """The engine for ``settings``, started on first use and shared for the life of the process; concurrent
    callers wait for a single start."""
    with _engines_lock:
        engine = _engines.get(settings)
        if engine is None:
            if _inherited:
                raise LLMError(
                    "This process was forked from one that had started the llama.cpp engine, which cannot be "
                    "restarted here: start worker processes with the 'spawn' method, or before the first engine."
                )
            engine = _engines[settings] = Engine(settings)
        return engine
