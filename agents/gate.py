"""The platform's write gate for agent runs on incidents: every Executor proposal becomes an ActionRequest.

``ActionRequestGate.submit`` records the proposal as an action request on the incident (the person who
started the run is its accountable requester, so that person can never approve it), then waits for people
to decide in the browser or the API. Only an approved action comes back with an ``execute`` handle, and
that handle claims the action first: the claim recomputes the hash of the exact canonical command about to
run and takes the approval at most once; the command then runs, rendered from that same canonical form,
and its outcome is recorded. A rejection's reason, an expiry or a wait that ran out goes back to the
Observer as the reason the fix did not happen. Everything is audited by the services it calls.

The wait polls the database, so a decision taken in any process (web, API, another worker) is seen. A
worker that must not block for minutes leaves ``wait_s`` at zero and resumes the run once the action is
decided (see docs/agents.md).
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
from incidents.services.execution import action_claim, action_complete
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

    @property
    def actor(self) -> Actor:
        return Actor.agent(self.run_id)

    def submit(self, proposal: WriteProposal) -> GateDecision:
        """Request the write and wait for its decision; an approval carries the one-shot ``execute``."""
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
        decided = self._wait(action)
        if self.on_decided is not None:
            self.on_decided(decided)
        if decided.status == ActionStatus.APPROVED:
            execute = self._executor(decided, proposal)
            return GateDecision(True, reason=f"approved (action {decided.uuid})", execute=execute)
        undecided = decided.status in (ActionStatus.PENDING, ActionStatus.EXPIRED)
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
