"""A backend for any OpenAI-compatible chat-completions server (vLLM's ``vllm serve`` first of all).

Every call streams (``stream: true`` with ``stream_options.include_usage``): ``on_token`` hears each delta
as the server sends it, and the final chunk carries the token counts. Structured decoding is asked for in
one of the dialects servers understand (``structured``):

- ``json_schema``: OpenAI's ``response_format`` with ``strict`` (OpenAI, vLLM, llama.cpp, SGLang);
- ``structured_outputs``: vLLM's extra body ``{"structured_outputs": {"json": schema}}`` (vLLM >= 0.12);
- ``guided_json``: vLLM's older extra body (removed in vLLM 0.12);
- ``none``: the schema is not sent; :attr:`supports_json_schema` is False and the agents repair instead.

Timeouts are explicit (connect, and the longest wait for the server's next bytes). Transient failures
(connect errors, timeouts, a dropped connection, 408, 429, 5xx) are retried with exponential backoff,
and only before the first token reached ``on_token`` (a retry would repeat text the listener already
has); any other 4xx is final. Pure Python over httpx: no Django.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from agents.llm.base import (
    BatchTokenCallback,
    ChatRequest,
    Completion,
    LLMError,
    TokenCallback,
    TransientLLMError,
    Usage,
)

STRUCTURED_DIALECTS = ("json_schema", "structured_outputs", "guided_json", "none")
RETRYABLE_STATUSES = frozenset({408, 429})
# A server's Retry-After is honoured up to this many seconds; past it, waiting is the caller's decision.
MAX_RETRY_AFTER_S = 30.0


@dataclass(frozen=True)
class ServerUsage(Usage):
    """Token counts as the server reported them. ``reported`` False: it sent none, and the zeros count nothing."""

    reported: bool = True


def sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The ``data`` of each server-sent event in ``lines`` (a multi-line event's data joined by newlines)."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue  # a comment: servers send them to keep idle connections open
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value.removeprefix(" "))
    if data:
        yield "\n".join(data)


def server_message(response: httpx.Response) -> str:
    """The error message a server put in its body (OpenAI's ``{"error": {"message"}}`` and kin)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text.strip()[:500] or response.reason_phrase
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and error.get("message"):
            return str(error["message"])
        for key in ("message", "detail", "error"):
            if body.get(key):
                return str(body[key])
    return json.dumps(body)[:500]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(float(response.headers.get("retry-after", "")), MAX_RETRY_AFTER_S)
    except ValueError:
        return None


class _RetryableError(TransientLLMError):
    """A transient failure with the server's suggested wait, if it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class _Collected:
    """What one streamed answer has delivered so far."""

    pieces: list[str] = field(default_factory=list)
    usage: ServerUsage | None = None
    finish_reason: str | None = None
    model: str | None = None
    done: bool = False

    def absorb(self, chunk: Mapping[str, Any], on_token: TokenCallback | None) -> None:
        """Take one ``chat.completion.chunk``: pass its text on, keep its usage and finish reason."""
        error = chunk.get("error")
        if error is not None:
            _raise_stream_error(error)
        self.model = self.model or chunk.get("model")
        usage = chunk.get("usage")
        if isinstance(usage, Mapping):
            self.usage = ServerUsage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
        for choice in chunk.get("choices") or ():
            content = (choice.get("delta") or {}).get("content")
            if content:
                self.pieces.append(content)
                if on_token is not None:
                    on_token(content)
            self.finish_reason = choice.get("finish_reason") or self.finish_reason


def _raise_stream_error(error: object) -> None:
    message = str(error.get("message", error)) if isinstance(error, Mapping) else str(error)
    code = error.get("code") if isinstance(error, Mapping) else None
    if isinstance(code, int) and (code >= 500 or code in RETRYABLE_STATUSES):
        raise TransientLLMError(f"the server failed mid-stream: {message}")
    raise LLMError(f"the server failed mid-stream: {message}")


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible server at ``base_url`` (ending in ``/v1``).

    ``timeout_s`` bounds each wait for the server's bytes (the first token included), ``connect_timeout_s``
    the TCP and TLS connect; ``max_retries`` transient failures are retried, waiting ``backoff_s`` doubled
    each time (or the server's Retry-After). Thread-safe; :meth:`complete_batch` sends up to
    ``max_concurrency`` requests at once, the server (vLLM) batching them.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 5.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        structured: str = "json_schema",
        *,
        max_concurrency: int = 4,
    ) -> None:
        if structured not in STRUCTURED_DIALECTS:
            raise LLMError(f"unknown structured dialect {structured!r}; known: {', '.join(STRUCTURED_DIALECTS)}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.structured = structured
        self.max_retries = max(0, max_retries)
        self.backoff_s = backoff_s
        self.max_concurrency = max(1, max_concurrency)
        headers = {"Accept": "text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s, pool=connect_timeout_s),
            # No cap on connections: callers on more threads than max_concurrency must not queue into a timeout.
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=self.max_concurrency),
        )

    @property
    def supports_json_schema(self) -> bool:
        """True unless ``structured`` is "none": the server constrains decoding to the schema."""
        return self.structured != "none"

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def __enter__(self) -> OpenAIBackend:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        """The JSON body of ``POST /chat/completions`` for ``request``."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [message.as_dict() for message in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.stop:
            body["stop"] = list(request.stop)
        if request.seed is not None:
            body["seed"] = request.seed
        schema = request.json_schema
        if schema is not None and self.structured == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "decision", "schema": dict(schema), "strict": True},
            }
        elif schema is not None and self.structured == "structured_outputs":
            body["structured_outputs"] = {"json": dict(schema)}
        elif schema is not None and self.structured == "guided_json":
            body["guided_json"] = dict(schema)
        return body

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        """One streamed completion; ``latency_s`` covers every attempt and the waits between them."""
        started = time.perf_counter()
        body = self.request_body(request)
        attempt = 0
        while True:
            collected = _Collected()
            try:
                self._stream_once(body, collected, on_token)
                break
            except _RetryableError as error:
                if collected.pieces or attempt >= self.max_retries:
                    tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                    raise TransientLLMError(f"{self._url} failed after {tries}: {error}") from error
                time.sleep(error.retry_after if error.retry_after is not None else self.backoff_s * 2**attempt)
                attempt += 1
        return Completion(
            text="".join(collected.pieces),
            usage=collected.usage or ServerUsage(0, 0, reported=False),
            latency_s=time.perf_counter() - started,
            model=collected.model or self.model,
            backend=self.name,
            finish_reason=collected.finish_reason or "stop",
            constrained=request.json_schema is not None and self.supports_json_schema,
        )

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        """Concurrent streamed completions, in request order; ``on_token`` is called under a lock."""
        if not requests:
            return []
        lock = threading.Lock()

        def sink_for(index: int) -> TokenCallback | None:
            if on_token is None:
                return None

            def sink(piece: str) -> None:
                with lock:
                    on_token(index, piece)

            return sink

        with ThreadPoolExecutor(min(self.max_concurrency, len(requests)), thread_name_prefix="openai") as pool:
            futures = [pool.submit(self.complete, request, on_token=sink_for(i)) for i, request in enumerate(requests)]
            return [future.result() for future in futures]

    @property
    def _url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _stream_once(self, body: Mapping[str, Any], collected: _Collected, on_token: TokenCallback | None) -> None:
        try:
            with self._client.stream("POST", self._url, json=body) as response:
                if response.status_code != httpx.codes.OK:
                    response.read()
                    raise _status_error(response)
                for data in sse_data(response.iter_lines()):
                    if data.strip() == "[DONE]":
                        collected.done = True
                        break
                    collected.absorb(_decode_chunk(data), on_token)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise LLMError(f"{self._url} is not a usable URL: {error}") from error
        except httpx.TimeoutException as error:
            raise _RetryableError(f"timed out ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise _RetryableError(f"{type(error).__name__}: {error}") from error
        if not collected.done and collected.finish_reason is None:
            raise _RetryableError("the stream ended before [DONE]")


def _decode_chunk(data: str) -> Mapping[str, Any]:
    try:
        chunk = json.loads(data)
    except json.JSONDecodeError as error:
        raise LLMError(f"the server sent an event that is not JSON: {data[:200]!r}") from error
    if not isinstance(chunk, Mapping):
        raise LLMError(f"the server sent an event that is not a JSON object: {data[:200]!r}")
    return chunk


def _status_error(response: httpx.Response) -> LLMError:
    status = response.status_code
    message = f"{status} {response.reason_phrase}: {server_message(response)}"
    if status in RETRYABLE_STATUSES or status >= httpx.codes.INTERNAL_SERVER_ERROR:
        return _RetryableError(message, _retry_after(response))
    return LLMError(f"{response.request.url} refused the request: {message}")
