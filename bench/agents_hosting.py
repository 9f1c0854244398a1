"""Benchmark: runs hosted on real Celery worker processes over Redis and PostgreSQL (``agents.hosting``).

Worker processes are started by this benchmark (``tests.workers.celery_worker``: prefork, concurrency 1)
on the Redis of ``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/11``, flushed before each figure)
and the benchmark database; this process starts runs with ``run_start`` and publishes to the same Redis,
as the web process of the Redis mode does. Every run works on its own incident of the simulated problem
``scale_pod_zero_social_net-mitigation-1`` (user-service scaled to zero): same text, same model requests.

2. Approval round trip. ``--approvals`` runs of the steering model (``fixer_responder``: it asks for a
   fix and proposes scaling user-service back to one) pause for approval on one worker (queues default,
   agents, executor). Each is then approved in turn through the API, over HTTP (``POST
   /api/v1/actions/<uuid>/approve/``, token auth) to daphne serving the platform, and the next approval
   waits for the run to finish. Figure: the approval row's ``created_at`` to the action's ``completed_at``
   (database timestamps: publish on commit, delivery, the run resumed, the write executed and recorded);
   also until the executor claimed it, and, from this process's clock, the POST's round trip and the
   time until a 5 ms poll of the database saw the action succeeded.
3. Throughput. ``--runs`` runs started at once, completed without a person: the model (``no_fix_responder``
   below) answers ``fix_needed: "no"``. Recorded once in this process (the scripted backend with
   ``record_to``), replayed by the workers (the replay backend, strict: a request never recorded fails the
   run; a request recorded once is answered with that record every time, so the recording never runs
   out). With 1, then 2 worker processes (queues agents, executor, default): runs per minute from the
   first ``run_start`` to the last ``finished_at``, and each run's ``created_at`` to ``finished_at``.
   Every run must end with its trajectory succeeded.
4. Recovery. The slowed steering model (``slow_fixer``, ``--llm-delay`` s an answer) so that a kill lands
   mid-run, after two stored phases. Seconds from the kill to the first step stored after it (and to the
   ``run.resumed`` event) for (a) the pool child killed with SIGKILL (the main process gives the task back
   to the broker), ``--repeats`` times; (b) the whole worker (main process and children) killed and
   another started at once, with beat: the relay sends the stalled run again (relay interval and stall
   seconds: the settings' defaults unless given), ``--repeats-relay`` times; (c) the same with
   ``AOI_BROKER_VISIBILITY_TIMEOUT`` = ``--broker-visibility`` and no beat: the broker hands the taken
   message out again, ``--repeats-broker`` times. For (b) and (c) also from the moment the new worker was
   ready. The settings each scenario ran with are read from a process started with the worker's environment.
   (c) takes 100 s a kill (see the result): its default is 2 kills, so that the whole stays under 10 minutes.

    python -m bench.agents_hosting [--approvals 30] [--runs 40] [--repeats 5] [--repeats-relay 5]
                                   [--repeats-broker 2] [--figures approval throughput recovery] [--quick]
"""

import argparse
import json
import os
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import harness
from bench.hosting_support import (
    Cast,
    cast_create,
    cpu_busy_since,
    cpu_jiffies,
    epoch,
    incidents_open,
    model_env,
    publish_to,
    redis_display,
    redis_flush,
    redis_url,
    report,
    run_field,
    run_outcomes,
    run_resumed_after,
    runs_start,
    runs_wait,
    seconds_summary,
    task_seconds,
    wait_for,
    wait_gone,
    worker,
    worker_env,
    worker_settings,
)

NO_FIX = "bench.agents_hosting:no_fix_responder"
FIXER = "tests.agents_incidents.conftest:fixer_responder"
SLOW_FIXER = "tests.hosting.responders:slow_fixer"
ALL_QUEUES = "default,agents,executor"
THROUGHPUT_QUEUES = "agents,executor,default"
FIGURES = ("approval", "throughput", "recovery")


def _no_fix_choice(prompt: str, options: list[str]) -> str | None:
    from tests.agents_incidents.conftest import user_service_fixer

    return "no" if "no" in options else user_service_fixer(prompt, options)


