"""The in-process llama.cpp backend: a local GGUF model, parallel slots, prompt caching, structured output.

The model is the embedded SmolLM2-135M-Instruct GGUF by default, or any local ``.gguf`` file (a path to
the file, or to a directory holding one); nothing is ever downloaded. The engine (``agents.llm.llamacpp_engine``)
renders each conversation with the chat template stored in the GGUF, the template the transformers backend
renders too, so both backends send the model the same prompt. Requests with a ``json_schema`` are generated
under a grammar of compact JSON (``agents.llm.llamacpp_grammar``), checked before its first use.

Every request runs on a thread of its own and streams its pieces back to the caller's thread, which calls
``on_token`` and keeps time: a request that has not finished ``timeout_s`` after reaching a slot (or that
waited that long for one) is stopped, its slot freed, and ``TransientLLMError`` raised. ``complete_batch``
sends its requests together; the engine decodes up to ``n_parallel`` of them in one batch.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.llm.base import (
    BatchTokenCallback,
    ChatRequest,
    Completion,
    LLMError,
    TokenCallback,
    TransientLLMError,
    Usage,
)
from agents.llm.embedded import EMBEDDED_GGUF_FILE, EMBEDDED_MODEL_NAME, embedded_model_dir
from agents.llm.llamacpp_engine import Engine, EngineSettings, engine_for
from agents.llm.llamacpp_grammar import PROBE_MARKER, check_schema, grammar, plain, probe_grammar, schema_key

GGUF_MAGIC = b"GGUF"
SEED_RANGE = 2**32
# llama.cpp's error types worth retrying (the others are the request's fault).
TRANSIENT_ERRORS = ("unavailable_error", "server_error")
# Plain temperature sampling, as the transformers backend and OpenAI-compatible servers do by default.
PLAIN_SAMPLING = {"top_k": 0, "top_p": 1.0, "min_p": 0.0, "typical_p": 1.0, "repeat_penalty": 1.0}
_STARTED = "started"
_DONE = "done"


@dataclass(frozen=True)
class EngineUsage(Usage):
    """Token counts as the engine reports them; ``cached_tokens``: prompt tokens taken from the prompt cache."""

    cached_tokens: int = 0


def gguf_source(model: str | None, gguf_file: str | None = None) -> tuple[Path, str]:
    """(the GGUF file, the model's name) for ``model``: None for the embedded SmolLM2, else a ``.gguf`` file
    or a directory holding one (``gguf_file`` names it where there are several). LLMError for anything that
    is not a GGUF file on disk: nothing is fetched from a hub."""
    if model is None:
        chosen = gguf_file or EMBEDDED_GGUF_FILE
        path = embedded_model_dir() / chosen
        name = EMBEDDED_MODEL_NAME if chosen == EMBEDDED_GGUF_FILE else Path(chosen).stem
    else:
        path = _local_gguf(Path(model).expanduser(), gguf_file)
        name = path.stem
    if not path.is_file():
        raise LLMError(f"GGUF file {path.name!r} not found; this platform never downloads weights.")
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise LLMError(f"{path.name!r} is not a GGUF file.")
    return path, name


def _local_gguf(candidate: Path, gguf_file: str | None) -> Path:
    if candidate.is_file():
        if gguf_file and gguf_file != candidate.name:
            raise LLMError(f"model names the file {candidate.name!r}; gguf_file {gguf_file!r} contradicts it.")
        return candidate
    if not candidate.is_dir():
        raise LLMError(f"Model {str(candidate)!r} is not a local GGUF file or directory; nothing is downloaded.")
    if gguf_file:
        return candidate / gguf_file
    found = sorted(path.name for path in candidate.glob("*.gguf"))
    if len(found) != 1:
        listed = ", ".join(found) or "none"
        raise LLMError(f"Name the GGUF file (gguf_file) in the directory {candidate.name!r}; it holds: {listed}.")
    return candidate / found[0]


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LLMError(f"{name} must be a whole number of at least 1, not {value!r}.")
    return value


def _check(request: ChatRequest) -> None:
    if request.max_tokens < 1:
        raise LLMError(f"max_tokens must be at least 1, not {request.max_tokens}.")
    if request.temperature < 0:
        raise LLMError(f"temperature must not be negative, not {request.temperature}.")
    if not request.messages:
        raise LLMError("A chat request needs at least one message.")


@dataclass
class _Answer:
    """One request's progress, as the caller's thread follows it."""

    submitted_at: float
    text: str = ""
    finish_reason: str | None = None
    usage: Mapping[str, Any] = field(default_factory=dict)
    started_at: float | None = None
    finished_at: float | None = None
    done: bool = False

    def deadline(self, timeout_s: float) -> float:
        """When it times out: ``timeout_s`` after it reached a slot, or after it was submitted if it has not."""
        return (self.started_at if self.started_at is not None else self.submitted_at) + timeout_s


def _run(
    engine: Engine, index: int, body: dict[str, Any], wait_s: float, events: queue.Queue[Any], stop: threading.Event
) -> None:
    """One request, on its own thread: wait for a slot (``wait_s`` at most), then stream its chunks into
    ``events``. The engine stops it at the next token once ``stop`` is set."""

    def on_chunk(chunk: dict[str, Any]) -> bool:
        events.put((index, chunk))
        return stop.is_set()

    acquired = False
    try:
        acquired = engine.slots.acquire(timeout=wait_s)
        if acquired and not stop.is_set():
            events.put((index, _STARTED))
            engine.chat_stream(body, on_chunk)
    except Exception as error:  # the bindings raise ValueError or RuntimeError for a request they refuse
        events.put((index, error))
    finally:
        if acquired:
            engine.slots.release()
        events.put((index, _DONE))


class LlamaCppBackend:
    """An ``LLMBackend`` running a GGUF model in this process with llama.cpp, on the CPU.

    Thread-safe, and cheap to build: instances with the same model file and engine settings share one
    engine, started on first use (or ``load()``) and kept for the life of the process. ``n_ctx`` is each
    request's context window (prompt and answer); ``n_parallel`` requests are decoded together;
    ``threads`` is the engine's CPU threads (one holds up best on a busy machine); ``cache_prompt`` reuses
    the longest prefix a slot has already computed (the agents' system prompts)."""

    name = "llamacpp"

    def __init__(
        self,
        model: str | None = None,
        *,
        gguf_file: str | None = None,
        n_ctx: int = 4096,
        n_parallel: int = 2,
        threads: int = 1,
        timeout_s: float = 120.0,
        cache_prompt: bool = True,
    ) -> None:
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or timeout_s <= 0:
            raise LLMError(f"timeout_s must be a positive number of seconds, not {timeout_s!r}.")
        path, self.model = gguf_source(model, gguf_file)  # fails now, not at the first request
        self.settings = EngineSettings(
            path=str(path),
            n_ctx=_positive("n_ctx", n_ctx),
            n_parallel=_positive("n_parallel", n_parallel),
            threads=_positive("threads", threads),
        )
        self.timeout_s = float(timeout_s)
        self.cache_prompt = bool(cache_prompt)

    @property
    def supports_json_schema(self) -> bool:
        return True

    def load(self) -> Engine:
        """Start the engine, unless this process already has one for this model and these settings."""
        return engine_for(self.settings)

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        """One completion; ``on_token`` hears each piece of its text as the engine produces it."""
        relay = (lambda _index, piece: on_token(piece)) if on_token is not None else None
        return self.complete_batch([request], on_token=relay)[0]

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        """Completions in request order, generated together; ``on_token(index, piece)`` is called on this
        thread. Any request failing or timing out stops the others and fails the batch."""
        for request in requests:
            _check(request)
        engine = self.load()
        bodies = [self._body(engine, request) for request in requests]
        answers = self._generate(engine, bodies, on_token)
        return [self._completion(request, answer) for request, answer in zip(requests, answers, strict=True)]

    def _body(self, engine: Engine, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messages": [message.as_dict() for message in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            **PLAIN_SAMPLING,
            "cache_prompt": self.cache_prompt,
            "stream_options": {"include_usage": True},
        }
        if request.stop:
            body["stop"] = list(request.stop)
        if request.seed is not None:
            body["seed"] = request.seed % SEED_RANGE
        if request.json_schema is not None:
            self._check_schema(engine, request.json_schema)
            body["grammar"] = grammar(request.json_schema)
        return body

    def _check_schema(self, engine: Engine, schema: Mapping[str, Any]) -> None:
        """Raise LLMError unless the engine compiles ``schema``'s grammar; each schema is checked once."""
        key = schema_key(schema)
        verdict = engine.verdict(key)
        if verdict is None:
            verdict = self._verdict(engine, schema)
            engine.remember(key, verdict)
        if verdict:
            raise LLMError(verdict)

    def _verdict(self, engine: Engine, schema: Mapping[str, Any]) -> str:
        """Empty when the engine compiles ``schema``'s grammar, else why not (the meta-schema, then the probe)."""
        try:
            check_schema(schema)
        except LLMError as error:
            return str(error)
        if plain(schema):
            return ""
        tiny = [{"role": "system", "content": "."}, {"role": "user", "content": "."}]
        body = {"messages": tiny, "max_tokens": 2, "temperature": 0.0, "grammar": probe_grammar(schema)}
        [answer] = self._generate(engine, [body], None)
        if answer.text.startswith(PROBE_MARKER):
            return ""
        return (
            "The llama.cpp engine cannot compile this JSON schema into a grammar (a keyword it does not "
            "support, such as uniqueItems, a $ref that does not resolve, or bounds nothing satisfies); "
            "its log on stderr says which."
        )

    def _generate(
        self, engine: Engine, bodies: Sequence[dict[str, Any]], on_token: BatchTokenCallback | None
    ) -> list[_Answer]:
        """Run ``bodies`` on threads and follow them to the end; the caller's thread relays the pieces."""
        events: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        now = time.perf_counter()
        answers = [_Answer(submitted_at=now) for _ in bodies]
        for index, body in enumerate(bodies):
            arguments = (engine, index, body, self.timeout_s, events, stop)
            threading.Thread(target=_run, args=arguments, name="llamacpp-request", daemon=True).start()
        try:
            while not all(answer.done for answer in answers):
                deadline = min(answer.deadline(self.timeout_s) for answer in answers if not answer.done)
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise TransientLLMError(
                        f"The llama.cpp engine did not answer within {self.timeout_s:g} s; the request was stopped."
                    )
                try:
                    index, event = events.get(timeout=remaining)
                except queue.Empty:
                    continue
                self._follow(answers[index], index, event, on_token)
        finally:
            stop.set()  # a no-op once all are done; otherwise every request still running stops at its next token
        return answers

    @staticmethod
    def _follow(answer: _Answer, index: int, event: Any, on_token: BatchTokenCallback | None) -> None:
        """Take one event of one request: a chunk, its start, its end, or the engine's refusal."""
        if event == _STARTED:
            answer.started_at = time.perf_counter()
        elif event == _DONE:
            answer.done = True
            answer.finished_at = answer.finished_at or time.perf_counter()
        elif isinstance(event, Exception):
            raise LLMError(f"The llama.cpp engine refused the request: {event}") from event
        elif "error" in event:
            error = event["error"] if isinstance(event["error"], Mapping) else {"message": event["error"]}
            failure = TransientLLMError if error.get("type") in TRANSIENT_ERRORS else LLMError
            raise failure(f"The llama.cpp engine failed the request: {error.get('message', error)}")
        else:
            _take_chunk(answer, index, event, on_token)

    def _completion(self, request: ChatRequest, answer: _Answer) -> Completion:
        if answer.finish_reason is None:
            raise LLMError("The llama.cpp engine ended the answer without a finish reason.")
        if request.json_schema is not None and answer.finish_reason == "stop":
            try:
                json.loads(answer.text)
            except ValueError as error:
                raise LLMError(f"The engine's answer is not the JSON its grammar allows: {error}") from error
        usage = answer.usage
        details = usage.get("prompt_tokens_details") or {}
        finished_at = answer.finished_at if answer.finished_at is not None else time.perf_counter()
        return Completion(
            text=answer.text,
            usage=EngineUsage(
                prompt_tokens=int(usage.get("prompt_tokens", 0)),
                completion_tokens=int(usage.get("completion_tokens", 0)),
                cached_tokens=int(details.get("cached_tokens", 0)),
            ),
            latency_s=finished_at - answer.submitted_at,
            model=self.model,
            backend=self.name,
            finish_reason=answer.finish_reason,
            constrained=request.json_schema is not None,
        )


def _take_chunk(answer: _Answer, index: int, chunk: Mapping[str, Any], on_token: BatchTokenCallback | None) -> None:
    """A streamed chunk: a piece of text, the finish reason, or the usage (the last chunk)."""
    if chunk.get("usage"):
        answer.usage = chunk["usage"]
    for choice in chunk.get("choices") or ():
        piece = (choice.get("delta") or {}).get("content")
        if piece:
            answer.text += piece
            if on_token is not None:
                on_token(index, piece)
        if choice.get("finish_reason"):
            answer.finish_reason = str(choice["finish_reason"])
            answer.finished_at = time.perf_counter()
