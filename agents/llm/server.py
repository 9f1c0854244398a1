"""An OpenAI-compatible HTTP server in front of any :class:`LLMBackend`.

    python -m agents.llm.server --backend llamacpp --port 8001          # the embedded model, to other processes
    python -m agents.llm.server --backend scripted-echo --port 0        # a deterministic model; prints its port

Serves ``POST /v1/chat/completions`` (streamed as OpenAI and vLLM stream it: ``data: {chunk}`` events, a
final usage chunk when ``stream_options.include_usage`` asks for it, then ``data: [DONE]``; or one JSON
answer) and ``GET /v1/models``. ``response_format`` (``json_schema`` or ``json_object``) and vLLM's
``structured_outputs``/``guided_json`` reach the backend as :attr:`ChatRequest.json_schema`. Malformed
bodies get 400 with OpenAI's error object. Requests are served on threads; the backend must be
thread-safe (the project's are). :class:`Faults` make a server misbehave on purpose, to test clients.
Standard library only: no Django.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agents.llm.base import ChatRequest, Completion, LLMBackend, LLMError, TransientLLMError
from agents.llm.server_protocol import (
    BadRequest,
    chat_request_from_body,
    completion_body,
    completion_id,
    decode_json_body,
    stream_chunk,
)

MAX_BODY_BYTES = 8 * 1024 * 1024
CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
MODELS_PATHS = ("/v1/models", "/models")


@dataclass(frozen=True)
class Faults:
    """Deliberate misbehaviour, for testing clients: a delay before answering, a pause between
    streamed pieces, the first ``fail_first`` chat requests refused with ``fail_status``, usage never sent."""

    delay_s: float = 0.0
    token_delay_s: float = 0.0
    fail_first: int = 0
    fail_status: int = 503
    omit_usage: bool = False


class ChatServer(ThreadingHTTPServer):
    """The HTTP server: holds the backend, the served model name and the fault plan."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        backend: LLMBackend,
        *,
        served_model: str | None = None,
        api_key: str | None = None,
        faults: Faults,
    ) -> None:
        super().__init__(address, _Handler)
        self.backend = backend
        self.served_model = served_model or backend.model
        self.api_key = api_key
        self.faults = faults
        self._failures_left = faults.fail_first
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        """The bound address."""
        host = self.server_address[0]
        return host.decode() if isinstance(host, bytes) else str(host)

    @property
    def port(self) -> int:
        """The bound port (the one the OS chose when asked for port 0)."""
        return int(self.server_address[1])

    def authorized(self, header: str | None) -> bool:
        """True when no key is required, or ``header`` is ``Bearer <the key>``."""
        if not self.api_key:
            return True
        scheme, _, token = (header or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.api_key.encode())

    def take_failure(self) -> bool:
        """True while planned failures remain (each call uses one up)."""
        with self._lock:
            if self._failures_left <= 0:
                return False
            self._failures_left -= 1
            return True


