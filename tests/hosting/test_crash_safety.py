"""Killed workers lose nothing and duplicate nothing: real Celery worker processes over Redis and PostgreSQL.

Each test starts its own worker (and, where it says so, its own Redis server) and kills only those, by pid.
The model is the steering stand-in, slowed down so that a kill lands in the middle of a run. What is
checked after each fault: the run completes, its steps are numbered without gap or repeat, every stored
step was announced once, exactly one action was requested, and the approved write took effect at most once.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from django.db import connection

from agents import hosting
from agents.hosting import run_start
from agents.models import AgentRun, RunStatus
from incidents.models import ActionRequest, ActionStatus, Incident, Team
from incidents.services.actions import action_approve
from tests.factories import make_incident
from tests.kube.standin import Running, serve, write_adapter_config
from tests.servers import free_port
from tests.workers import Worker, celery_worker, kill, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SLOW_FIXER = "tests.hosting.responders:slow_fixer"
MODEL = {"AOI_LLM_BACKEND": "scripted", "AOI_LLM_OPTIONS": json.dumps({"responder": SLOW_FIXER})}
WORKER_APPLICATION = "aoi-test-worker"
# A run with nobody working on it is sent again after 3 s of silence; the relay looks every second.
RELAY = {"AOI_RUN_RELAY_INTERVAL": "1", "AOI_RUN_STALL_SECONDS": "3"}


@pytest.fixture(autouse=True)
def broker(settings: Any) -> None:
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (worker processes share the test database)")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # no message left over from another test
    settings.AOI_LLM = {"backend": "scripted", "responder": SLOW_FIXER}


def wait_for(what: str, check: Callable[[], bool], worker: Worker | None = None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if worker is not None:
            assert worker.process.poll() is None, worker.output()[-4000:]
        assert time.monotonic() < deadline, f"timed out waiting for {what}" + (
            f"\n{worker.output()[-4000:]}" if worker else ""
        )
        time.sleep(0.05)


def status(run: AgentRun) -> str:
    return str(AgentRun.objects.values_list("status", flat=True).get(pk=run.pk))


def version(run: AgentRun) -> int:
    return int(AgentRun.objects.values_list("version", flat=True).get(pk=run.pk))


def assert_whole(run: AgentRun, incident: Incident) -> None:
    """Finished; steps 1..n once each, each announced once; one action requested."""
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    indexes = list(run.trajectory.steps.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(1, len(indexes) + 1))
    announced = [e.payload["index"] for e in incident.events.filter(type="step.completed").order_by("seq")]
    assert announced == indexes
    assert ActionRequest.objects.filter(incident=incident).count() == 1


def writes(run: AgentRun) -> list[dict[str, Any]]:
    run.refresh_from_db()
    return [entry for entry in run.journal if not entry["read_only"]]


def approve_when_paused(run: AgentRun, approver: Any, worker: Worker) -> ActionRequest:
    wait_for("the run to pause for approval", lambda: status(run) == RunStatus.AWAITING_APPROVAL, worker)
    action = ActionRequest.objects.get(incident=run.incident)
    action_approve(action=action, user=approver, action_hash=action.action_hash)
    return action


def test_killing_the_whole_worker_mid_run_resumes_from_the_last_stored_phase(
    sim_incident: Incident, responder: Any, approver: Any, tmp_path: Path
) -> None:
    env = worker_env(**MODEL, **RELAY)
    with celery_worker(env, tmp_path / "first.log") as first:
        run = run_start(incident=sim_incident, user=responder)
        wait_for("two stored phases", lambda: version(run) >= 2, first)
        first.crash()
    stored_at_crash = version(run)
    assert status(run) == RunStatus.RUNNING  # the killed delivery never finished its slice

    with celery_worker(env, tmp_path / "second.log", beat=True) as second:
        approve_when_paused(run, approver, second)
        wait_for("the run to finish", lambda: status(run) == RunStatus.FINISHED, second)

    assert_whole(run, sim_incident)
    assert run.deliveries >= 3  # the killed one, the resumed one, the one after the approval
    assert version(run) > stored_at_crash
    resumed = sim_incident.events.filter(type="run.resumed").order_by("seq").first()
    assert resumed is not None
    assert resumed.payload["reason"] == "after its worker stopped"
    assert len(writes(run)) == 1
    assert run.trajectory.outcome["outcome"] == "fixed"


def test_killing_a_pool_child_mid_run_redelivers_at_once(
    sim_incident: Incident, responder: Any, approver: Any, tmp_path: Path
) -> None:
    with celery_worker(worker_env(**MODEL), tmp_path / "worker.log") as worker:
        run = run_start(incident=sim_incident, user=responder)
        wait_for("a stored phase", lambda: version(run) >= 2, worker)
        (child,) = worker.pool()
        kill(child)
        # No relay runs here: the main process rejects the lost task, and the broker hands it out again.
        approve_when_paused(run, approver, worker)
        wait_for("the run to finish", lambda: status(run) == RunStatus.FINISHED, worker)
        assert "WorkerLostError" in worker.output() or "exited with 'signal 9" in worker.output()

    assert_whole(run, sim_incident)
    assert len(writes(run)) == 1
    assert sim_incident.events.filter(type="run.resumed", payload__reason="after its worker stopped").exists()


@pytest.fixture
def cluster(tmp_path: Path, settings: Any) -> Iterator[tuple[Running, Path]]:
    for running in serve(tmp_path):
        config = write_adapter_config(tmp_path / "aoi-kubernetes.yaml", running, request_timeout=60)
        settings.AOI_ENVIRONMENT = {"kind": "kubernetes", "kubernetes_config": str(config), "seed": 0}
        yield running, config


def test_a_worker_killed_between_the_write_and_its_record_leaves_it_to_a_person(
    cluster: tuple[Running, Path], team: Team, responder: Any, approver: Any, tmp_path: Path
) -> None:
    running, config = cluster
    incident = make_incident(
        team, title="compose-post failing", application="SocialNetwork", namespace="test-social-network"
    )
    # The stand-in's user-service forwards to a port no pod listens on: the write offered is the Service patch.
    running.state.hold_after_apply(r".*/(deployments/user-service(/scale)?|services/user-service)")
    env = worker_env(**MODEL, **RELAY, AOI_ENVIRONMENT="kubernetes", AOI_KUBERNETES_CONFIG=str(config))

    def written() -> list[Any]:
        return [r for r in running.state.requests if r.identity == "writer" and r.method != "GET"]

    with celery_worker(env, tmp_path / "first.log") as first:
        run = run_start(incident=incident, user=responder)
        action = approve_when_paused(run, approver, first)
        wait_for("the write to reach the cluster", running.state.holding.is_set, first)
        assert ActionRequest.objects.get(pk=action.pk).status == ActionStatus.EXECUTING
        first.crash()
    running.state.release.set()
    assert len(written()) == 1

    with celery_worker(env, tmp_path / "second.log", beat=True) as second:
        wait_for("the run to finish", lambda: status(run) == RunStatus.FINISHED, second)

    action.refresh_from_db()
    assert action.status == ActionStatus.NEEDS_ATTENTION
    assert "before recording its result" in action.status_reason
    assert len(written()) == 1  # never a second time
    assert_whole(run, incident)
    assert "needs attention" in run.trajectory.outcome["fix_refused"]
    assert incident.events.filter(type="action.needs_attention").count() == 1


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """``start()``: a Redis server of this test's own on a fixed free port (restartable, empty each time)."""
    port = free_port()
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=(tmp_path / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        started.append(server)
        client = redis.Redis(port=port)
        wait_for("Redis", lambda: _pings(client))
        return server

    start.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    try:
        yield start
    finally:
        for server in started:
            kill(server.pid)
            server.wait(timeout=10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def test_redis_restarts_lose_no_waiting_run_and_no_approval(
    sim_incident: Incident,
    responder: Any,
    approver: Any,
    tmp_path: Path,
    private_redis: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redis_server = private_redis()
    url = private_redis.url
    publisher = Celery("aoi-test-publisher", set_as_current=False)  # publishes to the private Redis
    publisher.config_from_object("django.conf:settings", namespace="CELERY")
    publisher.conf.update(broker_url=url)
    monkeypatch.setattr(hosting, "celery_app", lambda: publisher)
    env = worker_env(**MODEL, **RELAY, REDIS_URL=url)
    try:
        with celery_worker(env, tmp_path / "worker.log", beat=True) as worker:
            run = run_start(incident=sim_incident, user=responder)
            wait_for("the run to pause", lambda: status(run) == RunStatus.AWAITING_APPROVAL, worker)
            # Redis restarts (empty) while the run waits for approval ...
            kill(redis_server.pid)
            redis_server.wait(timeout=10)
            redis_server = private_redis()
            # ... and is down while the approval is being queued: the approval commits, the publish fails.
            kill(redis_server.pid)
            redis_server.wait(timeout=10)
            action = ActionRequest.objects.get(incident=sim_incident)
            began = time.monotonic()
            action_approve(action=action, user=approver, action_hash=action.action_hash)
            assert time.monotonic() - began < 20  # a dead broker does not hang the approval
            run.refresh_from_db()
            assert (run.status, run.dispatched_at) == (RunStatus.QUEUED, None)  # owed, not sent
            redis_server = private_redis()
            wait_for("the run to finish", lambda: status(run) == RunStatus.FINISHED, worker, timeout=120)
    finally:
        publisher.close()

    assert_whole(run, sim_incident)
    assert ActionRequest.objects.get(pk=action.pk).status == ActionStatus.SUCCEEDED
    assert len(writes(run)) == 1


def test_a_dropped_database_connection_mid_task_retries_cleanly(
    sim_incident: Incident, responder: Any, approver: Any, tmp_path: Path
) -> None:
    env = worker_env(**MODEL, PGAPPNAME=WORKER_APPLICATION)  # libpq names the worker's sessions
    with celery_worker(env, tmp_path / "worker.log") as worker:
        run = run_start(incident=sim_incident, user=responder)
        wait_for("a stored phase", lambda: version(run) >= 2, worker)
        with connection.cursor() as cursor:  # end every session of the worker's processes, only theirs
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [WORKER_APPLICATION],
            )
            (terminated,) = cursor.fetchone()
        assert terminated >= 1
        approve_when_paused(run, approver, worker)
        wait_for("the run to finish", lambda: status(run) == RunStatus.FINISHED, worker)
        assert "Retry in" in worker.output()

    assert_whole(run, sim_incident)
    assert len(writes(run)) == 1
