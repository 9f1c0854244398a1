"""AOI runs on incidents, hosted by the Celery workers: started, advanced from stored state, paused, resumed.

A run starts from the API (``POST /api/v1/incidents/<id>/diagnose/``) or from an alert when the team asks
for it (``run_start``). Its state lives in an ``AgentRun`` row; a worker task (``run_work``) takes the run,
rebuilds what the state does not hold (the environment's handles, replaying the simulator's journal; the
LLM backend of the model version active when the run started, recorded on its trajectory, or the settings'),
and advances it one phase at a time, storing each phase (its steps, the new state, the journal) in one
transaction before the next begins. Storing is a compare-and-set on the run's ``version``, so a phase is
stored once however many deliveries race for it; a PostgreSQL session advisory lock keeps a second
delivery from working on a run that one process holds, and is released by the server the moment that
process dies, so a redelivered task resumes as soon as the broker hands it out again (a killed pool
process's task: within Celery's pool maintenance, a few seconds at most).

When the Executor proposes a write, the action request, the phase that asked for it and the pause are one
transaction: the run waits (``awaiting_approval``) and no worker is busy. A decision on the action
(``action_decided``, in the deciding transaction) queues the run again: on the ``executor`` queue when
approved, so that approved fixes never wait behind probe work, back on ``agents`` when rejected or expired.

The row is its own outbox: it records when it was last sent to the broker, and ``runs_relay`` (periodic)
sends again every run that wants a worker, has none, and has not moved for ``AOI_RUN_STALL_SECONDS``:
a message the broker lost (a restarted Redis) or never took (a failed publish) costs a delay, never the run.

While a phase runs, the incident's event log receives ``step.started`` for each model request and the
model's text as ``token.delta`` events, coalesced every ``TOKEN_FLUSH_S``; stored steps appear as
``step.completed`` in the phase's transaction. Everything streams to the browser after it is stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from celery import Celery
from django.conf import settings
from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from agents.environments import EnvironmentUnavailable, IncidentEnvironment, environment_for_incident
from agents.gate import ActionRequestGate
from agents.incident_runs import (
    check_can_start,
    incident_brief,
    incident_outcome,
    incident_run_finish,
    outcome_status,
    run_started_record,
)
from agents.knowledge.selectors import knowledge_for_runtime
from agents.llm.base import LLMBackend, LLMError
from agents.llm.factory import backend_from_config
from agents.models import AgentRun, RunStatus
from agents.roles import prompts
from agents.roles.decide import Budget, BudgetExceeded, Context, StepRecord
from agents.roles.tools import trim
from agents.runtime.aoi import AOIRun, Handles
from agents.services import step_record_store
from agents.sim.episode import episode_journal
from aoi_platform.errors import Conflict, DomainError
from incidents.models import ActionRequest, ActionStatus, Incident, IncidentStatus
from incidents.services.actions import incident_move_if_allowed
from incidents.services.incidents import incident_event_append
from training.services.versions import backend_config_of, observer_backend_config
from trajectories.audit.services import Actor
from trajectories.models import Trajectory, TrajectoryStatus
from trajectories.services.runs import trajectory_set_status, trajectory_start

logger = logging.getLogger(__name__)
TOKEN_FLUSH_S = 0.05
SUMMARY_CHARS = 240
TASK_NAMES = {"agents": "agents.tasks.run_advance", "executor": "agents.tasks.run_execute"}
# What a phase is doing, for the live stream's step.started events.
PHASE_LABELS = {
    "inventory": "reading the namespace",
    "decide": "deciding the next move",
    "probe": "investigating",
    "answer": "stating the diagnosis",
    "plan": "planning a fix",
    "propose": "proposing a write",
    "gate": "executing the approved write",
}


DATABASE_ERRORS = (OperationalError, InterfaceError)


class Superseded(Exception):
    """Another delivery stored this phase first; this one stops without storing anything."""


# --- starting ------------------------------------------------------------------------------------------


def run_start(*, incident: Incident, user: User | None, reason: str = "") -> AgentRun:
    """Start a hosted AOI run on ``incident`` on behalf of ``user`` (None: the platform, for an alert).

    The incident moves to investigating; the run is dispatched when the transaction commits. Raises
    ``Forbidden`` when ``user`` may not change the incident, ``Conflict`` when it has ended or already has a
    run going, ``DomainError`` (``environment_unavailable``) when the configured environment cannot serve it.
    """
    if user is not None:
        check_can_start(incident, user, "aoi")
    config = dict(settings.AOI_ENVIRONMENT)
    try:
        env = environment_for_incident(incident, config=config)
    except EnvironmentUnavailable as error:
        raise DomainError(str(error), code="environment_unavailable") from error
    actor = Actor.of_user(user) if user is not None else Actor.system("auto-diagnosis")
    llm, version = observer_backend_config()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            raise Conflict(f"The incident is {locked.status}; reopen it to diagnose it.", code="incident_not_active")
        active = AgentRun.objects.filter(incident=locked).exclude(status=RunStatus.FINISHED).first()
        if active is not None:
            raise Conflict(f"A diagnosis is already running on this incident (run {active.pk}).", code="run_active")
        trajectory = trajectory_start(
            agent_kind="aoi",
            backend=str(llm.get("backend", "")),
            model=str(llm.get("model") or "default"),
            actor=actor,
            incident=locked,
            prompt_versions=dict(prompts.PROMPT_VERSIONS),
            seed=env.episode.seed if env.episode else None,
            created_by=user,
            model_version=version,
        )
        run = AgentRun.objects.create(
            trajectory=trajectory,
            incident=locked,
            started_by=user,
            state=AOIRun.start(task="incident", namespace=locked.namespace, incident=incident_brief(locked)).state,
            environment={
                "kind": env.kind,
                "seed": env.episode.seed if env.episode else None,
                "description": env.description,
            },
        )
        if locked.status == IncidentStatus.OPEN:
            incident_move_if_allowed(locked, IncidentStatus.INVESTIGATING, actor, reason or "diagnosis started")
        run_started_record(locked, trajectory, env, user, run=str(run.pk))
        run_dispatch_on_commit(run)
    return run


def run_start_for_alert(incident: Incident) -> AgentRun | None:
    """An alert opened ``incident`` and its team diagnoses automatically: start a run, or say why not."""
    try:
        return run_start(incident=incident, user=None, reason="opened by an alert; the team diagnoses automatically")
    except DomainError as error:
        reason = str(error)
        logger.warning("no automatic diagnosis for incident %s: %s", incident.uuid, error)
    except Exception as error:  # the alert is stored already; a failed start must not fail its delivery
        reason = f"the run could not be started ({type(error).__name__})"
        logger.exception("automatic diagnosis of incident %s failed to start", incident.uuid)
    with contextlib.suppress(Exception):
        incident_event_append(incident=incident, type="run.not_started", payload={"reason": reason})
    return None


# --- dispatching: the run row is its own outbox --------------------------------------------------------


def run_dispatch_on_commit(run: AgentRun) -> None:
    """Send the run to its queue once the caller's transaction commits (never before: the worker must find
    what the transaction wrote)."""
    run_id, queue = str(run.pk), run.queue
    transaction.on_commit(lambda: run_dispatch(run_id, queue))


def run_dispatch(run_id: str, queue: str) -> bool:
    """Publish one delivery of the run. A broker that does not take it is logged, not raised: the relay
    sends it again. In the embedded mode (no broker) a thread of this process works on it."""
    if settings.AOI_EMBEDDED:
        threading.Thread(target=_work_in_thread, args=(run_id,), name=f"aoi-run-{run_id[:8]}", daemon=True).start()
        return True
    try:
        celery_app().send_task(TASK_NAMES[queue], args=[run_id], queue=queue)
    except Exception as error:  # the broker is down or refused: the relay sends it again
        logger.warning("run %s not dispatched (%s); the relay will send it again", run_id, error)
        return False
    AgentRun.objects.filter(pk=run_id).update(dispatched_at=timezone.now())
    return True


def celery_app() -> Celery:
    """The Celery application runs are published with."""
    from aoi_platform.celery import app

    return app


def _work_in_thread(run_id: str) -> None:
    try:
        run_work(run_id)
    except Exception:
        logger.exception("embedded run %s failed", run_id)
    finally:
        connection.close()


def runs_relay(*, stall_s: float | None = None) -> int:
    """Send again every run that wants a worker and has none: queued and never sent, or queued or running
    with no delivery and no progress for ``stall_s`` while no process holds it. Returns how many."""
    stall = settings.AOI_RUN_STALL_SECONDS if stall_s is None else stall_s
    cutoff = timezone.now() - timedelta(seconds=stall)
    quiet = Q(dispatched_at__lt=cutoff) & (Q(progressed_at__isnull=True) | Q(progressed_at__lt=cutoff))
    # Without PostgreSQL's advisory locks nobody can tell whether another process still works on a running
    # run (the embedded mode: the relay runs beside the server), so there only queued runs are sent again.
    wanted = (RunStatus.QUEUED, RunStatus.RUNNING) if connection.vendor == "postgresql" else (RunStatus.QUEUED,)
    wanting = AgentRun.objects.filter(status__in=wanted).filter(Q(dispatched_at__isnull=True) | quiet)
    sent = 0
    for run_id, queue in wanting.values_list("pk", "queue"):
        if run_is_held(str(run_id)):
            continue
        sent += run_dispatch(str(run_id), queue)
    return sent


# --- the run lock --------------------------------------------------------------------------------------

_local_locks: dict[str, threading.Lock] = {}
_local_locks_guard = threading.Lock()


def _lock_key(run_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"aoi-run:{run_id}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def run_lock(run_id: str) -> Iterator[bool]:
    """Hold the run for this process: yields False when another process (or thread) holds it. On PostgreSQL
    a session advisory lock, which the server releases when the holder's connection ends (a killed worker)."""
    if connection.vendor != "postgresql":
        with _local_locks_guard:
            lock = _local_locks.setdefault(run_id, threading.Lock())
        got = lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                lock.release()
        return
    key = _lock_key(run_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (got,) = cursor.fetchone()
    try:
        yield bool(got)
    finally:
        if got:
            with contextlib.suppress(Exception), connection.cursor() as cursor:  # a dropped connection took it along
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def run_is_held(run_id: str) -> bool:
    with run_lock(run_id) as got:
        return not got


# --- waking on a decision ------------------------------------------------------------------------------


def run_wake_on_decision(action: ActionRequest) -> None:
    """Receiver of ``action_decided``, in the deciding transaction: the run waiting on ``action`` is queued
    again (approved: on the executor queue) and sent when that transaction commits."""
    try:
        trajectory_id = UUID(action.requester_agent)
    except ValueError:
        return
    queue = "executor" if action.status == ActionStatus.APPROVED else "agents"
    woken = AgentRun.objects.filter(
        trajectory_id=trajectory_id, status=RunStatus.AWAITING_APPROVAL, awaiting_action=action
    ).update(status=RunStatus.QUEUED, queue=queue, dispatched_at=None)
    if woken:
        run = AgentRun.objects.get(trajectory_id=trajectory_id)
        run_dispatch_on_commit(run)


# --- working -------------------------------------------------------------------------------------------

_backends: dict[str, LLMBackend] = {}


def llm_backend(config: Mapping[str, Any] | None = None) -> LLMBackend:
    """The backend of ``config`` (None: the Observer's now, its active model version's or the settings'),
    built once per process and kept while the configuration stays the same (loading a local model takes
    seconds); a new configuration, such as a newly activated version's, replaces it."""
    chosen = dict(config) if config is not None else observer_backend_config()[0]
    key = repr(sorted(chosen.items()))
    if key not in _backends:
        _backends.clear()
        _backends[key] = backend_from_config(chosen)
    return _backends[key]


def run_backend_config(trajectory: Trajectory) -> dict[str, Any]:
    """What a hosted run runs with, on every delivery: the model version its trajectory recorded at the start
    (an activation while it runs does not change it), or the settings' backend when it recorded none."""
    if trajectory.model_version is not None:
        return backend_config_of(trajectory.model_version)
    return dict(settings.AOI_LLM)


def run_work(run_id: str, *, slice_s: float | None = None) -> str:
    """Advance the run as far as it goes within ``slice_s`` seconds (``AOI_RUN_SLICE_SECONDS``): until it
    finishes, pauses for an approval, or the slice ends (then it is sent again). Returns what happened:
    finished, paused, sliced, busy (another process holds it), superseded, or the state it was already in."""
    run = AgentRun.objects.filter(pk=run_id).first()
    if run is None:
        logger.warning("no run %s; nothing to do", run_id)
        return "unknown"
    if run.status in (RunStatus.FINISHED, RunStatus.AWAITING_APPROVAL):
        return str(run.status)
    with run_lock(run_id) as got:
        if not got:
            return "busy"
        run.refresh_from_db()
        if run.status in (RunStatus.FINISHED, RunStatus.AWAITING_APPROVAL):
            return str(run.status)
        try:
            done = _Worker(run, settings.AOI_RUN_SLICE_SECONDS if slice_s is None else slice_s).go()
        except Superseded:
            logger.info("run %s: another delivery stored this phase first", run_id)
            return "superseded"
    if done == "sliced":  # sent again once the lock is free, so that the next delivery can take it
        run_dispatch(run_id, "agents")
    return done


@dataclass
class TokenStream:
    """The model's text as ``token.delta`` events, coalesced: a thread stores what arrived every
    ``TOKEN_FLUSH_S`` (in its own connection), whatever thread the backend calls ``add`` from."""

    incident: Incident
    run_id: str
    pending: list[tuple[str, str]] = field(default_factory=list)
    guard: threading.Lock = field(default_factory=threading.Lock)
    write: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name=f"aoi-tokens-{self.run_id[:8]}", daemon=True)
        self.thread.start()

    def add(self, role: str, piece: str) -> None:
        with self.guard:
            self.pending.append((role, piece))

    def flush(self) -> None:
        """Store what arrived, one event per run of pieces from one role."""
        with self.write:
            with self.guard:
                taken, self.pending = self.pending, []
            merged: list[list[str]] = []
            for role, piece in taken:
                if merged and merged[-1][0] == role:
                    merged[-1][1] += piece
                else:
                    merged.append([role, piece])
            for role, text in merged:
                incident_event_append(
                    incident=self.incident, type="token.delta", payload={"run": self.run_id, "role": role, "text": text}
                )

    def _loop(self) -> None:
        try:
            while not self.stop.wait(TOKEN_FLUSH_S):
                try:
                    self.flush()
                except Exception:  # the stream is best effort; the stored steps are the record
                    logger.exception("token stream of run %s", self.run_id)
        finally:
            connection.close()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)