def make_server(
    backend: LLMBackend,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    served_model: str | None = None,
    api_key: str | None = None,
    faults: Faults | None = None,
) -> ChatServer:
    """A bound server, not yet serving: call ``serve_forever`` (on a thread, or as the process's work).

    ``api_key``: requests must carry ``Authorization: Bearer <api_key>`` (as ``vllm serve --api-key``).
    """
    return ChatServer((host, port), backend, served_model=served_model, api_key=api_key, faults=faults or Faults())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ChatServer

    def do_GET(self) -> None:
        """``/v1/models`` and ``/health``."""
        path = self.path.split("?", 1)[0]
        if path != "/health" and not self._authorized():
            return
        if path in MODELS_PATHS:
            model = {"id": self.server.served_model, "object": "model", "created": 0, "owned_by": "aoi"}
            self._send_json(HTTPStatus.OK, {"object": "list", "data": [model]})
        elif path == "/health":
            self._send_json(HTTPStatus.OK, {"status": "ok"})
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"no route for GET {path}", "not_found_error")

    def do_POST(self) -> None:
        """``/v1/chat/completions``: faults first, then the body checked, then the backend's answer."""
        raw = self._read_body()
        if raw is None:
            return
        path = self.path.split("?", 1)[0]
        if not self._authorized():
            return
        if path not in CHAT_PATHS:
            self._send_error(HTTPStatus.NOT_FOUND, f"no route for POST {path}", "not_found_error")
            return
        faults = self.server.faults
        if self.server.take_failure():
            self._send_error(faults.fail_status, "the server is failing on purpose (--fail-first)", "server_error")
            return
        time.sleep(faults.delay_s)
        try:
            request, options = chat_request_from_body(decode_json_body(raw), self.server.served_model)
        except BadRequest as error:
            self._send_error(error.status, str(error), error.kind, param=error.param, code=error.code)
            return
        if options.stream:
            _Stream(self, include_usage=options.include_usage and not faults.omit_usage).run(request)
        else:
            self._complete(request)

    def _authorized(self) -> bool:
        if self.server.authorized(self.headers.get("Authorization")):
            return True
        self._send_error(HTTPStatus.UNAUTHORIZED, "Incorrect or missing API key.", "authentication_error")
        return False

    def _complete(self, request: ChatRequest) -> None:
        try:
            completion = self.server.backend.complete(request)
        except Exception as error:
            self._send_backend_error(_as_llm_error(error))
            return
        body = completion_body(completion_id(), self.server.served_model, completion)
        if self.server.faults.omit_usage:
            body.pop("usage")
        self._send_json(HTTPStatus.OK, body)

    def _read_body(self) -> bytes | None:
        """The request's body; None after answering 400 or 413 for one that cannot be read."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if 0 <= length <= MAX_BODY_BYTES:
            return self.rfile.read(length)
        self.close_connection = True  # the unread body would be taken for the next request
        status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > 0 else HTTPStatus.BAD_REQUEST
        self._send_error(status, "the request body needs a Content-Length of at most 8 MiB", "invalid_request_error")
        return None

    def _send_backend_error(self, error: LLMError) -> None:
        transient = isinstance(error, TransientLLMError)
        status = HTTPStatus.SERVICE_UNAVAILABLE if transient else HTTPStatus.INTERNAL_SERVER_ERROR
        self._send_error(status, str(error), "server_error")

    def _send_error(
        self, status: int, message: str, kind: str, *, param: str | None = None, code: str | None = None
    ) -> None:
        self._send_json(status, {"error": {"message": message, "type": kind, "param": param, "code": code}})

    def _send_json(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def _as_llm_error(error: Exception) -> LLMError:
    """A backend's failure as the client will read it; anything but an LLMError is a bug, logged in full."""
    if isinstance(error, LLMError):
        return error
    traceback.print_exception(error, file=sys.stderr)
    return LLMError(f"the backend failed: {type(error).__name__}: {error}")


class _Stream:
    """One streamed answer: headers go out with the first event, so a backend that fails before its
    first token still gets a proper error status; a failure after that ends the stream with an error event."""

    def __init__(self, handler: _Handler, *, include_usage: bool) -> None:
        self.handler = handler
        self.include_usage = include_usage
        self.id = completion_id()
        self.created = int(time.time())
        self.started = False
        self.sent: list[str] = []

    def run(self, request: ChatRequest) -> None:
        """Generate ``request``'s answer, streaming each piece as the backend produces it."""
        try:
            completion = self.handler.server.backend.complete(request, on_token=self._piece)
        except (BrokenPipeError, ConnectionResetError):
            self.handler.close_connection = True  # the client left; generation stopped with the failed write
            return
        except Exception as caught:
            error = _as_llm_error(caught)
            if not self.started:
                self.handler._send_backend_error(error)
                return
            self._event({"error": {"message": str(error), "type": "server_error", "code": 500}})
            self._finish()
            return
        self._end(completion)

    def _piece(self, text: str) -> None:
        self.sent.append(text)
        self._event(self._chunk({"content": text}))
        time.sleep(self.handler.server.faults.token_delay_s)

    def _end(self, completion: Completion) -> None:
        sent = "".join(self.sent)
        if completion.text != sent and completion.text.startswith(sent):
            # A backend that does not stream (or not all of it): the rest goes out as one delta.
            self._event(self._chunk({"content": completion.text[len(sent) :]}))
        self._event(self._chunk({}, finish_reason=completion.finish_reason))
        if self.include_usage:
            model = self.handler.server.served_model
            self._event(stream_chunk(self.id, self.created, model, None, completion=completion))
        self._finish()

    def _chunk(self, delta: Mapping[str, str], *, finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"delta": dict(delta), "finish_reason": finish_reason}
        chunk = stream_chunk(self.id, self.created, self.handler.server.served_model, choice)
        if self.include_usage:
            chunk["usage"] = None
        return chunk

    def _event(self, body: Mapping[str, Any] | str) -> None:
        if not self.started:
            self._open()
        payload = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        self._write_chunk(f"data: {payload}\n\n".encode())

    def _open(self) -> None:
        """The headers and, as OpenAI starts every stream, a chunk naming the assistant role."""
        self.started = True
        self.handler.send_response(HTTPStatus.OK)
        self.handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.handler.send_header("Cache-Control", "no-cache")
        self.handler.send_header("Transfer-Encoding", "chunked")
        self.handler.end_headers()
        self._event(self._chunk({"role": "assistant", "content": ""}))

    def _finish(self) -> None:
        self._event("[DONE]")
        self.handler.wfile.write(b"0\r\n\r\n")
        self.handler.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.handler.wfile.flush()


