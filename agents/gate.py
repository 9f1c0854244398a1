"""The platform's write gate for agent runs on incidents: every Executor proposal becomes an ActionRequest.

``ActionRequestGate.submit`` records the proposal as an action request on the incident (the person who
started the run is its accountable requester, so that person can never approve it), then waits for people
to decide in the browser or the API. Only an approved action comes back with an ``execute`` handle, and
that handle claims the action first: the claim recomputes the hash of the exact canonical command about to
run and takes the approval at most once; the command then runs, rendered from that same canonical form,
and its outcome is recorded. A rejection's reason, an expiry or a wait that ran out goes back to the
Observer as the reason the fix did not happen. Everything is audited by the services it calls.

Two ways to wait. In-process (``manage.py diagnose``), ``submit`` polls the database, so a decision taken in
any process is seen. On a worker (``pause=True``), ``submit`` records the request and answers "pending"
with the action's id as the ticket; the run is stored and the worker moves on, and once people decide the
run is resumed and ``submit`` is called again with the ticket: it reads the decision, never asks twice.
A resumed run that finds its action claimed but without a recorded result (the worker died between the
write and its record) cannot know whether the write took effect: the action becomes "needs attention" for
a person and nothing runs again. One that finds a recorded result takes it, without running anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from django.contrib.auth.models import User
from django.utils import timezone

from agents.roles.executor import GateDecision, WriteBlocked, WriteProposal
from agents.roles.tools import trim
from agents.roles.writes import command_shell
from aoi_platform.errors import DomainError
from incidents.models import ActionRequest, ActionStatus, Incident
from incidents.services.actions import action_request
from incidents.services.execution import action_claim, action_complete, action_needs_attention
from trajectories.audit.services import Actor

RESULT_PREVIEW_CHARS = 4000
FAILURE_PREFIXES = ("error", "fatal:")


class WriteHandle(Protocol):
    """What the gate needs of the Executor's write handle (a ``CloudEnvironment`` opened read-write)."""

    def exec_shell(self, command: str, timeout: int = 30) -> str: ...


def output_failed(output: str) -> bool:
    """Whether a command's text output is kubectl's or helm's failure text (the interface returns stderr)."""
    return output.lstrip().lower().startswith(FAILURE_PREFIXES)


@dataclass
class ActionRequestGate:
    """A ``WriteGate`` whose approvals are people's decisions on the incident's action requests."""

    incident: Incident
    requester: User
    run_id: str
    write_env: WriteHandle
    wait_s: float = 900.0
    poll_s: float = 1.0
    on_requested: Callable[[ActionRequest], None] | None = None
    on_decided: Callable[[ActionRequest], None] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    requested: list[UUID] = field(default_factory=list)
    pause: bool = False

    @property
    def actor(self) -> Actor:
        return Actor.agent(self.run_id)

    def submit(self, proposal: WriteProposal, ticket: str = "") -> GateDecision:
        """Request the write and wait for its decision (or, paused, say it is pending); with ``ticket``, read
        the decision on the request made earlier. An approval carries the one-shot ``execute``."""
        if ticket:
            return self._resume(proposal, UUID(ticket))
        try:
            action = action_request(
                incident=self.incident,
                command=proposal.command,
                risk_class=proposal.risk,
                rationale=proposal.rationale or proposal.expected_effect,
                requester_user=self.requester,
                requester_agent=self.run_id,
                expected_effect=proposal.expected_effect,
                verification_check="\n".join(proposal.verification),
            )
        except DomainError as error:
            return GateDecision(False, reason=f"the request was refused: {error}")
        self.requested.append(action.uuid)
        if self.on_requested is not None:
            self.on_requested(action)
        if self.pause:
            return GateDecision(
                False, reason=f"waiting for a decision on action {action.uuid}", pending=True, ticket=str(action.uuid)
            )
        return self._decision(self._wait(action), proposal)

    def _resume(self, proposal: WriteProposal, uuid: UUID) -> GateDecision:
        action = ActionRequest.objects.filter(uuid=uuid).first()
        if action is None:
            return GateDecision(False, reason=f"action {uuid} no longer exists", retry=False)
        if action.uuid not in self.requested:
            self.requested.append(action.uuid)
        if action.status == ActionStatus.PENDING and action.expires_at > timezone.now():
            return GateDecision(
                False, reason=f"waiting for a decision on action {uuid}", pending=True, ticket=str(uuid)
            )
        if action.status == ActionStatus.EXECUTING:
            reason = "the worker stopped after claiming this action and before recording its result"
            action_needs_attention(action_uuid=action.uuid, reason=reason, actor=self.actor)
            return GateDecision(
                False, reason=f"action {uuid} needs attention: {reason}; nothing runs again", retry=False
            )
        if action.status in (ActionStatus.SUCCEEDED, ActionStatus.FAILED):
            output = str((action.result or {}).get("output", ""))
            return GateDecision(
                True, reason=f"approved (action {uuid}; ran before the run resumed)", execute=lambda: output
            )
        return self._decision(action, proposal)

    def _decision(self, decided: ActionRequest, proposal: WriteProposal) -> GateDecision:
        if self.on_decided is not None:
            self.on_decided(decided)
        if decided.status == ActionStatus.APPROVED:
            execute = self._executor(decided, proposal)
            return GateDecision(True, reason=f"approved (action {decided.uuid})", execute=execute)
        undecided = decided.status in (ActionStatus.PENDING, ActionStatus.EXPIRED, ActionStatus.NEEDS_ATTENTION)
        return GateDecision(False, reason=self._refusal(decided), retry=not undecided)

    def _wait(self, action: ActionRequest) -> ActionRequest:
        deadline = self.clock() + self.wait_s
        while True:
            current = ActionRequest.objects.get(pk=action.pk)
            expired = current.expires_at <= timezone.now()
            if current.status != ActionStatus.PENDING or expired or self.clock() >= deadline:
                return current
            self.sleep(min(self.poll_s, max(0.0, deadline - self.clock())))

    @staticmethod
    def _refusal(action: ActionRequest) -> str:
        if action.status == ActionStatus.PENDING and action.expires_at <= timezone.now():
            return f"action {action.uuid} expired before anyone decided on it"
        if action.status == ActionStatus.PENDING:
            return f"no decision on action {action.uuid} while the run waited; it stays pending until it expires"
        if action.status == ActionStatus.REJECTED:
            return f"rejected by a reviewer: {action.status_reason}"
        return f"action {action.uuid} is {action.status}: {action.status_reason or 'not approved'}"

    def _executor(self, action: ActionRequest, proposal: WriteProposal) -> Callable[[], str]:
        """Claim, run exactly the approved canonical command, record the outcome; at most once."""
        used = False

        def execute() -> str:
            nonlocal used
            if used:
                raise RuntimeError("an approved action runs at most once")
            used = True
            try:
                claimed = action_claim(action_uuid=action.uuid, command=proposal.command, executor=self.actor)
            except DomainError as error:
                raise WriteBlocked(str(error)) from error
            output = self.write_env.exec_shell(command_shell(claimed.command))
            action_complete(
                action_uuid=claimed.uuid,
                succeeded=not output_failed(output),
                result={"output": trim(output, RESULT_PREVIEW_CHARS)},
                executor=self.actor,
            )
            return output

        return execute
