"""Benchmark: the llamacpp and transformers backends side by side, on the agents' own decisions.

Each backend runs in a fresh process of its own (so its load is cold and neither disturbs the other), one
after the other, with the same CPU threads. In it: the load; one warm-up request (not counted); free
generation of up to 128 tokens after a short prompt (the decode speed, one stream); the AOI runtime
(``run_problem``) on the same fixed problems of the train split, with the same seeds, through a wrapper
that times and records every request (the decision latency is each request's own, from the call to its
last token); then batch throughput: four decision requests (the first ones the runtime sends on the
first problem, recorded without a model by the schema-filler backend, so both backends get the very same
requests) through ``complete_batch`` one, two and four at a time (the llamacpp engine with four slots and
its prompt cache off there, so that it computes every prompt in full, as transformers does).

The runs' trajectories part ways once the two backends decide differently, so the decisions are the same
problems' decisions, not identical requests: tokens in and out are reported beside the latencies.
Tokens/s is completion tokens over the time spent in model calls; computed tokens/s adds the prompt tokens
computed (those not taken from the cache), where most of a decision's time goes. The cache hit rate is the share of
prompt tokens the llamacpp engine took from its prompt cache (transformers has none). Pure Python: no
database is touched.

    python -m bench.llm_backends [--problems 4] [--threads 1] [--batch-repeat 2] [--backends llamacpp,transformers]
                                 [--quick]
"""

import argparse
import json
import multiprocessing
import os
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bench import harness

BACKENDS = ("llamacpp", "transformers")
BATCH_SIZES = (1, 2, 4)


@dataclass
class TimedBackend:
    """Wraps a backend: every call passes through unchanged, and each request's figures are kept."""

    inner: Any
    requests: list[dict[str, Any]] = field(default_factory=list)
    model_time_s: float = 0.0
    name: str = ""
    model: str = ""

    def __post_init__(self) -> None:
        self.name, self.model = str(self.inner.name), str(self.inner.model)

    @property
    def supports_json_schema(self) -> bool:
        return bool(self.inner.supports_json_schema)

    def complete(self, request: Any, *, on_token: Any = None) -> Any:
        return self.complete_batch([request])[0]

    def complete_batch(self, requests: Sequence[Any], *, on_token: Any = None) -> list[Any]:
        began = time.perf_counter()
        completions = self.inner.complete_batch(list(requests), on_token=on_token)
        self.model_time_s += time.perf_counter() - began
        for request, completion in zip(requests, completions, strict=True):
            self.requests.append(_figures(request, completion, batch=len(requests)))
        return list(completions)


def _figures(request: Any, completion: Any, *, batch: int) -> dict[str, Any]:
    return {
        "role": request.metadata.get("role", ""),
        "batch": batch,
        "prompt_tokens": completion.usage.prompt_tokens,
        "cached_tokens": int(getattr(completion.usage, "cached_tokens", 0)),
        "completion_tokens": completion.usage.completion_tokens,
        "latency_s": completion.latency_s,
        "finish_reason": completion.finish_reason,
        "valid_json": _valid_json(completion.text),
    }


def _valid_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _build(name: str, threads: int, *, batch: int | None = None) -> Any:
    """The backend with its defaults and ``threads``; ``batch``: one that decodes that many requests together
    and, for llamacpp, computes every prompt in full (no prompt cache), as transformers does."""
    if name == "llamacpp":
        from agents.llm.llamacpp_backend import LlamaCppBackend

        if batch is None:
            return LlamaCppBackend(threads=threads)
        return LlamaCppBackend(threads=threads, n_parallel=batch, cache_prompt=False)
    import torch

    from agents.llm.transformers_backend import TransformersBackend

    torch.set_num_threads(threads)
    return TransformersBackend() if batch is None else TransformersBackend(max_batch=batch)


def _problems(count: int) -> list[Any]:
    from agents.sim.problems import problem_list

    return problem_list(split="train")[:count]


def _batch_requests() -> list[Any]:
    """The first decision requests of the first problem, as the runtime sends them (no model involved)."""
    from agents.llm.schema_filler import SchemaFillerBackend
    from agents.runtime.simulate import run_problem

    filler = SchemaFillerBackend()
    run_problem(_problems(1)[0], backend=filler, seed=0)
    return filler.requests[: max(BATCH_SIZES)]


