"""A real Kubernetes cluster behind the agent-cloud interface (:class:`agents.environment.CloudEnvironment`).

Read-write separation is structural: a read-only environment (a Probe's) builds its API client from the
reader identity only and never loads the writer's credentials; its transport sends nothing but GET; and
its shell refuses write commands before anything runs. A read-write environment (the Executor's) holds
the writer identity only, whose RBAC Role allows exactly the adapter's write verbs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from agents.cli.shell import run_command_line
from agents.kube import telemetry
from agents.kube.client import KubeTransport, api_client_for
from agents.kube.config import KubeSettings
from agents.kube.errors import KubeApiError
from agents.kube.exports import ExportStore
from agents.kube.kubectl import KubectlProgram, helm_unavailable
from agents.kube.logs import LogRequest, first_pod_of_service, pod_log

NO_SERVICE = "Error: Your service/namespace does not exist. Use kubectl to check."
METRICS_FOLDER = "metrics_output"
TRACES_FOLDER = "trace_output"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KubernetesEnvironment:
    """One session's handle on a real cluster, as the reader (``read_only``) or as the writer."""

    def __init__(
        self,
        settings: KubeSettings,
        *,
        read_only: bool,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        identity = settings.reader if read_only else settings.writer
        self._settings = settings
        self._read_only = read_only
        self._clock = clock
        self._transport = KubeTransport(
            api_client_for(identity),
            read_only=read_only,
            request_timeout=settings.request_timeout,
        )
        self._exports = ExportStore()

    @property
    def read_only(self) -> bool:
        """True for a Probe's handle: writes are refused before they are parsed."""
        return self._read_only

    def get_logs(self, namespace: str, service: str) -> str:
        """Logs of the first pod labelled as ``service``; AIOpsLab's one error line on any failure."""
        if not self._settings.allows_namespace(namespace):
            return NO_SERVICE
        transport = self._transport.within(self._settings.request_timeout * 4)
        try:
            pod = first_pod_of_service(transport, namespace, service)
            if pod is None:
                return NO_SERVICE
            return pod_log(transport, pod, LogRequest()).text
        except KubeApiError:
            return NO_SERVICE

    def get_metrics(self, namespace: str, duration: int = 5) -> str:
        """Export ``duration`` minutes of the namespace's container metrics from Prometheus."""
        url = self._settings.prometheus_url
        if url is None:
            return "Error: metrics are not configured for this cluster (no Prometheus URL in the Kubernetes settings)."
        if not self._settings.allows_namespace(namespace):
            return f"Error: namespace {namespace} is not one this platform may inspect."
        window = telemetry.Window.last(self._clock(), max(1, duration))
        try:
            rows = telemetry.metric_rows(url, namespace, window, self._settings.request_timeout)
        except telemetry.TelemetryError as error:
            return f"Error: {error}"
        if not rows:
            return f"No metrics found for namespace {namespace} in the last {duration} minutes."
        folder = f"{METRICS_FOLDER}/{namespace}/{window.stamp}"
        paths = telemetry.export_metrics(self._exports, folder, rows)
        return "\n".join([f"Metrics exported to {folder}/ ({len(paths)} files):", *paths])

    def read_metrics(self, file_path: str) -> str:
        """The table of one metrics file exported by this session."""
        table = self._exports.table(file_path)
        return table if table is not None else f"error: Metrics file '{file_path}' not found."

    def get_traces(self, namespace: str, duration: int = 5) -> str:
        """Export ``duration`` minutes of traces from Jaeger's query API; return the file's path."""
        template = self._settings.jaeger_url
        if template is None:
            return "Error: traces are not configured for this cluster (no Jaeger URL in the Kubernetes settings)."
        if not self._settings.allows_namespace(namespace):
            return f"Error: namespace {namespace} is not one this platform may inspect."
        window = telemetry.Window.last(self._clock(), max(1, duration))
        try:
            rows = telemetry.trace_rows(
                template.replace("{namespace}", namespace), window, self._settings.request_timeout
            )
        except telemetry.TelemetryError as error:
            return f"Error: {error}"
        path = f"{TRACES_FOLDER}/{namespace}/{window.stamp}/traces.csv"
        self._exports.write(path, telemetry.TRACES_HEADER, rows)
        return f"Traces exported to {path} ({len(rows)} spans)."

    def read_traces(self, file_path: str) -> str:
        """The table of one traces file exported by this session."""
        table = self._exports.table(file_path)
        return table if table is not None else f"error: Traces file '{file_path}' not found."

    def exec_shell(self, command: str, timeout: int = 30) -> str:
        """Run a kubectl command line (parsed, never given to a shell) within ``timeout`` seconds."""
        program = KubectlProgram(
            self._transport.within(max(1, timeout)), self._settings, read_only=self._read_only, clock=self._clock
        )
        outcome = run_command_line(
            command, programs={"kubectl": program, "helm": helm_unavailable}, read_only=self._read_only
        )
        return outcome.output
