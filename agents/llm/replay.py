"""Deterministic backends: replay of recorded completions, the recorder that writes them, a scripted model.

A recording is a JSONL file, one completion per line::

    {"key": "<sha256 of the request>", "request": {<ChatRequest.canonical()>}, "text": "...",
     "usage": {"prompt_tokens": 12, "completion_tokens": 5}, "model": "...", "backend": "...",
     "finish_reason": "stop", "constrained": true, "latency_s": 0.42, "metadata": {...}}

:class:`RecordingBackend` wraps any backend and appends such lines; :class:`ReplayBackend` answers each
request with the completion recorded under its key, so a real run can be replayed without the model.
:class:`ScriptedBackend` answers from the request itself through a function (an echo, an "obedient"
model that follows whatever instruction it reads), counting whitespace-separated words as tokens.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from agents.llm.base import (
    BatchTokenCallback,
    ChatRequest,
    Completion,
    LLMBackend,
    LLMError,
    TokenCallback,
    Usage,
)
from agents.llm.openai import ServerUsage

Record = Mapping[str, Any]
Responder = Callable[[ChatRequest], str]

# A piece is a word with the whitespace before it, as subword tokenizers attach the leading space:
# the pieces of a text concatenate back to exactly that text.
_PIECE = re.compile(r"\s*\S+|\s+$")
NO_RECORDING = "no_recording"


def word_pieces(text: str) -> list[str]:
    """``text`` cut into words with their leading whitespace; ``"".join`` of the result is ``text``."""
    return _PIECE.findall(text)


def word_count(text: str) -> int:
    """Tokens as the deterministic backends count them: whitespace-separated words."""
    return len(text.split())


def canonical_key(canonical: Mapping[str, Any]) -> str:
    """The key of a request given its canonical dict (the same hash as :attr:`ChatRequest.key`)."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def completion_record(request: ChatRequest, completion: Completion) -> dict[str, Any]:
    """The JSONL record of one completion of ``request``."""
    usage: dict[str, Any] = {
        "prompt_tokens": completion.usage.prompt_tokens,
        "completion_tokens": completion.usage.completion_tokens,
    }
    if not getattr(completion.usage, "reported", True):
        usage["reported"] = False
    return {
        "key": request.key,
        "request": request.canonical(),
        "text": completion.text,
        "usage": usage,
        "model": completion.model,
        "backend": completion.backend,
        "finish_reason": completion.finish_reason,
        "constrained": completion.constrained,
        "latency_s": completion.latency_s,
        "metadata": dict(request.metadata),
    }


def _usage_from(record: Record) -> Usage:
    usage = record.get("usage") or {}
    prompt, completion = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
    if usage.get("reported") is False:
        return ServerUsage(prompt, completion, reported=False)
    return Usage(prompt, completion)


def _checked(record: object, where: str) -> Record:
    """The record if it is well formed; an LLMError naming ``where`` otherwise."""
    if not isinstance(record, Mapping):
        raise LLMError(f"{where}: a recording line must be a JSON object")
    for field_name, kind in (("key", str), ("text", str)):
        if not isinstance(record.get(field_name), kind):
            raise LLMError(f"{where}: the record has no string {field_name!r}")
    request = record.get("request")
    if isinstance(request, Mapping) and canonical_key(request) != record["key"]:
        raise LLMError(f"{where}: the key {record['key'][:12]}... is not the hash of the recorded request")
    return record


def read_recording(path: str | os.PathLike[str]) -> list[Record]:
    """Every record of the JSONL file at ``path``, checked; blank lines are skipped."""
    records: list[Record] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise LLMError(f"cannot read the recording {path}: {error}") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            decoded = json.loads(line)
        except json.JSONDecodeError as error:
            raise LLMError(f"{path}:{number}: not a JSON record ({error.msg})") from error
        records.append(_checked(decoded, f"{path}:{number}"))
    return records


def _stream(text: str, on_token: TokenCallback | None) -> None:
    if on_token is not None:
        for piece in word_pieces(text):
            on_token(piece)


def sequential_batch(
    backend: LLMBackend, requests: Sequence[ChatRequest], on_token: BatchTokenCallback | None
) -> list[Completion]:
    """Completions one after another, ``on_token`` told which request each piece belongs to."""
    completions: list[Completion] = []
    for index, request in enumerate(requests):
        sink: TokenCallback | None = None
        if on_token is not None:
            sink = _indexed(on_token, index)
        completions.append(backend.complete(request, on_token=sink))
    return completions


def _indexed(on_token: BatchTokenCallback, index: int) -> TokenCallback:
    return lambda piece: on_token(index, piece)