def serve(server: ChatServer, announce: Callable[[str], None]) -> None:
    """Serve until SIGTERM or SIGINT, after announcing the URL (tests read the port from that line)."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    announce(f"serving {server.served_model} on http://{server.host}:{server.port}/v1 (backend {server.backend.name})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The server's options, shared by ``python -m agents.llm.server`` and ``manage.py llm_serve``."""
    parser.add_argument("--backend", required=True, help="a backend name the factory knows (see docs/llm.md)")
    parser.add_argument("--model", help="the backend's model (a directory, a server's model name)")
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", help="another backend option (JSON values)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001, help="0: any free port (announced on stdout)")
    parser.add_argument("--served-model-name", help="the model name clients send and /v1/models lists")
    parser.add_argument(
        "--api-key-env", metavar="VARIABLE", help="require the API key held in this environment variable"
    )
    faults = parser.add_argument_group("faults, for testing clients")
    faults.add_argument("--delay-s", type=float, default=0.0, help="wait this long before answering")
    faults.add_argument("--token-delay-s", type=float, default=0.0, help="wait this long after each streamed piece")
    faults.add_argument("--fail-first", type=int, default=0, help="refuse the first N chat requests")
    faults.add_argument("--fail-status", type=int, default=503, help="the status of those refusals")
    faults.add_argument("--omit-usage", action="store_true", help="never report token counts")


def backend_config(arguments: argparse.Namespace) -> dict[str, Any]:
    """The factory configuration the parsed arguments describe."""
    config: dict[str, Any] = {"backend": arguments.backend}
    if arguments.model:
        config["model"] = arguments.model
    for option in arguments.option:
        key, separator, value = option.partition("=")
        if not separator or not key:
            raise LLMError(f"--option takes KEY=VALUE, not {option!r}")
        try:
            config[key] = json.loads(value)
        except json.JSONDecodeError:
            config[key] = value
    return config


def server_from_arguments(arguments: argparse.Namespace) -> ChatServer:
    """Build the backend the arguments name and bind a server for it."""
    from agents.llm.factory import backend_from_config

    faults = Faults(
        delay_s=arguments.delay_s,
        token_delay_s=arguments.token_delay_s,
        fail_first=arguments.fail_first,
        fail_status=arguments.fail_status,
        omit_usage=arguments.omit_usage,
    )
    api_key = None
    if arguments.api_key_env:
        api_key = os.environ.get(arguments.api_key_env)
        if not api_key:
            raise LLMError(f"the environment variable {arguments.api_key_env} holds no API key")
    backend = backend_from_config(backend_config(arguments))
    return make_server(
        backend,
        arguments.host,
        arguments.port,
        served_model=arguments.served_model_name,
        api_key=api_key,
        faults=faults,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m agents.llm.server``: serve until terminated."""
    parser = argparse.ArgumentParser(prog="python -m agents.llm.server", description=__doc__.splitlines()[0])
    add_arguments(parser)
    arguments = parser.parse_args(argv)
    try:
        server = server_from_arguments(arguments)
    except (LLMError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    serve(server, lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
