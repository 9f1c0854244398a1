"""Benchmark: the platform's own cost per agent step with the replay backend, model time excluded, and the
whole suite's wall time with replay.

Default: for each agent, the 86 problems are first run once with the schema-filler backend (it fills every
decision from its schema at once) recorded to a JSONL file, then the suite runs again from that recording
with the replay backend, strict (a request that was not recorded is an error). What is timed is the replay
pass: prompts and schemas built from the live namespace, validation, redaction, the simulator's reads and
writes, memory, step records. Per-step overhead is the time between consecutive step records minus the
model call's own latency (the replay's lookup). Both passes must grade every run the same.

``--recording FILE``: replay a real model's recording instead (``manage.py benchmark ... --option
record_to=FILE``), with the benchmark's ``--runs``/``--seed``; ``--results`` its JSON to check that the
replay reproduces every grade.

    python -m bench.agents_overhead [--agents aoi baseline]
    python -m bench.agents_overhead --agents aoi --recording var/bench/aoi-86.jsonl --runs 2 --seed 1 \\
        --results var/bench/aoi-86.json
"""

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import harness


def _suite(agent: str, backend: Any, tasks: list[Any], label: str) -> dict[str, Any]:
    """Run ``tasks`` in this process with ``backend``; per-step overheads, steps, wall time, grades."""
    from agents.roles.decide import StepRecord
    from agents.runtime.simulate import run_problem

    overheads: list[float] = []
    steps = 0
    grades: dict[str, bool] = {}
    began = time.perf_counter()
    for task in tqdm(tasks, desc=f"   {agent} {label}", unit="run", leave=False):
        last = time.perf_counter()

        def sink(step: StepRecord) -> None:
            nonlocal last
            now = time.perf_counter()
            overheads.append(max(0.0, now - last - step.latency_ms / 1000))
            last = now

        result = run_problem(task.problem, backend=backend, agent=agent, seed=task.seed, sink=sink)
        steps += len(result.steps)
        grades[f"{task.problem.problem_id}#{task.run}"] = bool(result.grade.get("success"))
    return {"wall": time.perf_counter() - began, "steps": steps, "overheads": overheads, "grades": grades}


def _tasks(agent: str, runs: int, seed: int) -> list[Any]:
    from agents.runtime.benchmark import benchmark_tasks
    from agents.sim.problems import problem_list

    return benchmark_tasks(problem_list(), runs=runs, seed=seed, agent=agent, backend_config={})


def _report(agent: str, replayed: dict[str, Any], source: str, **extra: Any) -> dict[str, Any]:
    stats = harness.percentiles_ms(replayed["overheads"])
    runs = len(replayed["grades"])
    print(
        f"   {agent:9s} replay of {source}: {runs} runs, {replayed['steps']} steps in {replayed['wall']:.2f} s; "
        f"per step p50 {stats['p50']:.2f} ms, p99 {stats['p99']:.2f} ms"
    )
    return {
        "source": source,
        "runs": runs,
        "steps": replayed["steps"],
        "suite_wall_s": round(replayed["wall"], 3),
        "per_step_ms": stats,
        "successes": sum(replayed["grades"].values()),
        **extra,
    }


def _record_then_replay(agent: str) -> dict[str, Any]:
    from agents.llm.replay import RecordingBackend, ReplayBackend
    from agents.llm.schema_filler import SchemaFillerBackend

    tasks = _tasks(agent, runs=1, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{agent}.jsonl"
        recorded = _suite(agent, RecordingBackend(SchemaFillerBackend(), path), tasks, "recording")
        replay = ReplayBackend(path, strict=True)
        replayed = _suite(agent, replay, tasks, "replay")
    if replayed["grades"] != recorded["grades"]:
        raise SystemExit(f"{agent}: the replay graded differently from the recorded run")
    return _report(agent, replayed, "schema-filler recording", same_grades_as_recorded=True)


def _replay_recording(agent: str, options: argparse.Namespace) -> dict[str, Any]:
    from agents.llm.replay import ReplayBackend

    replay = ReplayBackend(options.recording, strict=True)
    replayed = _suite(agent, replay, _tasks(agent, options.runs, options.seed), "replay")
    extra: dict[str, Any] = {"recording": str(options.recording), "model": replay.model}
    if options.results:
        document = json.loads(Path(options.results).read_text())
        expected = {f"{row['problem_id']}#{row['run']}": bool(row["success"]) for row in document["results"]}
        differing = sorted(key for key, success in expected.items() if replayed["grades"].get(key) != success)
        extra.update(same_grades_as_recorded=not differing, differing=differing)
        extra["recorded_wall_s"] = document["wall_time_s"]
        print(f"   grades as recorded: {len(expected) - len(differing)}/{len(expected)}")
    return _report(agent, replayed, f"{replay.model} recording", **extra)


def run(options: argparse.Namespace) -> dict[str, Any]:
    results = {
        agent: _replay_recording(agent, options) if options.recording else _record_then_replay(agent)
        for agent in options.agents
    }
    settings = {key: str(value) if isinstance(value, Path) else value for key, value in vars(options).items()}
    print(f"  -> {harness.write_result('agents_overhead', settings, results, with_database=False)}")
    return results


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", nargs="+", default=["aoi", "baseline"], choices=["aoi", "baseline"])
    parser.add_argument("--recording", type=Path, help="a model's recording to replay instead of the schema-filler")
    parser.add_argument("--runs", type=int, default=1, help="with --recording: the benchmark's --runs")
    parser.add_argument("--seed", type=int, default=0, help="with --recording: the benchmark's --seed")
    parser.add_argument("--results", type=Path, help="with --recording: the benchmark's JSON, to compare grades")
    parser.add_argument("--quick", action="store_true", help="accepted for symmetry; the run is already short")
    options = parser.parse_args(argv)
    if options.recording and len(options.agents) != 1:
        parser.error("--recording replays one agent's recording: name that agent with --agents")
    return options


if __name__ == "__main__":
    harness.configure()
    run(parse_options())