def no_fix_responder(request: Any) -> str:
    """``tests.agents_incidents.conftest.user_service_fixer``'s steering (probe once, blame user-service),
    except that it answers ``fix_needed: "no"``: the run ends diagnosed, with no write to approve."""
    from tests.agents_runtime.models import SchemaModel

    return str(SchemaModel(_no_fix_choice).complete(request).text)


# --- 2. approval round trip ------------------------------------------------------------------------------


def approval_round_trip(cast: Cast, url: str, count: int, logs: Path) -> dict[str, Any]:
    from agents.models import RunStatus
    from tests.servers import daphne_serving

    env = worker_env(url, **model_env(FIXER))
    log = logs / "approval-worker.log"
    with ExitStack() as stack:
        base = stack.enter_context(daphne_serving(worker_env(url), logs / "approval-daphne.log"))
        stack.enter_context(worker(env, log, queues=ALL_QUEUES))
        runs = runs_start(cast, incidents_open(cast, count))
        runs_wait(runs, RunStatus.AWAITING_APPROVAL, "runs paused for approval", timeout=60 + 10 * count, log=log)
        polled = [_approve(run, base, cast.approver_token, log) for run in tqdm(runs, desc="   approving", leave=False)]
    return {
        "runs": count,
        "api": "HTTP POST to daphne serving aoi_platform.asgi, token auth (urllib, this process)",
        "worker": {"processes": 1, "concurrency": 1, "queues": ALL_QUEUES, "model": FIXER},
        **_approval_figures(runs),
        "http_ms": harness.percentiles_ms([sample[0] for sample in polled]),
        "polled_ms": harness.percentiles_ms([sample[1] for sample in polled]),
        "outcomes": run_outcomes(runs),
    }