def _decisions(backend: Any, problems: Sequence[Any]) -> dict[str, Any]:
    from agents.runtime.benchmark import run_seed
    from agents.runtime.simulate import run_problem

    timed = TimedBackend(backend)
    outcomes = []
    for problem in problems:
        run = run_problem(problem, backend=timed, seed=run_seed(0, problem.problem_id, 0))
        outcomes.append({"problem": problem.problem_id, "success": bool(run.grade.get("success"))})
    records = timed.requests
    prompt = sum(record["prompt_tokens"] for record in records)
    cached = sum(record["cached_tokens"] for record in records)
    produced = sum(record["completion_tokens"] for record in records)
    seconds = timed.model_time_s or float("inf")
    return {
        "requests": len(records),
        "latency_ms": harness.percentiles_ms([record["latency_s"] for record in records]),
        "tokens_per_s": round(produced / seconds, 2),
        "computed_tokens_per_s": round((prompt - cached + produced) / seconds, 2),
        "model_time_s": round(timed.model_time_s, 2),
        "prompt_tokens": prompt,
        "completion_tokens": produced,
        "cache_hit_rate": round(cached / prompt, 3) if prompt else 0.0,
        "valid_json": f"{sum(record['valid_json'] for record in records)}/{len(records)}",
        "outcomes": outcomes,
        "per_request": records,
    }


