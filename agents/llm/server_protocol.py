"""The chat-completions wire format as a server reads and writes it: request bodies in, JSON bodies out.

:func:`chat_request_from_body` turns an OpenAI ``/v1/chat/completions`` body into a :class:`ChatRequest`,
refusing what is malformed with :class:`BadRequest` (status, OpenAI error type, the offending parameter).
:func:`completion_body` and :func:`stream_chunk` build the answers. Pure functions, no I/O.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agents.llm.base import ChatRequest, Completion, Message

# OpenAI's "developer" role is its newer name for system instructions.
ROLE_ALIASES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
DEFAULT_TEMPERATURE = 1.0  # OpenAI's and vLLM's default when a body names none


class BadRequest(ValueError):
    """A request body the server refuses; rendered as OpenAI's error object."""

    def __init__(
        self, message: str, *, param: str | None = None, status: int = 400, kind: str = "invalid_request_error"
    ) -> None:
        super().__init__(message)
        self.param = param
        self.status = status
        self.kind = kind
        self.code: str | None = "model_not_found" if status == 404 else None


@dataclass(frozen=True)
class ChatOptions:
    """How to answer, beside what to generate."""

    stream: bool
    include_usage: bool


def decode_json_body(raw: bytes) -> object:
    """The JSON value of a request body; BadRequest when it is not JSON."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadRequest("We could not parse the JSON body of your request: it is not valid JSON.") from error


def chat_request_from_body(body: object, served_model: str) -> tuple[ChatRequest, ChatOptions]:
    """The request and answer options a chat-completions body describes; BadRequest when malformed."""
    if not isinstance(body, Mapping):
        raise BadRequest("The request body must be a JSON object.")
    model = body.get("model", served_model)
    if model != served_model:
        raise BadRequest(f"The model `{model}` does not exist.", param="model", status=404, kind="not_found_error")
    if body.get("n") not in (None, 1):
        raise BadRequest("Only n=1 is supported.", param="n")
    metadata = body.get("metadata") or {}
    request = ChatRequest(
        messages=_messages(body.get("messages")),
        max_tokens=_max_tokens(body),
        temperature=_temperature(body.get("temperature", DEFAULT_TEMPERATURE)),
        json_schema=_json_schema(body),
        stop=_stop(body.get("stop")),
        seed=_optional_int(body.get("seed"), "seed"),
        metadata={str(key): str(value) for key, value in metadata.items()} if isinstance(metadata, Mapping) else {},
    )
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("'stream' must be a boolean.", param="stream")
    stream_options = body.get("stream_options") or {}
    if not isinstance(stream_options, Mapping):
        raise BadRequest("'stream_options' must be an object.", param="stream_options")
    return request, ChatOptions(stream=stream, include_usage=bool(stream_options.get("include_usage", False)))


def _messages(raw: object) -> tuple[Message, ...]:
    if not isinstance(raw, list) or not raw:
        raise BadRequest("'messages' must be a non-empty array.", param="messages")
    messages = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping) or item.get("role") not in ROLE_ALIASES:
            raise BadRequest(
                f"messages[{index}] needs a role among {', '.join(ROLE_ALIASES)}.", param=f"messages[{index}].role"
            )
        messages.append(Message(ROLE_ALIASES[item["role"]], _content(item.get("content"), index)))
    return tuple(messages)


def _content(raw: object, index: int) -> str:
    """A message's text: a string, or an array of text parts (the multimodal form, text only here)."""
    if isinstance(raw, str):
        return raw
    if raw is None:
        return ""
    if isinstance(raw, list) and all(isinstance(part, Mapping) and part.get("type") == "text" for part in raw):
        return "".join(str(part.get("text", "")) for part in raw)
    raise BadRequest(f"messages[{index}].content must be a string or text parts.", param=f"messages[{index}].content")


def _max_tokens(body: Mapping[str, Any]) -> int:
    name = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
    value = _optional_int(body.get(name), name)
    if value is None:
        return ChatRequest.max_tokens  # the dataclass default
    if value < 1:
        raise BadRequest(f"'{name}' must be at least 1.", param=name)
    return value


def _optional_int(raw: object, name: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise BadRequest(f"'{name}' must be an integer.", param=name)
    return raw


def _temperature(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 2:
        raise BadRequest("'temperature' must be a number from 0 to 2.", param="temperature")
    return float(raw)


def _stop(raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return tuple(raw)
    raise BadRequest("'stop' must be a string or an array of strings.", param="stop")


def _json_schema(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The schema from ``response_format``, vLLM's ``structured_outputs.json`` or its older ``guided_json``."""
    response_format = body.get("response_format")
    if response_format is not None:
        return _schema_from_response_format(response_format)
    structured = body.get("structured_outputs")
    if isinstance(structured, Mapping) and structured.get("json") is not None:
        return _schema_object(structured["json"], "structured_outputs.json")
    if body.get("guided_json") is not None:
        return _schema_object(body["guided_json"], "guided_json")
    return None


def _schema_from_response_format(raw: object) -> Mapping[str, Any] | None:
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind == "json_schema" and isinstance(raw, Mapping):
        spec = raw.get("json_schema")
        if isinstance(spec, Mapping) and "schema" in spec:
            return _schema_object(spec["schema"], "response_format.json_schema.schema")
        raise BadRequest("response_format.json_schema needs a 'schema'.", param="response_format")
    raise BadRequest("response_format.type must be text, json_object or json_schema.", param="response_format")


def _schema_object(raw: object, param: str) -> Mapping[str, Any]:
    """A schema given as an object, or (vLLM accepts it) as a JSON string of one."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise BadRequest(f"'{param}' is not valid JSON.", param=param) from error
    if not isinstance(raw, Mapping):
        raise BadRequest(f"'{param}' must be a JSON schema object.", param=param)
    return raw


def _usage(completion: Completion) -> dict[str, int]:
    prompt, generated = completion.usage.prompt_tokens, completion.usage.completion_tokens
    return {"prompt_tokens": prompt, "completion_tokens": generated, "total_tokens": prompt + generated}


def completion_id() -> str:
    """A fresh answer id, in OpenAI's form."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def completion_body(completion_id: str, model: str, completion: Completion) -> dict[str, Any]:
    """The non-streamed answer (``object: chat.completion``)."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": completion.text},
                "logprobs": None,
                "finish_reason": completion.finish_reason,
            }
        ],
        "usage": _usage(completion),
    }


def stream_chunk(
    completion_id: str,
    created: int,
    model: str,
    choice: Mapping[str, Any] | None,
    *,
    completion: Completion | None = None,
) -> dict[str, Any]:
    """One ``chat.completion.chunk``: a choice's delta, or (``choice`` None) the final usage chunk."""
    chunk: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [] if choice is None else [{"index": 0, "logprobs": None, **choice}],
    }
    if completion is not None:
        chunk["usage"] = _usage(completion)
    return chunk
