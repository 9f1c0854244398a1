"""vLLM's in-process engine, for GPU hosts that run the agents and the model in one process.

Optional: ``vllm`` is imported when a :class:`VLLMBackend` is built, never at module import, and is not
installed on CPU machines (the factory says so clearly). Structured decoding uses vLLM's structured
outputs (xgrammar by default): ``StructuredOutputsParams(json=schema)`` from vLLM 0.12, the older
``GuidedDecodingParams(json=schema)`` before it. The offline engine does not stream: ``on_token`` hears
the whole text once it is generated. Batches go to the engine together (continuous batching).
Untested on this project's CPU machines; kept small so that what it does can be read at a glance.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from agents.llm.base import BatchTokenCallback, ChatRequest, Completion, TokenCallback, Usage


def _sampling_params(request: ChatRequest) -> Any:
    """vLLM SamplingParams for ``request``, with its schema as a structured-output constraint."""
    import vllm

    options: dict[str, Any] = {
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "stop": list(request.stop) or None,
        "seed": request.seed,
    }
    if request.json_schema is not None:
        options.update(_structured(request.json_schema))
    return vllm.SamplingParams(**options)


def _structured(schema: Mapping[str, Any]) -> dict[str, Any]:
    try:
        from vllm.sampling_params import StructuredOutputsParams

        return {"structured_outputs": StructuredOutputsParams(json=dict(schema))}
    except ImportError:  # vLLM before 0.12 named it guided decoding
        from vllm.sampling_params import GuidedDecodingParams

        return {"guided_decoding": GuidedDecodingParams(json=dict(schema))}


class VLLMBackend:
    """Completions from ``vllm.LLM(model)`` in this process; ``model`` is a local directory or a cached id."""

    name = "vllm"

    def __init__(
        self,
        model: str,
        *,
        max_model_len: int | None = None,
        gpu_memory_utilization: float = 0.9,
        dtype: str = "auto",
        seed: int = 0,
    ) -> None:
        import vllm

        self.model = model
        self._engine = vllm.LLM(
            model=model,
            max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization,
            dtype=dtype,
            seed=seed,
        )

    @property
    def supports_json_schema(self) -> bool:
        """True: schemas are enforced by vLLM's structured outputs."""
        return True

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        """One completion (the engine's batch of one)."""
        sink = None if on_token is None else (lambda index, text: on_token(text))
        return self.complete_batch([request], on_token=sink)[0]

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        """All requests in one engine call; each completion's latency is the batch's wall time."""
        started = time.perf_counter()
        conversations = [[message.as_dict() for message in request.messages] for request in requests]
        params = [_sampling_params(request) for request in requests]
        outputs = self._engine.chat(conversations, params, use_tqdm=False)
        latency = time.perf_counter() - started
        completions = []
        for index, (request, output) in enumerate(zip(requests, outputs, strict=True)):
            generated = output.outputs[0]
            if on_token is not None:
                on_token(index, generated.text)
            completions.append(
                Completion(
                    text=generated.text,
                    usage=Usage(len(output.prompt_token_ids or ()), len(generated.token_ids)),
                    latency_s=latency,
                    model=self.model,
                    backend=self.name,
                    finish_reason=generated.finish_reason or "stop",
                    constrained=request.json_schema is not None,
                )
            )
        return completions
