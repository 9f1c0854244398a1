"""What ``bench.agents_hosting`` needs around its figures: the Redis it publishes to, worker processes it
starts (and kills, by pid), the settings those workers see, the people and incidents its runs work on,
starting runs and watching them in the database, what the machine was doing, and the printed table.

Workers are ``tests.workers.celery_worker``'s: real prefork Celery workers over the benchmark database
and the Redis of ``BENCH_REDIS_URL``, stopped by their pids (and their children's) when their context
ends. Nothing here kills a process that this benchmark did not start.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tqdm import tqdm

from tests.servers import REPO_ROOT
from tests.workers import Worker, celery_worker

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
SCALED_TO_ZERO = "scale_pod_zero_social_net-mitigation-1"  # tests.agents_incidents.conftest's problem
# Inherited variables that would change what a scenario measures: each scenario sets its own.
SCENARIO_VARIABLES = (
    "AOI_LLM_BACKEND",
    "AOI_LLM_MODEL",
    "AOI_LLM_OPTIONS",
    "AOI_TEST_LLM_DELAY",
    "AOI_RUN_RELAY_INTERVAL",
    "AOI_RUN_STALL_SECONDS",
    "AOI_BROKER_VISIBILITY_TIMEOUT",
    "AOI_RUN_SLICE_SECONDS",
)
# The settings as a worker process loads them, printed as JSON by a Python of the worker's environment.
_SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings
from kombu.transport.redis import Channel
options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
print(json.dumps({
    "broker": settings.CELERY_BROKER_URL.split("@")[-1],
    "visibility_timeout_s": options.get("visibility_timeout"),
    "relay_interval_s": settings.CELERY_BEAT_SCHEDULE["relay-runs"]["schedule"],
    "stall_s": settings.AOI_RUN_STALL_SECONDS,
    "slice_s": settings.AOI_RUN_SLICE_SECONDS,
    "kombu_unacked_restore_interval_s": options.get("unacked_restore_interval", Channel.unacked_restore_interval),
    "kombu_unacked_restore_throttle": options.get("unacked_restore_throttle", Channel.unacked_restore_throttle),
}))
"""


# --- Redis and this process's publishing ---------------------------------------------------------------


def redis_url() -> str:
    """``BENCH_REDIS_URL`` (default db 11 of the local Redis), answering."""
    import redis

    url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        raise SystemExit(f"The hosting benchmark needs Redis at BENCH_REDIS_URL ({url}): {error}") from None
    return url


def redis_flush(url: str) -> None:
    """Empty the benchmark's Redis database: no message (taken or not) left over from before."""
    import redis

    redis.Redis.from_url(url).flushdb()


