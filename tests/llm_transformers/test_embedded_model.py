"""The real embedded model (SmolLM2-135M-Instruct from its GGUF): a structured decision, streamed."""

import json

import jsonschema
import pytest

from agents.llm.base import ChatRequest, Message
from agents.llm.transformers_backend import TransformersBackend

DECISION_SCHEMA = {
    "type": "object",
    "properties": {
        "thought": {"type": "string", "maxLength": 60},
        "action": {"enum": ["probe", "answer"]},
        "target": {"enum": ["frontend", "geo", "mongodb-geo", "reservation", "user"]},
        "command": {"enum": ["kubectl get pods -n {namespace}", "kubectl logs {pod} -n {namespace} --tail 100"]},
    },
    "required": ["thought", "action", "target", "command"],
}


@pytest.fixture(scope="module")
def embedded_backend() -> TransformersBackend:
    backend = TransformersBackend()
    backend.load()
    return backend


@pytest.mark.slow
def test_the_embedded_model_decides_in_valid_json_and_streams_it(embedded_backend: TransformersBackend) -> None:
    request = ChatRequest(
        messages=(
            Message("system", "You are an SRE agent investigating an incident. Reply with one JSON decision."),
            Message("user", "Pods of mongodb-geo in namespace test-hotel-reservation restart every minute."),
        ),
        max_tokens=128,
        json_schema=DECISION_SCHEMA,
    )
    pieces: list[str] = []

    completion = embedded_backend.complete(request, on_token=pieces.append)

    assert (completion.finish_reason, completion.constrained) == ("stop", True)
    jsonschema.validate(json.loads(completion.text), DECISION_SCHEMA)
    assert len(pieces) > 5
    assert "".join(pieces) == completion.text
    assert completion.model == "SmolLM2-135M-Instruct"
    assert 40 < completion.usage.prompt_tokens < 100
    assert 0 < completion.usage.completion_tokens <= 128