class ScriptedBackend:
    """A deterministic model: ``responder`` writes the answer from the request.

    It keeps the request's limits as a model would: the text is cut at the first stop sequence
    (``finish_reason`` "stop") and after ``max_tokens`` words ("length"). Tokens are whitespace words;
    ``on_token`` hears the answer word by word. It does not enforce JSON schemas.
    """

    name = "scripted"

    def __init__(self, responder: Responder, *, model: str = "scripted") -> None:
        self._responder = responder
        self.model = model

    @property
    def supports_json_schema(self) -> bool:
        """False: the responder's text is returned as written, schema or not."""
        return False

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        """The responder's answer to ``request``, within its limits."""
        started = time.perf_counter()
        text, finish_reason = _within_limits(self._responder(request), request)
        _stream(text, on_token)
        prompt_tokens = sum(word_count(message.content) for message in request.messages)
        return Completion(
            text=text,
            usage=Usage(prompt_tokens, word_count(text)),
            latency_s=time.perf_counter() - started,
            model=self.model,
            backend=self.name,
            finish_reason=finish_reason,
        )

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        """Each request in turn (nothing to gain from batching a function)."""
        return sequential_batch(self, requests, on_token)


def _within_limits(text: str, request: ChatRequest) -> tuple[str, str]:
    finish_reason = "stop"
    cuts = [text.find(stop) for stop in request.stop if stop and stop in text]
    if cuts:
        text = text[: min(cuts)]
    pieces = word_pieces(text)
    if len([piece for piece in pieces if piece.strip()]) > request.max_tokens:
        text = "".join(pieces[: request.max_tokens])
        finish_reason = "length"
    return text, finish_reason


def last_user_message(request: ChatRequest) -> str:
    """The content of the request's last user message ("" when there is none)."""
    for message in reversed(request.messages):
        if message.role == "user":
            return message.content
    return ""


def request_json(request: ChatRequest) -> str:
    """The request's canonical JSON: what a backend behind a server actually received."""
    return json.dumps(request.canonical(), sort_keys=True, ensure_ascii=False)


class ReplayBackend:
    """Answers each request with the completion recorded under its key.

    A key recorded several times (repeated runs, sampling) is answered in recorded order, the last
    recording repeating once they are used up. ``strict``: a request never recorded raises LLMError;
    otherwise it gets an empty completion with ``finish_reason`` "no_recording" and its key is kept in
    :attr:`missing`. ``latency_s`` is the replay's own time, not the recorded model's.
    """

    name = "replay"

    def __init__(
        self,
        path_or_records: str | os.PathLike[str] | Iterable[Record],
        *,
        strict: bool = True,
        supports_json_schema: bool | None = None,
    ) -> None:
        if isinstance(path_or_records, str | os.PathLike):
            records = read_recording(path_or_records)
        else:
            records = [_checked(record, f"record {index}") for index, record in enumerate(path_or_records)]
        self._answers: dict[str, deque[Record]] = {}
        for record in records:
            self._answers.setdefault(record["key"], deque()).append(record)
        self.strict = strict
        self.missing: list[str] = []
        self.model = str(records[0].get("model", "replay")) if records else "replay"
        # The agents shape their prompts on this flag; it must match the recorded backend's, or no key matches.
        self._supports_json_schema = (
            any(bool(record.get("constrained")) for record in records)
            if supports_json_schema is None
            else supports_json_schema
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(answers) for answers in self._answers.values())

    @property
    def supports_json_schema(self) -> bool:
        """What the recorded backend said (the recording was constrained), unless given explicitly."""
        return self._supports_json_schema

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        """The recorded completion of ``request``."""
        started = time.perf_counter()
        record = self._next(request.key)
        if record is None:
            return Completion("", Usage(0, 0), time.perf_counter() - started, self.model, self.name, NO_RECORDING)
        text = str(record["text"])
        _stream(text, on_token)
        return Completion(
            text=text,
            usage=_usage_from(record),
            latency_s=time.perf_counter() - started,
            model=str(record.get("model", self.model)),
            backend=self.name,
            finish_reason=str(record.get("finish_reason", "stop")),
            constrained=bool(record.get("constrained", False)),
        )

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        """Each request's recording, in request order."""
        return sequential_batch(self, requests, on_token)

    def _next(self, key: str) -> Record | None:
        with self._lock:
            answers = self._answers.get(key)
            if not answers:
                if self.strict:
                    raise LLMError(f"no recording for request {key[:12]}...")
                self.missing.append(key)
                return None
            return answers.popleft() if len(answers) > 1 else answers[0]


class RecordingBackend:
    """Wraps ``inner`` and appends every completion it returns to the JSONL file at ``path``.

    Each record is written with one ``write`` on a file opened for appending, under a lock, so lines from
    concurrent calls (threads here, or other processes appending to the same file) never interleave.
    Failed calls are not recorded: they raise, as they did.
    """

    def __init__(self, inner: LLMBackend, path: str | os.PathLike[str]) -> None:
        self.inner = inner
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.name = inner.name
        self.model = inner.model
        self._lock = threading.Lock()

    @property
    def supports_json_schema(self) -> bool:
        """The wrapped backend's."""
        return self.inner.supports_json_schema

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        """The inner backend's completion, recorded."""
        completion = self.inner.complete(request, on_token=on_token)
        self._append([completion_record(request, completion)])
        return completion

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        """The inner backend's batch, every completion recorded in request order."""
        completions = self.inner.complete_batch(requests, on_token=on_token)
        self._append([completion_record(r, c) for r, c in zip(requests, completions, strict=True)])
        return completions

    def _append(self, records: Sequence[Record]) -> None:
        data = "".join(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n" for record in records).encode()
        with self._lock:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(descriptor, view) :]
            finally:
                os.close(descriptor)
