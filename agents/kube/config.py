"""Settings of the Kubernetes adapter: two identities (reader, writer) and where telemetry lives.

Built from a plain mapping so that Django settings, a YAML file or a test can supply it. Everything is
validated here, once: an unknown key, a missing context or a reader that is the writer is a
:class:`KubeConfigError`, never a silently widened credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agents.environment import CloudEnvironmentError

_IDENTITY_KEYS = frozenset({"kubeconfig", "context", "in_cluster", "token_file", "ca_file"})
_SETTINGS_KEYS = frozenset(
    {"reader", "writer", "namespaces", "request_timeout", "default_namespace", "prometheus_url", "jaeger_url"}
)


class KubeConfigError(CloudEnvironmentError):
    """The adapter's settings are incomplete or unsafe; nothing was contacted."""


@dataclass(frozen=True)
class KubeIdentity:
    """One credential: a context of a kubeconfig file, or an in-cluster service account token.

    ``kubeconfig`` None means kubectl's default file (``$KUBECONFIG`` or ``~/.kube/config``). An in-cluster
    identity reads the pod's service account token unless ``token_file`` names another one (a projected
    token of a second service account), which is how one pod holds a reader and a writer.
    """

    kubeconfig: str | None = None
    context: str | None = None
    in_cluster: bool = False
    token_file: str | None = None
    ca_file: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, role: str) -> KubeIdentity:
        """Validate one identity's mapping; ``role`` ("reader" or "writer") only words the errors."""
        unknown = sorted(set(data) - _IDENTITY_KEYS)
        if unknown:
            raise KubeConfigError(f"{role}: unknown keys {unknown}")
        identity = cls(
            kubeconfig=_optional_str(data, "kubeconfig", role),
            context=_optional_str(data, "context", role),
            in_cluster=_bool(data, "in_cluster", role),
            token_file=_optional_str(data, "token_file", role),
            ca_file=_optional_str(data, "ca_file", role),
        )
        identity._check(role)
        return identity

    def _check(self, role: str) -> None:
        if self.in_cluster and (self.kubeconfig or self.context):
            raise KubeConfigError(f"{role}: in_cluster excludes kubeconfig and context")
        if not self.in_cluster and not self.context:
            # The current-context of a shared kubeconfig may be anyone's: each role names its own.
            raise KubeConfigError(f"{role}: a kubeconfig identity must name its context")
        if not self.in_cluster and (self.token_file or self.ca_file):
            raise KubeConfigError(f"{role}: token_file and ca_file apply to in-cluster identities only")

    def describe(self) -> str:
        """Where the credential comes from, for messages (never the credential itself)."""
        if self.in_cluster:
            return f"in-cluster service account ({self.token_file or 'the pod token'})"
        return f"context {self.context!r} of {self.kubeconfig or 'the default kubeconfig'}"


@dataclass(frozen=True)
class KubeSettings:
    """The adapter's configuration. ``namespaces`` empty means every namespace the credentials allow.

    ``jaeger_url`` may contain ``{namespace}``: AIOpsLab's applications each run their own Jaeger.
    """

    reader: KubeIdentity
    writer: KubeIdentity
    namespaces: tuple[str, ...] = ()
    request_timeout: float = 10.0
    default_namespace: str = "default"
    prometheus_url: str | None = None
    jaeger_url: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> KubeSettings:
        """Validate the whole mapping (see docs/kubernetes.md for its keys)."""
        unknown = sorted(set(data) - _SETTINGS_KEYS)
        if unknown:
            raise KubeConfigError(f"unknown keys {unknown}")
        settings = cls(
            reader=KubeIdentity.from_mapping(_mapping(data, "reader"), role="reader"),
            writer=KubeIdentity.from_mapping(_mapping(data, "writer"), role="writer"),
            namespaces=_namespaces(data),
            request_timeout=_timeout(data),
            default_namespace=_optional_str(data, "default_namespace", "settings") or "default",
            prometheus_url=_url(data, "prometheus_url"),
            jaeger_url=_url(data, "jaeger_url"),
        )
        if settings.reader == settings.writer:
            raise KubeConfigError("reader and writer must be different identities")
        return settings

    def allows_namespace(self, namespace: str) -> bool:
        """True when the adapter may address ``namespace``."""
        return not self.namespaces or namespace in self.namespaces


def _mapping(data: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise KubeConfigError(f"{key}: a mapping is required")
    return value


def _optional_str(data: Mapping[str, object], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise KubeConfigError(f"{where}: {key} must be a non-empty string")
    return value


def _bool(data: Mapping[str, object], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise KubeConfigError(f"{where}: {key} must be true or false")
    return value


def _namespaces(data: Mapping[str, object]) -> tuple[str, ...]:
    value = data.get("namespaces", ())
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise KubeConfigError("namespaces must be a list of names")
    if not all(isinstance(name, str) and name for name in value):
        raise KubeConfigError("namespaces must be a list of names")
    return tuple(value)


def _timeout(data: Mapping[str, object]) -> float:
    value = data.get("request_timeout", 10.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise KubeConfigError("request_timeout must be a positive number of seconds")
    return float(value)


def _url(data: Mapping[str, object], key: str) -> str | None:
    value = _optional_str(data, key, "settings")
    if value is not None and not value.startswith(("http://", "https://")):
        raise KubeConfigError(f"{key} must be an http(s) URL")
    return value.rstrip("/") if value else None