class _Worker:
    """One delivery's work on one run (the caller holds the run lock)."""

    def __init__(self, run: AgentRun, slice_s: float) -> None:
        self.run = run
        self.slice_s = slice_s
        self.incident = Incident.objects.get(pk=run.incident_id)
        self.trajectory = Trajectory.objects.select_related("model_version").get(pk=run.trajectory_id)
        self.actor = Actor.agent(str(self.trajectory.pk))
        self.steps: list[StepRecord] = []
        self.stream = TokenStream(self.incident, str(run.pk))
        self.phase = ""

    # -- the loop --
    def go(self) -> str:
        self._pick_up()
        began = time.monotonic()
        try:
            env = environment_for_incident(
                self.incident, config=self._config(), seed=self.run.environment.get("seed"), journal=self.run.journal
            )
        except EnvironmentUnavailable as error:
            return self._error(f"EnvironmentUnavailable: {error}")
        aoi = AOIRun(dict(self.run.state))
        budget = self._budget(aoi)
        gate = ActionRequestGate(
            incident=self.incident,
            requester=self.run.started_by,  # type: ignore[arg-type]  # None: a platform run; any approver decides
            run_id=str(self.trajectory.pk),
            write_env=env.write,
            pause=True,
            on_decided=self._decided,
        )
        gate.requested.extend(UUID(uuid) for uuid in aoi.state.get("actions", []))
        handles = Handles(read=env.read, write=env.write, gate=gate, knowledge=knowledge_for_runtime())
        try:
            backend = llm_backend(run_backend_config(self.trajectory))
        except LLMError as error:
            return self._error(f"LLMError: {error}")
        if self.run.deliveries == 1:
            Trajectory.objects.filter(pk=self.trajectory.pk).update(backend=backend.name, model=backend.model)
        ctx = Context(
            backend=backend, sink=self.steps.append, budget=budget, on_token=self.stream.add, on_request=self._asked
        )
        self.stream.start()
        try:
            while True:
                done = self._phase(aoi, ctx, handles, env, gate, budget)
                if done:
                    return self._finish(aoi, env, gate)
                if aoi.paused:
                    return "paused"
                if time.monotonic() - began >= self.slice_s:
                    AgentRun.objects.filter(pk=self.run.pk).update(status=RunStatus.QUEUED, queue="agents")
                    return "sliced"
        except BudgetExceeded as error:
            aoi.finish(f"failed: {error}")
            self._store(aoi, env, budget)
            return self._finish(aoi, env, gate)
        except DATABASE_ERRORS:
            raise  # the task retries from the last stored phase
        except Exception as error:
            logger.exception("run %s failed", self.run.pk)
            return self._error(f"{type(error).__name__}: {error}")
        finally:
            self.stream.close()

    def _phase(
        self,
        aoi: AOIRun,
        ctx: Context,
        handles: Handles,
        env: IncidentEnvironment,
        gate: ActionRequestGate,
        budget: Budget,
    ) -> bool:
        """Run and store one phase. Asking the gate for a new write is one transaction with the phase and the
        pause: the request exists if and only if the run is stored as waiting for it."""
        self.steps.clear()
        self.phase = str(aoi.state["phase"])
        asking = self.phase == "gate" and not aoi.state.get("ticket")
        if not asking:
            done = aoi.advance(ctx, handles)
            self._store(aoi, env, budget, gate)
            return done
        with transaction.atomic():
            done = aoi.advance(ctx, handles)
            self._store(aoi, env, budget, gate)
            if aoi.paused:
                self._pause(aoi)
        return done

    def _store(
        self, aoi: AOIRun, env: IncidentEnvironment | None, budget: Budget, gate: ActionRequestGate | None = None
    ) -> None:
        """The phase's steps, state and journal, stored only if nobody stored this phase before (version)."""
        self.stream.flush()
        if gate is not None:
            aoi.state["actions"] = [str(uuid) for uuid in gate.requested]
        aoi.state["budget"] = {
            "steps": budget.steps,
            "tool_calls": budget.tool_calls,
            "elapsed_s": round(time.monotonic() - budget.started, 3),
        }
        journal = episode_journal(env.episode) if env is not None and env.episode is not None else []
        with transaction.atomic():
            stored = AgentRun.objects.filter(pk=self.run.pk, version=self.run.version).update(
                state=aoi.state, journal=journal, version=F("version") + 1, progressed_at=timezone.now()
            )
            if not stored:
                raise Superseded
            self.run.version += 1
            for record in self.steps:
                step = step_record_store(self.trajectory, record)
                incident_event_append(
                    incident=self.incident,
                    type="step.completed",
                    payload={
                        "run": str(self.run.pk),
                        "index": step.index,
                        "role": step.role,
                        "phase": step.phase,
                        "summary": _summary(record),
                        "error": trim(record.error, SUMMARY_CHARS),
                    },
                )
        self.steps.clear()

    # -- states --
    def _pick_up(self) -> None:
        """Running now: count the delivery; a run picked up before is resumed (after a crash or a decision)."""
        with transaction.atomic():
            run = AgentRun.objects.select_for_update().get(pk=self.run.pk)
            resumed = run.deliveries > 0
            if run.status == RunStatus.RUNNING:  # nobody holds it (we do now): its last worker stopped
                reason = "after its worker stopped"
            elif run.awaiting_action_id is not None:
                reason = "after a decision on its action"
            else:
                reason = "continued"
            run.status, run.deliveries, run.progressed_at = RunStatus.RUNNING, run.deliveries + 1, timezone.now()
            run.awaiting_action = None
            run.save(update_fields=["status", "deliveries", "progressed_at", "awaiting_action"])
            self.run = run
            trajectory = Trajectory.objects.get(pk=run.trajectory_id)
            if trajectory.status == TrajectoryStatus.AWAITING_APPROVAL:
                trajectory_set_status(
                    trajectory=trajectory, status=TrajectoryStatus.RUNNING, actor=self.actor, reason="resumed"
                )
            if resumed:
                incident_event_append(
                    incident=self.incident,
                    type="run.resumed",
                    payload={"run": str(run.pk), "attempt": run.deliveries, "reason": reason},
                )

    def _pause(self, aoi: AOIRun) -> None:
        """In the phase's transaction: the run and its trajectory wait for people to decide on the ticket."""
        ticket = str(aoi.state["ticket"])
        action = ActionRequest.objects.get(uuid=ticket)
        AgentRun.objects.filter(pk=self.run.pk).update(status=RunStatus.AWAITING_APPROVAL, awaiting_action=action)
        trajectory = Trajectory.objects.get(pk=self.trajectory.pk)
        trajectory_set_status(
            trajectory=trajectory,
            status=TrajectoryStatus.AWAITING_APPROVAL,
            actor=self.actor,
            reason=f"waiting for a decision on action {ticket}",
        )
        incident_event_append(
            incident=self.incident,
            type="run.paused",
            payload={"run": str(self.run.pk), "action": ticket, "reason": "waiting for a person to decide"},
        )

    def _decided(self, action: ActionRequest) -> None:
        logger.info("run %s: action %s is %s", self.run.pk, action.uuid, action.status)

    def _asked(self, role: str) -> None:
        self.stream.flush()
        label = PHASE_LABELS.get(self.phase, self.phase)
        incident_event_append(
            incident=self.incident, type="step.started", payload={"run": str(self.run.pk), "role": role, "label": label}
        )

    def _finish(self, aoi: AOIRun, env: IncidentEnvironment, gate: ActionRequestGate) -> str:
        elapsed = float(aoi.state.get("budget", {}).get("elapsed_s", 0.0))
        outcome = incident_outcome(aoi.state, self.incident, env, gate.requested, elapsed)
        self._end(outcome_status(outcome), outcome)
        return "finished"

    def _error(self, error: str) -> str:
        self._end(TrajectoryStatus.ERROR, {"outcome": "error", "error": error, "diagnosis": None})
        return "finished"

    def _end(self, status: str, outcome: dict[str, Any]) -> None:
        with transaction.atomic():
            ended = AgentRun.objects.filter(pk=self.run.pk, version=self.run.version).update(
                status=RunStatus.FINISHED, finished_at=timezone.now(), version=F("version") + 1
            )
            if not ended:
                raise Superseded
            incident_run_finish(self.trajectory, self.incident, self.actor, status, outcome, run=str(self.run.pk))

    def _budget(self, aoi: AOIRun) -> Budget:
        spent = aoi.state.get("budget") or {}
        budget = Budget(max_wall_s=settings.AOI_RUN_MAX_WORK_SECONDS)
        budget.steps, budget.tool_calls = int(spent.get("steps", 0)), int(spent.get("tool_calls", 0))
        budget.started = time.monotonic() - float(spent.get("elapsed_s", 0.0))
        return budget

    def _config(self) -> dict[str, Any]:
        config = dict(settings.AOI_ENVIRONMENT)
        if config.get("kind") != self.run.environment.get("kind"):
            raise EnvironmentUnavailable(
                f"the run started on {self.run.environment.get('kind')}, the settings now name {config.get('kind')}"
            )
        return config


def _summary(record: StepRecord) -> str:
    if record.error:
        return trim(record.error, SUMMARY_CHARS)
    if record.tool_result:
        return trim(record.tool_result, SUMMARY_CHARS)
    if record.action is not None:
        return trim(str(record.action), SUMMARY_CHARS)
    return ""
