"""Benchmark: how well the agents diagnose and fix, AOI beside the baseline, on the simulated problems.

Both agents go through ``manage.py benchmark`` (its runs stored as trajectories in the benchmark database,
its JSON, Markdown and chart beside this benchmark's result), on the same problems, seeds and backend (the
embedded default: ``llamacpp``), one agent after the other, ``--jobs`` worker processes each. Then, from the
stored runs: avg@1, avg@K, best@K and the spread by task type, lenient and strict (mitigation's true-fix
check) for the ``train`` split (the one prompts and analyzers were tuned on), the ``test`` split and all;
mean steps, tokens and wall time per run; the ratio AOI / baseline; and AOI's failures sorted into classes
(from each failed run's grade and outcome).

    python -m bench.diagnosis [--problems all] [--runs 3] [--jobs 2] [--seed 1] [--backend llamacpp]
                              [--agents aoi,baseline] [--quick]
"""

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import harness

AGENTS = ("aoi", "baseline")
SPLITS = ("train", "test", "all")


def run(options: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command

    from agents.sim.problems import problem_list

    harness.recreate_database()
    splits = {problem.problem_id: problem.split for problem in problem_list(split=None)}
    outputs: dict[str, Any] = {}
    for agent in [name.strip() for name in options.agents.split(",") if name.strip()]:
        out = harness.RESULTS_DIR / f"diagnosis-{agent}.json"
        harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        call_command(
            "benchmark",
            agent=agent,
            backend=options.backend,
            problems=options.problems,
            runs=options.runs,
            seed=options.seed,
            jobs=options.jobs,
            label=f"bench-diagnosis-{agent}",
            out=str(out),
        )
        document = json.loads(Path(out).read_text())
        outputs[agent] = _figures(document, splits, options.runs) | {"wall_time_s": round(time.perf_counter() - began)}
    ratios = _ratios(outputs)
    _table(outputs, ratios)
    results = {"agents": outputs, "ratios_aoi_over_baseline": ratios}
    print(f"  -> {harness.write_result('diagnosis', vars(options), results)}")
    return results


def _figures(document: dict[str, Any], splits: dict[str, str], runs: int) -> dict[str, Any]:
    from agents.runtime.scoring import RunScore, summarise

    rows = document["results"]
    by_split: dict[str, Any] = {}
    for split in SPLITS:
        chosen = [row for row in rows if split == "all" or splits.get(row["problem_id"]) == split]
        if not chosen:
            continue
        scores = [RunScore.from_grade(row, run=row["run"], wall_time_s=row.get("wall_time_s", 0.0)) for row in chosen]
        by_split[split] = {
            "runs": len(chosen),
            "lenient": summarise(scores),
            "strict": summarise(scores, strict=True),
            "mean_steps": _mean(row.get("steps", 0) for row in chosen),
            "mean_tokens": _mean(row.get("tokens_in", 0) + row.get("tokens_out", 0) for row in chosen),
            "wall_time_s": _percentiles(row.get("wall_time_s", 0.0) for row in chosen),
        }
    failures = [row for row in rows if not row.get("success")]
    return {
        "label": document["label"],
        "model": document["model"],
        "runs_per_problem": runs,
        "splits": by_split,
        "failure_classes": dict(Counter(failure_class(row) for row in failures).most_common()),
        "failed_runs": [
            {"problem_id": row["problem_id"], "run": row["run"], "class": failure_class(row)} for row in failures
        ],
    }


def failure_class(row: dict[str, Any]) -> str:
    """What went wrong in a failed run, from its grade and the run's outcome."""
    outcome, task = str(row.get("outcome") or ""), row.get("task")
    if outcome.startswith("failed") or not row.get("submitted", True):
        return f"{task}: ended without a submission ({outcome.split(':', 1)[-1].strip()[:60] or 'no outcome'})"
    if task == "detection":
        return (
            "detection: said no fault where there is one" if row.get("expected") != "No" else "detection: false alarm"
        )
    if task == "localization":
        return "localization: another service named"
    if task == "analysis":
        level, kind = row.get("system_level_correct"), row.get("fault_type_correct")
        if not level and not kind:
            return "analysis: level and type wrong"
        return "analysis: system level wrong" if not level else "analysis: fault type wrong"
    if task == "mitigation":
        if row.get("lenient_success"):
            return "mitigation: healthy again, but not the true fix"
        return "mitigation: the fault is still there"
    return f"{task}: other"


def _mean(values: Any) -> float:
    found = list(values)
    return round(statistics.fmean(found), 1) if found else 0.0


def _percentiles(values: Any) -> dict[str, float]:
    found = sorted(float(value) for value in values)
    if not found:
        return {}
    return {
        "mean": round(statistics.fmean(found), 2),
        "p50": round(statistics.median(found), 2),
        "p95": round(found[min(len(found) - 1, int(0.95 * len(found)))], 2),
        "max": round(found[-1], 2),
    }


def _ratios(outputs: dict[str, Any]) -> dict[str, Any] | None:
    if not set(AGENTS) <= set(outputs):
        return None
    found: dict[str, Any] = {}
    for split in SPLITS:
        aoi = outputs["aoi"]["splits"].get(split, {}).get("lenient", {}).get("all", {})
        baseline = outputs["baseline"]["splits"].get(split, {}).get("lenient", {}).get("all", {})
        if aoi and baseline:
            found[split] = round(aoi["avg@1"] / baseline["avg@1"], 2) if baseline["avg@1"] else None
    return found


def _table(outputs: dict[str, Any], ratios: dict[str, Any] | None) -> None:
    from agents.runtime.scoring import TASK_ORDER

    for agent, figures in outputs.items():
        for split, found in figures["splits"].items():
            lenient, strict = found["lenient"], found["strict"]
            k = figures["runs_per_problem"]
            cells = [f"{task} {lenient[task]['avg@1']:.0%}" for task in TASK_ORDER if task in lenient and task != "all"]
            overall, wall = lenient["all"], found["wall_time_s"]
            print(
                f"   {agent:8s} {split:5s} avg@1 {overall['avg@1']:.1%}  avg@{k} {overall[f'avg@{k}']:.1%}"
                f"  best@{k} {overall[f'best@{k}']:.1%}  std {overall['std_across_runs']:.3f}"
                f"  strict mitigation {strict.get('mitigation', {}).get('avg@1', 0.0):.0%}  | {', '.join(cells)}"
                f"  | steps {found['mean_steps']}, tokens {found['mean_tokens']:.0f}, wall p50 {wall['p50']} s"
            )
        if figures["failure_classes"]:
            print(
                f"   {agent} failures: "
                + "; ".join(f"{name} x{count}" for name, count in figures["failure_classes"].items())
            )
    if ratios:
        print("   AOI / baseline avg@1: " + ", ".join(f"{split} {ratio}x" for split, ratio in ratios.items()))


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default="all", help="all | train | test | ID,ID (manage.py benchmark's)")
    parser.add_argument("--runs", type=int, default=3, help="K: runs per problem")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", default="llamacpp")
    parser.add_argument("--agents", default=",".join(AGENTS))
    parser.add_argument("--quick", action="store_true", help="a short run, to check the benchmark works")
    options = parser.parse_args(argv)
    if options.quick:
        options.problems = "k8s_target_port-misconfig-detection-1,k8s_target_port-misconfig-localization-1"
        options.runs, options.jobs = 1, 1
    return options


if __name__ == "__main__":
    harness.configure()
    run(parse_options())
