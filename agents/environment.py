"""The agent-cloud interface: what Probes and the Executor may call, whatever the cluster behind it.

The names, argument shapes and output formats are AIOpsLab's, so that an agent written for one runs on
the other. Two implementations: the simulated cluster (``agents.sim``) and a real Kubernetes cluster
(``agents.kube``). A handle is either read-only (Probes) or read-write (the Executor); a read-only handle
refuses every write before running anything, and says so in its output.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

# The columns of AIOpsLab's exported metrics and traces, whichever cluster they come from.
METRICS_COLUMNS = ("timestamp", "cmdb_id", "kpi_name", "value")
TRACES_COLUMNS = (
    "trace_id",
    "span_id",
    "parent_span",
    "service_name",
    "operation_name",
    "start_time",
    "duration",
    "has_error",
    "response",
)


class CloudEnvironmentError(Exception):
    """Base class of the errors an environment raises to its caller (not to the agent)."""


@runtime_checkable
class CloudEnvironment(Protocol):
    """One session's handle on a cluster. Every method returns the text an agent sees."""

    @property
    def read_only(self) -> bool:
        """True for a Probe's handle: writes are refused before they are parsed."""
        ...

    def get_logs(self, namespace: str, service: str) -> str:
        """Logs of the first pod that matches the application's label for ``service``."""
        ...

    def get_metrics(self, namespace: str, duration: int = 5) -> str:
        """Export the last ``duration`` minutes of metrics as CSV files; return the folder's listing."""
        ...

    def read_metrics(self, file_path: str) -> str:
        """The table of one exported metrics file."""
        ...

    def get_traces(self, namespace: str, duration: int = 5) -> str:
        """Export the last ``duration`` minutes of traces as CSV; return where they are."""
        ...

    def read_traces(self, file_path: str) -> str:
        """The table of one exported traces file."""
        ...

    def exec_shell(self, command: str, timeout: int = 30) -> str:
        """Run a kubectl/helm command line (parsed, never given to a shell); stderr if it failed."""
        ...