def _approve(run: Any, base: str, token: str, log: Path) -> tuple[float, float]:
    """Approve the run's action over HTTP; (the POST's round trip, until a poll saw it succeeded) in s.
    Returns once the run has finished, so that the next approval finds the worker idle."""
    from agents.models import RunStatus
    from incidents.models import ActionRequest, ActionStatus

    action = ActionRequest.objects.get(incident_id=run.incident_id)
    if action.approvals_required != 1:
        raise SystemExit(f"the action needs {action.approvals_required} approvals; the benchmark gives one")
    request = urllib.request.Request(  # noqa: S310 (loopback URL we built)
        f"{base}/api/v1/actions/{action.uuid}/approve/",
        data=json.dumps({"action_hash": action.action_hash}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    sent = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        answered = time.perf_counter()
        if response.status != 200:
            raise SystemExit(f"the approval answered {response.status}")
    status = ActionRequest.objects.filter(pk=action.pk).values_list("status", flat=True)
    wait_for(
        "the approved action to execute",
        lambda: status.get() not in ("approved", "executing"),
        timeout=60,
        poll=0.005,
        log=log,
    )
    seen = time.perf_counter()
    if status.get() != ActionStatus.SUCCEEDED:
        raise SystemExit(f"the approved action ended {status.get()}; see {log}")
    wait_for("the run to finish", lambda: run_field(run, "status") == RunStatus.FINISHED, timeout=60, log=log)
    return answered - sent, seen - sent


def _approval_figures(runs: list[Any]) -> dict[str, Any]:
    """From the database: the approval's ``created_at`` to the action's ``claimed_at`` and ``completed_at``;
    also without the first approval (the worker's first executor task, daphne's first request)."""
    from incidents.models import ActionRequest, Approval

    rows = []
    for action in ActionRequest.objects.filter(incident__agent_runs__in=runs):
        approved = epoch(Approval.objects.filter(action=action).latest("created_at").created_at)
        rows.append((approved, epoch(action.claimed_at) - approved, epoch(action.completed_at) - approved))
    rows.sort()
    completed = [done for _, _, done in rows]
    return {
        "db_ms": harness.percentiles_ms(completed),
        "db_to_claimed_ms": harness.percentiles_ms([claimed for _, claimed, _ in rows]),
        "db_after_first_ms": harness.percentiles_ms(completed[1:]),
        "db_samples_ms": [round(seconds * 1000, 1) for seconds in completed],  # in approval order
    }


# --- 3. throughput -----------------------------------------------------------------------------------------


def record_no_fix_run(cast: Cast, folder: Path) -> dict[str, Any]:
    """One run of ``no_fix_responder`` in this process (the embedded mode), recorded to a JSONL; then one
    more run replaying it, strict, in this process: a second incident's run asks exactly what was recorded."""
    from django.conf import settings

    from agents.models import RunStatus

    path = folder / "no-fix.jsonl"
    path.unlink(missing_ok=True)
    recording = {"backend": "scripted", "responder": NO_FIX, "record_to": str(path)}
    for config in (recording, {"backend": "replay", "path": str(path)}):
        settings.AOI_LLM = config
        runs = runs_start(cast, incidents_open(cast, 1))
        runs_wait(runs, RunStatus.FINISHED, f"{config['backend']} run in this process", timeout=120)
        if run_outcomes(runs) != {"succeeded/diagnosed": 1}:
            raise SystemExit(f"the {config['backend']} run ended {run_outcomes(runs)}, not succeeded/diagnosed")
    return {"path": str(path), "requests": len(path.read_text().splitlines()), "model": NO_FIX}


def throughput(cast: Cast, url: str, recording: Path, runs: int, processes: int, logs: Path) -> dict[str, Any]:
    from django.conf import settings

    from agents.models import RunStatus

    settings.AOI_LLM = {"backend": "replay", "path": str(recording)}
    env = worker_env(url, AOI_LLM_BACKEND="replay", AOI_LLM_OPTIONS=json.dumps({"path": str(recording)}))
    worker_logs = [logs / f"throughput-{processes}w-{n}.log" for n in range(processes)]
    incidents = incidents_open(cast, runs)
    redis_flush(url)
    with ExitStack() as stack:
        for log in worker_logs:
            stack.enter_context(worker(env, log, queues=THROUGHPUT_QUEUES))
        cpu, began = cpu_jiffies(), time.time()
        started = runs_start(cast, incidents)
        runs_wait(started, RunStatus.FINISHED, f"runs on {processes} worker(s)", timeout=120 + 10 * runs)
        busy = cpu_busy_since(cpu)
    tasks = [task_seconds(log) for log in worker_logs]
    return {
        "processes": processes,
        **_throughput_figures(started, began),
        "cpu_busy": busy,
        "tasks_per_worker": [len(times) for times in tasks],
        "task_ms": harness.percentiles_ms([seconds for times in tasks for seconds in times]),
        "outcomes": run_outcomes(started),
    }


def _throughput_figures(runs: list[Any], began: float) -> dict[str, Any]:
    """Runs per minute from ``began`` (the first ``run_start``) to the last ``finished_at``; per run, its
    ``created_at`` to its ``finished_at`` (waiting for a worker included)."""
    from agents.models import AgentRun

    rows = list(AgentRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("created_at", "finished_at"))
    wall = max(epoch(finished) for _, finished in rows) - began
    return {
        "runs": len(rows),
        "wall_s": round(wall, 3),
        "runs_per_min": round(len(rows) / wall * 60, 2),
        "start_all_s": round(max(epoch(created) for created, _ in rows) - began, 3),
        "per_run_ms": harness.percentiles_ms([epoch(finished) - epoch(created) for created, finished in rows]),
    }


# --- 4. recovery -------------------------------------------------------------------------------------------


def _mid_way(cast: Cast, log: Path) -> Any:
    """A run started and two phases into its work (so a worker is on it)."""
    from agents.models import RunStatus

    (run,) = runs_start(cast, incidents_open(cast, 1))
    wait_for(
        "two stored phases",
        lambda: run_field(run, "version") >= 2 and run_field(run, "status") == RunStatus.RUNNING,
        timeout=60,
        poll=0.01,
        log=log,
    )
    return run


def _idle(run: Any, log: Path) -> None:
    """Until the run waits for approval: its worker is free for the next repetition."""
    from agents.models import RunStatus

    wait_for("the run to pause", lambda: run_field(run, "status") == RunStatus.AWAITING_APPROVAL, timeout=120, log=log)


def recovery_pool_child(cast: Cast, env: dict[str, str], repeats: int, logs: Path) -> list[dict[str, Any]]:
    from tests.workers import kill

    samples = []
    log = logs / "recovery-child.log"
    with worker(env, log, queues=ALL_QUEUES) as started:
        for _ in tqdm(range(repeats), desc="   (a) pool child killed", leave=False):
            run = _mid_way(cast, log)
            (child,) = started.pool()
            killed = time.time()
            kill(child)
            wait_gone([child])
            samples.append(run_resumed_after(run, killed, log, timeout=60))
            _idle(run, log)
    return samples


def recovery_whole_worker(
    cast: Cast, env: dict[str, str], repeats: int, logs: Path, *, beat: bool, timeout: float
) -> list[dict[str, Any]]:
    """Kill the worker (main process and children) mid-run and start another at once; the one started last
    is the next repetition's victim. A killed worker's context is closed at once, while its pids are
    still nobody else's."""
    label = "relay" if beat else "broker"
    samples = []
    victim = ExitStack()
    try:
        current = victim.enter_context(worker(env, logs / f"recovery-{label}-0.log", queues=ALL_QUEUES, beat=beat))
        for n in tqdm(range(1, repeats + 1), desc=f"   whole worker killed ({label})", leave=False):
            run = _mid_way(cast, current.log)
            pool = current.pool()
            killed = time.time()
            current.crash()
            wait_gone(pool)
            victim.close()
            log = logs / f"recovery-{label}-{n}.log"
            current = victim.enter_context(worker(env, log, queues=ALL_QUEUES, beat=beat))
            ready = time.time() - killed
            sample = run_resumed_after(run, killed, log, timeout=timeout)
            sample.update(restart_s=ready, first_step_from_restart_s=sample["first_step_s"] - ready)
            samples.append(sample)
            _idle(run, log)
    finally:
        victim.close()
    return samples


def recovery(cast: Cast, url: str, options: argparse.Namespace, logs: Path) -> dict[str, Any]:
    model = model_env(SLOW_FIXER, AOI_TEST_LLM_DELAY=str(options.llm_delay))
    relay = {"AOI_RUN_RELAY_INTERVAL": options.relay_interval, "AOI_RUN_STALL_SECONDS": options.stall_seconds}
    relayed = worker_env(url, **model, **{key: str(value) for key, value in relay.items() if value is not None})
    broker = worker_env(url, **model, AOI_BROKER_VISIBILITY_TIMEOUT=str(options.broker_visibility))
    results: dict[str, Any] = {"model": SLOW_FIXER, "llm_delay_s": options.llm_delay}
    redis_flush(url)
    samples = recovery_pool_child(cast, relayed, options.repeats, logs)
    results["pool_child"] = {"settings": worker_settings(relayed), "beat": False, **_recovery_summary(samples)}
    redis_flush(url)  # no message a killed worker had taken is handed out again in the next scenario
    samples = recovery_whole_worker(cast, relayed, options.repeats_relay, logs, beat=True, timeout=300)
    results["whole_worker_relay"] = {"settings": worker_settings(relayed), "beat": True, **_recovery_summary(samples)}
    redis_flush(url)
    samples = recovery_whole_worker(cast, broker, options.repeats_broker, logs, beat=False, timeout=300)
    results["whole_worker_broker"] = {"settings": worker_settings(broker), "beat": False, **_recovery_summary(samples)}
    return results


def _recovery_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    summary = {
        "repeats": len(samples),
        "first_step_s": seconds_summary([s["first_step_s"] for s in samples]),
        "resumed_s": seconds_summary([s["resumed_s"] for s in samples if s["resumed_s"] is not None]),
        "reasons": sorted({str(s["reason"]) for s in samples}),
    }
    if samples and "restart_s" in samples[0]:
        summary["restart_s"] = seconds_summary([s["restart_s"] for s in samples])
        summary["first_step_from_restart_s"] = seconds_summary([s["first_step_from_restart_s"] for s in samples])
    return summary


# --- the benchmark ------------------------------------------------------------------------------------


def run(options: argparse.Namespace) -> dict[str, Any]:
    url = redis_url()
    redis_flush(url)
    harness.recreate_database()
    logs = Path(options.logs or tempfile.mkdtemp(prefix="aoi-bench-hosting-"))
    logs.mkdir(parents=True, exist_ok=True)
    cast = cast_create()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_before": _load()}}
    recording = record_no_fix_run(cast, logs) if "throughput" in options.figures else None
    publish_to(url)
    if "approval" in options.figures:
        redis_flush(url)
        results["approval"] = approval_round_trip(cast, url, options.approvals, logs)
    if recording is not None:
        one, two = (throughput(cast, url, Path(recording["path"]), options.runs, n, logs) for n in (1, 2))
        results["throughput"] = {
            "recording": recording,
            "1": one,
            "2": two,
            "ratio_2_to_1": round(two["runs_per_min"] / one["runs_per_min"], 3),
        }
    if "recovery" in options.figures:
        results["recovery"] = recovery(cast, url, options, logs)
    results["machine"]["load_after"] = _load()
    report(results)
    config = {**vars(options), "logs": str(logs), "redis": redis_display(url)}
    print(f"  -> {harness.write_result('agents_hosting', config, results)} (worker logs in {logs})")
    failures = _failures(results, options)
    if failures:
        raise SystemExit("agents_hosting: " + "; ".join(failures))
    return results


def _failures(results: dict[str, Any], options: argparse.Namespace) -> list[str]:
    """What did not end as it must: every approved run fixed, every replayed run diagnosed, every killed
    run resumed by a new delivery."""
    found = []
    if "approval" in results and results["approval"]["outcomes"] != {"succeeded/fixed": options.approvals}:
        found.append(f"approved runs ended {results['approval']['outcomes']}")
    for key in ("1", "2") if "throughput" in results else ():
        if results["throughput"][key]["outcomes"] != {"succeeded/diagnosed": options.runs}:
            found.append(f"replayed runs on {key} worker(s) ended {results['throughput'][key]['outcomes']}")
    for name, figure in results.get("recovery", {}).items():
        if isinstance(figure, dict) and figure.get("reasons", ["after its worker stopped"]) != [
            "after its worker stopped"
        ]:
            found.append(f"recovery {name}: resumed with reasons {figure['reasons']}")
    return found


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", nargs="+", choices=FIGURES, default=list(FIGURES), help="default: all")
    parser.add_argument("--approvals", type=int, default=30, help="approval round trips (default 30)")
    parser.add_argument("--runs", type=int, default=40, help="runs started at once for throughput (default 40)")
    parser.add_argument("--repeats", type=int, default=5, help="recovery (a): pool child kills (default 5)")
    parser.add_argument("--repeats-relay", type=int, default=5, help="recovery (b): whole-worker kills (default 5)")
    parser.add_argument("--repeats-broker", type=int, default=2, help="recovery (c): whole-worker kills (default 2)")
    parser.add_argument("--llm-delay", type=float, default=0.3, help="recovery: the slowed model's s an answer")
    parser.add_argument("--relay-interval", type=float, help="recovery (b): AOI_RUN_RELAY_INTERVAL (default: settings)")
    parser.add_argument("--stall-seconds", type=float, help="recovery (b): AOI_RUN_STALL_SECONDS (default: settings)")
    parser.add_argument("--broker-visibility", type=float, default=10.0, help="recovery (c): visibility timeout, s")
    parser.add_argument("--logs", type=Path, help="where the worker and daphne logs go (default: a new temp dir)")
    parser.add_argument("--quick", action="store_true", help="5 approvals, 8 runs, 1 kill of each kind")
    return parser


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    options = build_parser().parse_args(argv)
    if options.quick:
        options.approvals, options.runs = min(options.approvals, 5), min(options.runs, 8)
        options.repeats = options.repeats_relay = options.repeats_broker = 1
    counts = (options.approvals, options.runs, options.repeats, options.repeats_relay, options.repeats_broker)
    if min(counts) < 1:
        build_parser().error("need --approvals, --runs and every --repeats* >= 1")
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    harness.configure()
    run(options)


if __name__ == "__main__":
    main()
