"""Benchmark: the in-process transformers backend on the embedded SmolLM2-135M-Instruct model.

Measures the cold load (tokenizer, then model, from the GGUF) and greedy generation throughput on one
workload of four incident prompts: one request at a time (single stream) and all four in one batch, each
as free text and under a JSON schema (the grammar-constrained decoding the agents use). Throughput is
completion tokens per second of wall time over the whole workload, the end tokens included; percentiles
are over the repetitions. Pure Python: no database is touched.

    python -m bench.llm_transformers [--repeat 3] [--max-tokens 96] [--load-repeat 2] [--threads N] [--quick]
"""

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from tqdm import tqdm

from bench import harness

PROMPTS = (
    "Pods of mongodb-geo in namespace test-hotel-reservation restart every minute. What do you check first?",
    "The frontend of the social network returns HTTP 500 on every request since the last deploy. Why?",
    "Service user-service cannot reach its database; connections time out. Explain how to investigate.",
    "The checkout service of the astronomy shop is slow and its queue grows. List likely causes.",
)
DECISION_SCHEMA = {
    "type": "object",
    "properties": {
        "thought": {"type": "string", "maxLength": 48},
        "action": {"enum": ["probe", "answer"]},
        "target": {"enum": ["frontend", "geo", "mongodb-geo", "user-service", "checkout", "reservation"]},
        "command": {"enum": ["kubectl get pods -n {namespace}", "kubectl logs {pod} -n {namespace} --tail 100"]},
    },
    "required": ["thought", "action", "target", "command"],
}
SCENARIOS = ("single free", "single constrained", "batch free", "batch constrained")


def _requests(max_tokens: int, constrained: bool) -> list[Any]:
    from agents.llm.base import ChatRequest, Message

    schema = DECISION_SCHEMA if constrained else None
    system = Message("system", "You are an SRE agent." + (" Reply with one JSON decision." if constrained else ""))
    return [
        ChatRequest(messages=(system, Message("user", prompt)), max_tokens=max_tokens, json_schema=schema)
        for prompt in PROMPTS
    ]


def _load_times(repeat: int) -> dict[str, Any]:
    from agents.llm import embedded

    tokenizer_s, model_s = [], []
    for _ in range(repeat):
        embedded.clear_cache()
        began = time.perf_counter()
        embedded.load_tokenizer(embedded.resolve_source(None))
        loaded_tokenizer = time.perf_counter()
        embedded.load_model(None)
        tokenizer_s.append(loaded_tokenizer - began)
        model_s.append(time.perf_counter() - loaded_tokenizer)
    totals = [a + b for a, b in zip(tokenizer_s, model_s, strict=True)]
    print(
        f"   load: tokenizer p50 {statistics.median(tokenizer_s):.1f} s, model p50 {statistics.median(model_s):.1f} s"
    )
    return {
        "repeat": repeat,
        "tokenizer_ms": harness.percentiles_ms(tokenizer_s),
        "model_ms": harness.percentiles_ms(model_s),
        "total_ms": harness.percentiles_ms(totals),
    }


def _rate_stats(rates: list[float]) -> dict[str, float]:
    ordered = sorted(rates)
    cuts = statistics.quantiles(ordered, n=10, method="inclusive") if len(ordered) > 1 else [ordered[0]] * 9
    return {
        "p10": round(cuts[0], 2),
        "p50": round(statistics.median(ordered), 2),
        "p90": round(cuts[8], 2),
        "min": round(ordered[0], 2),
        "max": round(ordered[-1], 2),
    }


def _workload(backend: Any, name: str, max_tokens: int) -> Callable[[], list[Any]]:
    requests = _requests(max_tokens, constrained=name.endswith("constrained"))
    if name.startswith("single"):
        return lambda: [backend.complete(request) for request in requests]
    return lambda: backend.complete_batch(requests)


def _passes(backend: Any, options: argparse.Namespace) -> dict[str, list[tuple[float, list[Any]]]]:
    """(seconds, completions) of each pass of each scenario. Scenarios take turns within a repetition, so
    that load from other processes on a shared machine falls on all of them alike."""
    workloads = {name: _workload(backend, name, options.max_tokens) for name in SCENARIOS}
    passes: dict[str, list[tuple[float, list[Any]]]] = {name: [] for name in SCENARIOS}
    for _ in tqdm(range(options.repeat), desc="   repetitions", unit="rep", leave=False):
        for name, run_workload in workloads.items():
            began = time.perf_counter()
            completions = run_workload()
            passes[name].append((time.perf_counter() - began, completions))
    return passes


def _valid_json(completion: Any) -> bool:
    try:
        json.loads(completion.text)
    except ValueError:
        return False
    return True


def _summary(name: str, passes: list[tuple[float, list[Any]]]) -> dict[str, Any]:
    tokens = [sum(completion.usage.completion_tokens for completion in completions) for _, completions in passes]
    stats = _rate_stats([produced / seconds for produced, (seconds, _) in zip(tokens, passes, strict=True)])
    every = [completion for _, completions in passes for completion in completions]
    latency = harness.percentiles_ms([completion.latency_s for completion in every])
    print(
        f"   {name:19s} {stats['p50']:6.2f} tokens/s p50  (p10 {stats['p10']:.2f}, p90 {stats['p90']:.2f}); "
        f"{statistics.mean(tokens):.0f} tokens per pass; request latency p50 {latency['p50'] / 1000:.2f} s"
    )
    found: dict[str, Any] = {"tokens_per_s": stats, "tokens_per_pass": tokens, "request_latency_ms": latency}
    if name.endswith("constrained"):
        found["valid_json"] = f"{sum(map(_valid_json, every))}/{len(every)}"
    return found


def _ratios(results: dict[str, Any]) -> dict[str, float]:
    def p50(name: str) -> float:
        return float(results[name]["tokens_per_s"]["p50"])

    ratios = {
        "batched vs single, free": p50("batch free") / p50("single free"),
        "batched vs single, constrained": p50("batch constrained") / p50("single constrained"),
        "constrained vs free, single": p50("single constrained") / p50("single free"),
        "constrained vs free, batched": p50("batch constrained") / p50("batch free"),
    }
    for label, ratio in ratios.items():
        print(f"   {label:31s} x{ratio:.2f}")
    return {label: round(ratio, 3) for label, ratio in ratios.items()}


def run(options: argparse.Namespace) -> dict[str, Any]:
    from agents.llm.transformers_backend import TransformersBackend

    if options.threads:
        torch.set_num_threads(options.threads)
    load_before = os.getloadavg()[0]
    results: dict[str, Any] = {"load": _load_times(options.load_repeat)}
    backend = TransformersBackend(max_batch=len(PROMPTS))
    backend.load()
    backend.complete(_requests(4, constrained=True)[0])  # warm-up: first-call allocations and grammar compilation
    generation = {name: _summary(name, passes) for name, passes in _passes(backend, options).items()}
    results.update(generation=generation, ratios=_ratios(generation))
    results["machine"] = {
        "torch_threads": torch.get_num_threads(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }
    print(f"  -> {harness.write_result('llm_transformers', vars(options), results, with_database=False)}")
    return results


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the workload per scenario")
    parser.add_argument("--max-tokens", type=int, default=96, help="token budget of each request")
    parser.add_argument("--load-repeat", type=int, default=2, help="cold loads measured")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (default: torch's own choice)")
    parser.add_argument("--quick", action="store_true", help="a short run, to check the benchmark works")
    options = parser.parse_args(argv)
    if options.quick:
        options.repeat, options.max_tokens, options.load_repeat = 1, 24, 1
    return options


if __name__ == "__main__":
    run(parse_options())
