"""Benchmark: the platform's own cost per agent step, model time excluded, and a whole suite's wall time.

The agents run on all 86 problems with the schema-filler backend (no model: every decision is filled at
once from its schema), so what is measured is everything around the model: prompts and schemas built from
the live namespace, validation, redaction, the simulator's reads and writes, memory, step records.
Per-step overhead is the time between consecutive step records minus the model call's own latency.

    python -m bench.agents_overhead [--agents aoi baseline]
"""

import argparse
import time
from typing import Any

from tqdm import tqdm

from bench import harness


def _measure(agent: str) -> dict[str, Any]:
    from agents.llm.schema_filler import SchemaFillerBackend
    from agents.roles.decide import StepRecord
    from agents.runtime.simulate import run_problem
    from agents.sim.problems import problem_registry

    backend = SchemaFillerBackend()
    overheads: list[float] = []
    steps = 0
    began = time.perf_counter()
    for problem in tqdm(list(problem_registry().values()), desc=f"   {agent}", unit="problem", leave=False):
        last = time.perf_counter()

        def sink(step: StepRecord) -> None:
            nonlocal last
            now = time.perf_counter()
            overheads.append(max(0.0, now - last - step.latency_ms / 1000))
            last = now

        result = run_problem(problem, backend=backend, agent=agent, seed=0, sink=sink)
        steps += len(result.steps)
    wall = time.perf_counter() - began
    stats = harness.percentiles_ms(overheads)
    print(
        f"   {agent:9s} {steps} steps over 86 problems in {wall:.2f} s; per step p50 {stats['p50']:.2f} ms, "
        f"p99 {stats['p99']:.2f} ms"
    )
    return {"steps": steps, "suite_wall_s": round(wall, 3), "per_step_ms": stats}


def run(options: argparse.Namespace) -> dict[str, Any]:
    results = {agent: _measure(agent) for agent in options.agents}
    print(f"  -> {harness.write_result('agents_overhead', vars(options), results, with_database=False)}")
    return results


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", nargs="+", default=["aoi", "baseline"], choices=["aoi", "baseline"])
    parser.add_argument("--quick", action="store_true", help="accepted for symmetry; the run is already short")
    return parser.parse_args(argv)


if __name__ == "__main__":
    harness.configure()
    run(parse_options())
