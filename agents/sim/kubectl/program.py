"""The ``kubectl`` program of one simulated session handle: parse the argv, apply the handle's access
policy, and hand the command to the verb's handler.

The handle's policy lives here and nowhere else in the package: a read-only handle's kubectl refuses
writes itself too (the shell refuses them first: two locks on one door), and ``auth can-i`` answers
from it. A verb without a handler is refused as the API server refuses the executor's role.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from agents.cli import access
from agents.cli.errors import KubectlUsageError
from agents.cli.kubectl_args import KubectlCommand, parse_kubectl
from agents.cli.shell import ProgramResult
from agents.sim import patching
from agents.sim.kubectl.exec import run_exec
from agents.sim.kubectl.observe import run_logs, run_top
from agents.sim.kubectl.reads import (
    run_cluster_info,
    run_describe,
    run_events,
    run_explain,
    run_get,
    run_version,
)
from agents.sim.kubectl.replies import fail, forbidden
from agents.sim.kubectl.rollout import READ_SUBVERBS, run_rollout_read, run_rollout_write
from agents.sim.kubectl.writes import run_apply, run_delete, run_patch, run_scale, run_set
from agents.sim.state import ClusterState

Handler = Callable[[ClusterState, KubectlCommand, str], ProgramResult]


def _edit_refused(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    return fail("Error: Cannot use `kubectl edit`. Use `kubectl patch` instead.")


_READS: Mapping[str, Handler] = {
    "get": run_get,
    "describe": run_describe,
    "logs": run_logs,
    "top": run_top,
    "events": run_events,
    "explain": run_explain,
    "version": run_version,
    "cluster-info": run_cluster_info,
    "edit": _edit_refused,
}
# Refused on a read-only handle before they run; `rollout` only for its writing subverbs.
_WRITES: Mapping[str, Handler] = {
    "patch": run_patch,
    "scale": run_scale,
    "set": run_set,
    "delete": run_delete,
    "apply": run_apply,
    "exec": run_exec,
    "rollout": run_rollout_write,
}


class SimKubectl:
    """The `kubectl` program of one session handle."""

    def __init__(self, state: ClusterState, *, read_only: bool) -> None:
        self.state = state
        self.read_only = read_only

    def __call__(self, argv: Sequence[str], stdin: str) -> ProgramResult:
        if self.read_only and access.command_access(argv).access is not access.Access.READ:
            return fail(access.read_only_refusal(access.command_access(argv)))
        try:
            command = parse_kubectl(argv)
        except KubectlUsageError as error:
            return fail(str(error))
        try:
            return self._dispatch(command, stdin)
        except patching.PatchError as error:
            return fail(f"error: {error}")

    def _dispatch(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if command.verb == "auth":
            return self._auth(command)
        if command.verb == "rollout" and command.subverb in READ_SUBVERBS:
            return run_rollout_read(self.state, command, stdin)
        if command.verb in _WRITES:
            if self.read_only:
                return self._write_refused(command)
            return _WRITES[command.verb](self.state, command, stdin)
        handler = _READS.get(command.verb)
        if handler is None:
            return forbidden(command)
        return handler(self.state, command, stdin)

    def _write_refused(self, command: KubectlCommand) -> ProgramResult:
        decision = access.AccessDecision(access.Access.WRITE, "kubectl", command.verb, "it changes the cluster")
        return fail(access.read_only_refusal(decision))

    def _auth(self, command: KubectlCommand) -> ProgramResult:
        """`kubectl auth can-i VERB ...`: reads are allowed to every handle, the rest to writing ones."""
        verb = command.args[0] if command.args else "get"
        allowed = verb in ("get", "list", "watch") or not self.read_only
        return ProgramResult(stdout="yes\n" if allowed else "no\n", exit_code=0 if allowed else 1)
