"""The ``kubectl`` program of the adapter's shell: a parsed command line mapped to API requests.

The shell (``agents.cli.shell``) parses the command line, refuses writes in a read-only session and runs
the text tools after pipes; this program turns one ``kubectl`` argv into requests of the session's
identity and kubectl's output. Before any request it refuses what the adapter does not do: a verb other
than the supported reads and writes, a flag that would change the cluster, the identity or the local
disk, or a flag whose effect it does not implement (rather than silently ignoring it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from agents.cli.errors import KubectlUsageError
from agents.cli.kubectl_args import KubectlCommand, parse_kubectl
from agents.cli.kubectl_flags import IDENTITY_FLAGS
from agents.cli.shell import ProgramResult
from agents.kube.client import KubeTransport
from agents.kube.config import KubeSettings
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.delete import run_delete
from agents.kube.kubectl.describe import run_describe
from agents.kube.kubectl.get import run_events, run_get
from agents.kube.kubectl.logs import run_logs
from agents.kube.kubectl.patch import run_patch, run_scale
from agents.kube.kubectl.rollout import run_rollout
from agents.kube.kubectl.session import Output, Session
from agents.kube.kubectl.set import run_set
from agents.kube.kubectl.top import run_top

Handler = Callable[[Session, KubectlCommand, Output], None]

_READS: dict[str, Handler] = {
    "get": run_get,
    "describe": run_describe,
    "logs": run_logs,
    "events": run_events,
    "top": run_top,
}
_WRITES: dict[str, Handler] = {"patch": run_patch, "scale": run_scale, "set": run_set, "delete": run_delete}
_READ_ROLLOUTS = frozenset({"status", "history"})
_WRITE_ROLLOUTS = frozenset({"restart", "undo"})
_SETTABLE = frozenset({"image", "env"})

# Flags each command honours; global flags every command accepts. Selection and output flags
# (-n, -A, -l, --field-selector, -o) are lifted out of ``flags`` by the parser and checked per command.
_GLOBAL = frozenset({"request-timeout", "v"})
_SUPPORTED: Mapping[str, frozenset[str]] = {
    "get": frozenset({"show-labels", "show-kind", "no-headers", "ignore-not-found", "sort-by", "chunk-size"}),
    "describe": frozenset({"chunk-size"}),
    "logs": frozenset(
        {"container", "previous", "tail", "since", "timestamps", "all-containers", "prefix", "limit-bytes"}
        | {"ignore-errors", "max-log-requests"}
    ),
    "events": frozenset({"for", "types", "no-headers", "chunk-size"}),
    "top": frozenset({"containers", "no-headers", "sort-by"}),
    "patch": frozenset({"type", "patch"}),
    "scale": frozenset({"replicas"}),
    "set image": frozenset(),
    "set env": frozenset({"env", "containers"}),
    "rollout restart": frozenset(),
    "rollout undo": frozenset({"to-revision"}),
    "rollout status": frozenset({"watch", "timeout"}),
    "rollout history": frozenset(),
    "delete": frozenset({"grace-period", "force", "now", "ignore-not-found", "wait", "all", "cascade"}),
}
_WITH_OUTPUT = frozenset({"get", "events"})
# Reads kubectl has that the adapter does not implement: "not available", not "not permitted".
_UNSUPPORTED_READS = frozenset(
    {"explain", "api-resources", "api-versions", "version", "cluster-info", "auth", "config", "help", "options"}
    | {"completion", "plugin", "kustomize", "diff", "wait"}
)


def helm_unavailable(argv: Sequence[str], stdin: str) -> ProgramResult:
    """The ``helm`` program: release data lives in Secrets, which the reader may not read."""
    return ProgramResult("", "Error: helm is not available through the Kubernetes adapter\n", 1)


class KubectlProgram:
    """``kubectl`` for one command line of one session (its transport carries the command's deadline)."""

    def __init__(
        self, transport: KubeTransport, settings: KubeSettings, *, read_only: bool, clock: Callable[[], datetime]
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._read_only = read_only
        self._clock = clock

    def __call__(self, argv: Sequence[str], stdin: str) -> ProgramResult:
        """Run one kubectl argv; failures come back as kubectl's stderr and exit code 1, never raised."""
        output = Output()
        try:
            command = parse_kubectl(argv)
            handler = self._handler(command)
            session = Session(self._transport, self._settings, self._read_only, self._clock().astimezone(UTC))
            handler(session, command, output)
        except KubectlUsageError as error:
            output.fail(str(error))
        except KubeApiError as error:
            output.fail(error.text)
        return ProgramResult("".join(output.stdout), "".join(output.stderr), output.exit_code)

    def _handler(self, command: KubectlCommand) -> Handler:
        name = command.verb if command.verb not in ("set", "rollout") else f"{command.verb} {command.subverb}"
        write = _is_write(command)
        handler = _lookup(command)
        if handler is None:
            if write:
                raise KubeApiError(f"error: {name} is not permitted through this adapter")
            raise KubeApiError(f"error: {name} is not available through the Kubernetes adapter")
        if write and self._read_only:
            raise KubeApiError(f"error: {name} is not permitted in a read-only session")
        _check_flags(name, command)
        return handler


def _lookup(command: KubectlCommand) -> Handler | None:
    if command.verb == "rollout":
        return run_rollout if command.subverb in _READ_ROLLOUTS | _WRITE_ROLLOUTS else None
    if command.verb == "set" and command.subverb not in _SETTABLE:
        return None
    return _READS.get(command.verb) or _WRITES.get(command.verb)


def _is_write(command: KubectlCommand) -> bool:
    if command.verb == "rollout":
        return command.subverb not in _READ_ROLLOUTS
    return command.verb not in _READS and command.verb not in _UNSUPPORTED_READS


def _check_flags(name: str, command: KubectlCommand) -> None:
    allowed = _SUPPORTED[name] | _GLOBAL
    for flag in command.flags:
        if flag in IDENTITY_FLAGS:
            raise KubeApiError(f"error: --{flag} is not permitted: the platform chooses the cluster and the identity")
        if flag not in allowed:
            raise KubeApiError(f"error: --{flag} is not supported through the Kubernetes adapter")
    if command.output is not None and command.verb not in _WITH_OUTPUT:
        raise KubeApiError(f"error: --output is not supported for {name} through the Kubernetes adapter")
    if command.flags.get("watch") and name != "rollout status":
        raise KubeApiError("error: --watch is not supported through the Kubernetes adapter")
