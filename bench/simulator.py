"""Benchmark: the simulated cluster. Interface latency, problem set-up time, and the full ``sim check`` sweep.

Targets (issue 3): median under 2 ms for `kubectl get pods`, `describe pod`, `logs --tail 100` and
`get_traces` + `read_traces`; problem set-up under 50 ms; the sweep over all 86 problems under 30 s.
Latencies are measured per call on a live episode of one problem of each application (each call moves the
simulated clock on, as an agent's would). Pure Python: no database is touched.

    python -m bench.simulator [--calls 200] [--setup-repeat 3] [--no-sweep]
"""

import argparse
import time
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from bench import harness

PROBLEMS = {
    "HotelReservation": "revoke_auth_mongodb-detection-1",
    "SocialNetwork": "k8s_target_port-misconfig-detection-1",
    "AstronomyShop": "astronomy_shop_cart_service_failure-detection-1",
}


def _time(call: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return samples


def _calls_of(app: str, problem_id: str) -> dict[str, Callable[[], object]]:
    """The measured calls, on a live read-only handle of one episode of ``problem_id``."""
    from agents.sim.episode import episode_start
    from agents.sim.problems import problem_get

    problem = problem_get(problem_id)
    episode = episode_start(problem, seed=0)
    env = episode.environment(read_only=True)
    namespace = problem.namespace
    pod = next(iter(episode.state.live_pods(namespace))).name

    def traces() -> None:
        path = env.get_traces(namespace, 5).split("exported to: ", 1)[1].split(" ", 1)[0]
        env.read_traces(path)

    return {
        "kubectl get pods": lambda: env.exec_shell(f"kubectl get pods -n {namespace}"),
        "kubectl describe pod": lambda: env.exec_shell(f"kubectl describe pod {pod} -n {namespace}"),
        "kubectl logs --tail 100": lambda: env.exec_shell(f"kubectl logs {pod} -n {namespace} --tail 100"),
        "get_traces + read_traces": traces,
    }


def _interface(calls: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for app, problem_id in PROBLEMS.items():
        results[app] = {}
        for name, call in _calls_of(app, problem_id).items():
            call()  # warm-up: first-call imports and caches are not what an agent waits for
            stats = harness.percentiles_ms(_time(call, calls))
            results[app][name] = stats
            print(f"   {app:17s} {name:26s} p50 {stats['p50']:7.3f} ms   p99 {stats['p99']:7.3f} ms")
    return results


def _setup(repeat: int) -> dict[str, Any]:
    from agents.sim.episode import episode_start
    from agents.sim.problems import problem_registry

    problems = list(problem_registry().values())
    samples = []
    for problem in tqdm(problems * repeat, desc="   set-up", unit="problem", leave=False):
        began = time.perf_counter()
        episode_start(problem)
        samples.append(time.perf_counter() - began)
    stats = harness.percentiles_ms(samples)
    print(
        f"   problem set-up ({len(problems)} problems x {repeat}): "
        f"p50 {stats['p50']:.2f} ms, p99 {stats['p99']:.2f} ms, max {stats['max']:.2f} ms"
    )
    return {"problems": len(problems), "repeat": repeat, **stats}


def _sweep() -> dict[str, Any]:
    from agents.sim.problems import problem_registry
    from agents.sim.reference_check import check_sweep

    problems = list(problem_registry().values())
    progress = tqdm(total=len(problems), desc="   sim check", unit="problem", leave=False)
    began = time.perf_counter()
    report = check_sweep(problems, on_row=lambda row: progress.update(1))
    seconds = time.perf_counter() - began
    progress.close()
    failures = [row.problem_id for row in report.rows if row.reason]
    print(
        f"   sim check sweep: {len(problems)} problems, reference + wrong twin each, in {seconds:.2f} s; "
        f"{len(failures)} failing"
    )
    return {"problems": len(problems), "seconds": round(seconds, 3), "failures": failures}


def run(options: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"interface_ms": _interface(options.calls), "setup_ms": _setup(options.setup_repeat)}
    if options.sweep:
        results["sweep"] = _sweep()
    print(f"  -> {harness.write_result('simulator', vars(options), results, with_database=False)}")
    return results


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300, help="calls measured per command and application")
    parser.add_argument("--setup-repeat", type=int, default=3, help="times each of the 86 problems is set up")
    parser.add_argument("--no-sweep", dest="sweep", action="store_false", help="skip the sim check sweep")
    parser.add_argument("--quick", action="store_true", help="a short run, to check the benchmark works")
    options = parser.parse_args(argv)
    if options.quick:
        options.calls, options.setup_repeat = 20, 1
    return options


if __name__ == "__main__":
    harness.configure()
    run(parse_options())