def _batches(name: str, threads: int, requests: Sequence[Any], repeat: int) -> dict[str, Any]:
    """The same requests, in batches of each size in turn: the seconds a pass takes, completion tokens per
    second, and computed (prompt and completion) tokens per second."""
    backend = _build(name, threads, batch=max(BATCH_SIZES))
    backend.complete_batch(list(requests))  # warm-up: this engine's first calls, each schema's first use
    found: dict[str, Any] = {}
    for size in BATCH_SIZES:
        passes = []
        for _ in range(repeat):
            began = time.perf_counter()
            completions = [
                completion
                for start in range(0, len(requests), size)
                for completion in backend.complete_batch(list(requests[start : start + size]))
            ]
            produced = sum(completion.usage.completion_tokens for completion in completions)
            prompt = sum(completion.usage.prompt_tokens for completion in completions)
            passes.append((time.perf_counter() - began, produced, prompt))
        seconds, produced, prompt = sorted(passes)[len(passes) // 2]
        found[str(size)] = {
            "seconds": round(seconds, 2),
            "tokens_per_s": round(produced / seconds, 2),
            "computed_tokens_per_s": round((prompt + produced) / seconds, 2),
            "completion_tokens": produced,
            "prompt_tokens": prompt,
            "passes_s": [round(found_s, 2) for found_s, _, _ in passes],
        }
    return found


def _decode(backend: Any, repeat: int) -> dict[str, Any]:
    """Free generation after a short prompt, one stream: what the engine decodes per second."""
    from agents.llm.base import ChatRequest, Message

    request = ChatRequest(messages=(Message("user", "Write a long story about a Kubernetes cluster."),), max_tokens=128)
    rates, produced = [], []
    for _ in range(repeat):
        completion = backend.complete(request)
        rates.append(completion.usage.completion_tokens / completion.latency_s)
        produced.append(completion.usage.completion_tokens)
    return {"tokens_per_s": round(statistics.median(rates), 2), "completion_tokens": produced}


def measure(name: str, options: dict[str, Any], batch_requests: Sequence[Any]) -> dict[str, Any]:
    """Everything measured for one backend; runs in a process of its own."""
    from agents.llm.base import ChatRequest, Message

    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    backend = _build(name, options["threads"])
    backend.load()
    load_s = time.perf_counter() - began
    warm = ChatRequest(messages=(Message("user", "Say ok."),), max_tokens=4, json_schema={"enum": ["ok"]})
    backend.complete(warm)
    found = {"backend": name, "model": backend.model, "load_s": round(load_s, 2)}
    found["decode"] = _decode(backend, options["batch_repeat"])
    found["decisions"] = _decisions(backend, _problems(options["problems"]))
    found["batch"] = _batches(name, options["threads"], batch_requests, options["batch_repeat"])
    found["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
    return found


def _ratios(by_backend: dict[str, Any]) -> dict[str, float]:
    fast, slow = by_backend["llamacpp"], by_backend["transformers"]

    def ratio(a: float, b: float) -> float:
        return round(a / b, 3) if b else 0.0

    found = {
        "load_s": ratio(fast["load_s"], slow["load_s"]),
        "latency_p50": ratio(fast["decisions"]["latency_ms"]["p50"], slow["decisions"]["latency_ms"]["p50"]),
        "latency_p99": ratio(fast["decisions"]["latency_ms"]["p99"], slow["decisions"]["latency_ms"]["p99"]),
        "tokens_per_s": ratio(fast["decisions"]["tokens_per_s"], slow["decisions"]["tokens_per_s"]),
        "model_time_s": ratio(fast["decisions"]["model_time_s"], slow["decisions"]["model_time_s"]),
        "decode_tokens_per_s": ratio(fast["decode"]["tokens_per_s"], slow["decode"]["tokens_per_s"]),
    }
    for size in BATCH_SIZES:
        key = str(size)
        found[f"batch_{key}_tokens_per_s"] = ratio(
            fast["batch"][key]["tokens_per_s"], slow["batch"][key]["tokens_per_s"]
        )
        found[f"batch_{key}_seconds"] = ratio(fast["batch"][key]["seconds"], slow["batch"][key]["seconds"])
    return found


COLUMNS: tuple[tuple[str, str, Any], ...] = (
    ("load s", "load_s", lambda found: found["load_s"]),
    ("decode tok/s", "decode_tokens_per_s", lambda found: found["decode"]["tokens_per_s"]),
    ("decision p50 s", "latency_p50", lambda found: found["decisions"]["latency_ms"]["p50"] / 1000),
    ("decision p99 s", "latency_p99", lambda found: found["decisions"]["latency_ms"]["p99"] / 1000),
    ("decisions' model s", "model_time_s", lambda found: found["decisions"]["model_time_s"]),
    ("decisions' tok/s", "tokens_per_s", lambda found: found["decisions"]["tokens_per_s"]),
    *(
        (f"batch {size}: pass s", f"batch_{size}_seconds", lambda found, key=str(size): found["batch"][key]["seconds"])
        for size in BATCH_SIZES
    ),
    *(
        (
            f"batch {size}: tok/s",
            f"batch_{size}_tokens_per_s",
            lambda found, key=str(size): found["batch"][key]["tokens_per_s"],
        )
        for size in BATCH_SIZES
    ),
)


def _table(by_backend: dict[str, Any], ratios: dict[str, float] | None) -> None:
    names = list(by_backend)
    print(f"   {'':20s}" + "".join(f" {name:>12s}" for name in names) + (f" {'ratio':>12s}" if ratios else ""))
    for label, ratio_key, value in COLUMNS:
        row = f"   {label:20s}" + "".join(f" {value(by_backend[name]):12.2f}" for name in names)
        print(row + (f" {ratios[ratio_key]:12.2f}" if ratios else ""))
    caches = "".join(f" {by_backend[name]['decisions']['cache_hit_rate']:12.0%}" for name in names)
    print(f"   {'prompt cache hits':20s}" + caches)
    if ratios:
        print("   (ratio: llamacpp / transformers)")


def run(options: argparse.Namespace) -> dict[str, Any]:
    names = [name.strip() for name in options.backends.split(",") if name.strip()]
    unknown = sorted(set(names) - set(BACKENDS))
    if unknown:
        raise SystemExit(f"unknown backend(s) {', '.join(unknown)}; known: {', '.join(BACKENDS)}")
    batch_requests = _batch_requests()
    settings = {"threads": options.threads, "problems": options.problems, "batch_repeat": options.batch_repeat}
    by_backend: dict[str, Any] = {}
    for name in names:
        # A fresh process per backend: a cold load, and no engine or thread pool of the other one around.
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            by_backend[name] = pool.submit(measure, name, settings, batch_requests).result()
        found = by_backend[name]["decisions"]
        print(f"   {name}: {found['requests']} decisions, {found['model_time_s']:.0f} s in the model")
    ratios = _ratios(by_backend) if set(BACKENDS) <= set(by_backend) else None
    _table(by_backend, ratios)
    results = {"backends": by_backend, "ratios_llamacpp_over_transformers": ratios}
    print(f"  -> {harness.write_result('llm_backends', vars(options), results, with_database=False)}")
    return results


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=4, help="train-split problems the runtime runs, in order")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of each backend")
    parser.add_argument("--batch-repeat", type=int, default=2, help="passes of each batch size")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="which backends, comma-separated")
    parser.add_argument("--quick", action="store_true", help="a short run, to check the benchmark works")
    options = parser.parse_args(argv)
    if options.quick:
        options.problems, options.batch_repeat = 1, 1
    return options


if __name__ == "__main__":
    run(parse_options())