def redis_display(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"  # no credentials


def publish_to(url: str) -> None:
    """Make this process a web process of the Redis mode: ``run_dispatch`` publishes to ``url`` instead of
    starting a thread. ``harness.configure()`` loaded the settings of the embedded mode (memory broker,
    eager tasks). Call it before this process publishes anything: the Celery app opens its connection
    pools on the first publish, with the configuration it has then."""
    from django.conf import settings

    from aoi_platform.celery import app

    settings.AOI_EMBEDDED = False
    app.conf.update(broker_url=url, task_always_eager=False, broker_connection_timeout=2.0)


# --- worker processes ----------------------------------------------------------------------------------


def worker_env(url: str, **extra: str) -> dict[str, str]:
    """This process's environment (the benchmark database, its audit checkpoint file) for a worker on
    ``url``, with what the scenario sets (``extra``) and nothing inherited that would change it."""
    base = {key: value for key, value in os.environ.items() if key not in SCENARIO_VARIABLES}
    return {**base, "REDIS_URL": url, "DJANGO_SETTINGS_MODULE": "aoi_platform.settings.base", **extra}


def worker_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The hosting settings a worker started with ``env`` runs with (visibility timeout, relay, stall)."""
    done = subprocess.run(
        [sys.executable, "-c", _SETTINGS_PROBE],
        cwd=REPO_ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"could not read the workers' settings:\n{done.stderr[-2000:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@contextmanager
def worker(env: Mapping[str, str], log: Path, *, queues: str, beat: bool = False) -> Iterator[Worker]:
    """One prefork worker (concurrency 1) on ``queues``, ready to consume; stopped by pid afterwards."""
    if beat:
        log.with_suffix(".beat").unlink(missing_ok=True)  # a fresh beat schedule each start
    with celery_worker(env, log, queues=queues, concurrency=1, beat=beat) as started:
        yield started


def wait_gone(pids: Sequence[int], timeout: float = 10) -> None:
    """Until none of ``pids`` is a live process (gone, or a zombie nobody reaped yet)."""
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            raise SystemExit(f"processes {list(pids)} were still alive {timeout:.0f} s after SIGKILL")
        time.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[-1].split()[0] != "Z"


# --- people, incidents, runs, waiting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """The team the benchmark's incidents belong to: a responder starts runs, an approver approves."""

    team: Any
    responder: Any
    approver: Any
    approver_token: str


def cast_create() -> Cast:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from incidents.services.teams import team_add_member, team_create
    from trajectories.audit.services import Actor

    team = team_create(name="Bench SRE", slug="bench-sre", actor=Actor.system("benchmark"))
    users = get_user_model().objects
    responder = users.create_user(username="bench-responder")  # no password: no hashing
    approver = users.create_user(username="bench-approver")
    team_add_member(team=team, user=responder, role="responders")
    team_add_member(team=team, user=approver, role="approvers")
    return Cast(team, responder, approver, Token.objects.create(user=approver).key)


def incidents_open(cast: Cast, count: int) -> list[Any]:
    """``count`` incidents on the same simulated problem: the same text, so the same model requests."""
    from agents.incident_runs import simulated_incident_open
    from agents.sim.problems import problem_resolve

    problem = problem_resolve(SCALED_TO_ZERO)
    return [simulated_incident_open(problem=problem, team=cast.team, user=cast.responder) for _ in range(count)]


def model_env(responder: str, **extra: str) -> dict[str, str]:
    """A worker's environment for the scripted backend with ``responder``; this process records it too."""
    from django.conf import settings

    settings.AOI_LLM = {"backend": "scripted", "responder": responder}  # what run_start writes on the trajectory
    return {"AOI_LLM_BACKEND": "scripted", "AOI_LLM_OPTIONS": json.dumps({"responder": responder}), **extra}


def runs_start(cast: Cast, incidents: list[Any]) -> list[Any]:
    """A run on each incident, started by the team's responder (published when each start commits)."""
    from agents.hosting import run_start

    return [run_start(incident=incident, user=cast.responder) for incident in incidents]


def runs_wait(runs: list[Any], status: str, what: str, *, timeout: float, log: Path | None = None) -> None:
    from agents.models import AgentRun

    ids = [run.pk for run in runs]
    with tqdm(total=len(ids), desc=f"   {what}", unit="run", leave=False) as bar:

        def check() -> bool:
            done = AgentRun.objects.filter(pk__in=ids, status=status).count()
            bar.update(done - bar.n)
            return done == len(ids)

        wait_for(what, check, timeout=timeout, poll=0.05, log=log)


def run_outcomes(runs: list[Any]) -> dict[str, int]:
    """How the runs' trajectories ended: ``{"succeeded/fixed": 30}``."""
    from trajectories.models import Trajectory

    counts: dict[str, int] = {}
    for status, outcome in Trajectory.objects.filter(agent_run__in=runs).values_list("status", "outcome"):
        key = f"{status}/{(outcome or {}).get('outcome', '?')}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def run_resumed_after(run: Any, killed: float, log: Path, timeout: float) -> dict[str, Any]:
    """Seconds from ``killed`` to the first step stored after it, and to the run's ``run.resumed`` event."""
    from incidents.models import IncidentEvent
    from trajectories.models import Step

    after = datetime.fromtimestamp(killed, UTC)
    steps = Step.objects.filter(trajectory_id=run.trajectory_id, created_at__gt=after).order_by("created_at")
    wait_for("a step stored after the kill", steps.exists, timeout=timeout, poll=0.01, log=log)
    events = IncidentEvent.objects.filter(incident_id=run.incident_id, type="run.resumed", created_at__gt=after)
    resumed = events.order_by("seq").first()
    return {
        "first_step_s": epoch(steps.values_list("created_at", flat=True)[0]) - killed,
        "resumed_s": epoch(resumed.created_at) - killed if resumed else None,
        "reason": resumed.payload.get("reason") if resumed else None,
    }


def wait_for(
    what: str, check: Callable[[], bool], *, timeout: float, poll: float = 0.02, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}" + (f"; see {log}" if log else ""))
        time.sleep(poll)


def run_field(run: Any, name: str) -> Any:
    from agents.models import AgentRun

    return AgentRun.objects.values_list(name, flat=True).get(pk=run.pk)


def epoch(moment: datetime | None) -> float:
    """A database timestamp as ``time.time()`` reads the clock (both processes' clocks are this machine's)."""
    if moment is None:
        raise SystemExit("a timestamp the benchmark reads was not set")
    return moment.timestamp()


# --- what the machine and the workers did ----------------------------------------------------------------

_TASK_DONE = re.compile(r"Task agents\.tasks\.run_\w+\[[^\]]+\] succeeded in ([0-9.]+)s")


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, every process's (``/proc/stat``)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy_since(before: tuple[int, int]) -> float:
    """The share of the machine's CPU time that was busy since ``before`` (``cpu_jiffies()``)."""
    busy, total = cpu_jiffies()
    return round((busy - before[0]) / max(1, total - before[1]), 3)


def task_seconds(log: Path) -> list[float]:
    """How long each run task a worker finished took, from its log (Celery's "succeeded in")."""
    return [float(seconds) for seconds in _TASK_DONE.findall(log.read_text(errors="replace"))]


def seconds_summary(samples: Sequence[float]) -> dict[str, Any]:
    """p50 and max (and the samples) of durations in seconds."""
    if not samples:
        return {"n": 0, "p50": None, "max": None, "samples": []}
    rounded = [round(value, 3) for value in samples]
    return {"n": len(samples), "p50": round(statistics.median(samples), 3), "max": max(rounded), "samples": rounded}


# --- the printed table ---------------------------------------------------------------------------------


def _ms(figure: dict[str, float]) -> str:
    return f"p50 {figure['p50']:7.1f} ms  p99 {figure['p99']:7.1f} ms  max {figure['max']:7.1f} ms"


def _s(figure: dict[str, Any]) -> str:
    return f"p50 {figure['p50']:6.2f} s  max {figure['max']:6.2f} s" if figure["n"] else "no sample"


def report(results: dict[str, Any]) -> None:
    """The short table of ``bench.agents_hosting``'s figures."""
    machine = results["machine"]
    print(
        f"  machine: {machine['cpus']} CPUs, shared by the workers, daphne, PostgreSQL, Redis and this process; "
        f"load average {machine['load_before']} before, {machine['load_after']} after"
    )
    if "approval" in results:
        _report_approval(results["approval"])
    if "throughput" in results:
        _report_throughput(results["throughput"], machine["cpus"])
    if "recovery" in results:
        _report_recovery(results["recovery"])


def _report_approval(figures: dict[str, Any]) -> None:
    print(f"  2. approval round trip: {figures['runs']} runs, 1 worker (concurrency 1), approved over HTTP (daphne)")
    print(f"     approval created -> action completed (DB)  {_ms(figures['db_ms'])}")
    print(f"       the same, after the first (cold) one    {_ms(figures['db_after_first_ms'])}")
    print(f"     approval created -> action claimed (DB)    {_ms(figures['db_to_claimed_ms'])}")
    print(f"     POST sent -> succeeded seen (5 ms polls)  {_ms(figures['polled_ms'])}")
    print(f"     POST round trip                            {_ms(figures['http_ms'])}")


def _report_throughput(figures: dict[str, Any], cpus: int) -> None:
    requests = figures["recording"]["requests"]
    print(f"  3. throughput: replay ({requests} model requests a run), no approval, runs started at once")
    for key in ("1", "2"):
        one = figures[key]
        print(
            f"     {key} worker(s): {one['runs_per_min']:6.1f} runs/min ({one['runs']} runs in {one['wall_s']:.1f} s), "
            f"per run p50 {one['per_run_ms']['p50'] / 1000:.2f} s p99 {one['per_run_ms']['p99'] / 1000:.2f} s, "
            f"task p50 {one['task_ms']['p50']:.0f} ms, tasks per worker {one['tasks_per_worker']}, "
            f"CPU busy {one['cpu_busy']:.0%} of {cpus}"
        )
    print(f"     2 workers / 1 worker: {figures['ratio_2_to_1']:.2f} (this machine has {cpus} CPUs)")


def _report_recovery(figures: dict[str, Any]) -> None:
    print(f"  4. recovery: kill -> first step stored after it (slowed model, {figures['llm_delay_s']} s an answer)")
    for key, label in (
        ("pool_child", "(a) pool child SIGKILL"),
        ("whole_worker_relay", "(b) whole worker, restart, relay"),
        ("whole_worker_broker", "(c) whole worker, restart, broker"),
    ):
        figure, settings = figures[key], figures[key]["settings"]
        relay = f"relay every {settings['relay_interval_s']:g} s" if figure["beat"] else "no beat"
        print(f"     {label:33s} x{figure['repeats']}: {_s(figure['first_step_s'])}")
        print(f"     {'':37s} (run.resumed event {_s(figure['resumed_s'])})")
        if "restart_s" in figure:
            print(f"     {'':37s} from the restarted worker ready {_s(figure['first_step_from_restart_s'])}")
            print(f"     {'':37s} (the restart took {_s(figure['restart_s'])})")
        print(
            f"     {'':37s} [broker visibility timeout {settings['visibility_timeout_s']:g} s, {relay}, "
            f"stall {settings['stall_s']:g} s]"
        )
