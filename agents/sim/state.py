"""The simulated cluster's state: Kubernetes objects as API-shaped dicts plus what Kubernetes cannot show.

Spec objects (Deployments, Services, ConfigMaps, PersistentVolumes, ...) are held exactly as the API
would return them, so a `kubectl patch` works on them as it would on a real cluster. Pods are runtime
records advanced by the engine (``agents.sim.engine``); their API form is rendered on demand. State that
lives outside Kubernetes (MongoDB users, Helm release history, flags loaded by flagd) has its own records.
Faults change this state; every symptom is derived from it.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from agents.sim.apps import AppSpec

JSON = dict[str, Any]
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
EPOCH = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)


def stable_rng(*parts: object) -> random.Random:
    """A random stream fixed by its parts (seed, purpose, object), the same in every process."""
    return random.Random(":".join(str(part) for part in parts))  # noqa: S311 - simulation, not security


def short_hash(text: str, length: int) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return "".join(NAME_ALPHABET[byte % len(NAME_ALPHABET)] for byte in digest[:length])


def fake_uid(*parts: object) -> str:
    digest = hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


@functools.lru_cache(maxsize=4096)
def _stamp(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SimClock:
    """Simulated seconds since ``EPOCH`` (plus a per-seed offset); every interface call moves it on."""

    now: float = 0.0

    def at(self, seconds: float) -> datetime:
        return EPOCH + timedelta(seconds=seconds)

    def stamp(self, seconds: float) -> str:
        return _stamp(int(seconds // 1))

    @property
    def datetime(self) -> datetime:
        return self.at(self.now)


@dataclass
class ContainerRun:
    """One start of a pod's container: when, how it behaved (the engine's verdict), how it ended."""

    started_at: float
    outcome: Any  # engine.StartOutcome, kept opaque here to keep this module free of rules
    finished_at: float | None = None
    exit_code: int | None = None
    reason: str | None = None


@dataclass
class PodRecord:
    """A pod as the kubelet knows it. Its API dict is rendered from this record by ``engine.pod_object``."""

    name: str
    namespace: str
    owner: str
    template_hash: str
    template: JSON
    created_at: float
    uid: str
    ip: str
    node: str | None = None
    scheduled_at: float | None = None
    pending_reason: str | None = None
    runs: list[ContainerRun] = field(default_factory=list)
    restarts: int = 0
    next_start_at: float | None = None
    waiting_reason: str | None = None
    image_ok: bool = True
    deleted_at: float | None = None
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def current_run(self) -> ContainerRun | None:
        return self.runs[-1] if self.runs else None

    @property
    def running(self) -> bool:
        run = self.current_run
        return run is not None and run.finished_at is None


@dataclass
class MongoUser:
    """A MongoDB user and its roles, as ``db.getUsers()`` would list them."""

    name: str
    password: str
    roles: list[tuple[str, str]]  # (role, db)


@dataclass
class MongoServer:
    """The data a MongoDB deployment keeps on its volume: users survive pod restarts."""

    users: dict[str, MongoUser] = field(default_factory=dict)


@dataclass
class HelmRevision:
    revision: int
    values: JSON
    updated: float
    status: str
    description: str


@dataclass
class HelmRelease:
    name: str
    namespace: str
    chart: str
    app_version: str
    revisions: list[HelmRevision] = field(default_factory=list)

    @property
    def current(self) -> HelmRevision:
        return self.revisions[-1]


@dataclass
class EventRecord:
    """A Kubernetes Event, aggregated by (object, reason, message) as the API does."""

    namespace: str
    kind: str
    name: str
    uid: str
    type: str
    reason: str
    message: str
    source: str
    first: float
    last: float
    count: int = 1


@dataclass
class ClusterState:
    """Everything the simulated cluster knows. Mutated only by the engine, kubectl/helm/mongo and faults."""

    seed: int
    app: AppSpec
    leaks: bool
    clock: SimClock
    objects: dict[tuple[str, str, str], JSON] = field(default_factory=dict)
    pods: dict[tuple[str, str], PodRecord] = field(default_factory=dict)
    mongo: dict[str, MongoServer] = field(default_factory=dict)
    helm: dict[tuple[str, str], HelmRelease] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    history: dict[tuple[str, str], list[tuple[int, str, JSON]]] = field(default_factory=dict)
    noisy_restart: str | None = None  # the component whose first pod restarts once at start-up (benign noise)
    planted: list[tuple[str, str]] = field(default_factory=list)  # (component, text) adversarial log lines
    hidden_objects: list[JSON] = field(default_factory=list)  # fault machinery an agent must not see (leaks off)
    hidden_flags: set[str] = field(default_factory=set)
    resource_version: int = 1000
    pod_serial: int = 0

    # --- objects ---------------------------------------------------------------------------------
    def get(self, plural: str, namespace: str, name: str) -> JSON | None:
        return self.objects.get((plural, namespace, name))

    def put(self, plural: str, namespace: str, obj: JSON) -> JSON:
        self.resource_version += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.resource_version)
        self.objects[(plural, namespace, obj["metadata"]["name"])] = obj
        return obj

    def delete(self, plural: str, namespace: str, name: str) -> JSON | None:
        return self.objects.pop((plural, namespace, name), None)

    def find(self, plural: str, namespace: str | None = None) -> list[JSON]:
        found = [
            obj
            for (kind, ns, _), obj in self.objects.items()
            if kind == plural and (namespace is None or ns == namespace)
        ]
        return sorted(found, key=lambda obj: (obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))

    def namespaces(self) -> list[str]:
        return [obj["metadata"]["name"] for obj in self.find("namespaces")]

    def deployment(self, name: str, namespace: str | None = None) -> JSON | None:
        return self.get("deployments", namespace or self.app.namespace, name)

    def service(self, name: str, namespace: str | None = None) -> JSON | None:
        return self.get("services", namespace or self.app.namespace, name)

    # --- pods ------------------------------------------------------------------------------------
    def live_pods(self, namespace: str | None = None) -> Iterator[PodRecord]:
        for pod in sorted(self.pods.values(), key=lambda record: (record.namespace, record.name)):
            if pod.deleted_at is None and (namespace is None or pod.namespace == namespace):
                yield pod

    def pods_of(self, owner: str, namespace: str | None = None) -> list[PodRecord]:
        wanted = namespace or self.app.namespace
        return [pod for pod in self.live_pods(wanted) if pod.owner == owner]

    # --- events ----------------------------------------------------------------------------------
    def record_event(
        self,
        *,
        namespace: str,
        kind: str,
        name: str,
        uid: str,
        reason: str,
        message: str,
        source: str,
        type_: str = "Normal",
        at: float | None = None,
    ) -> None:
        when = self.clock.now if at is None else at
        for event in reversed(self.events):
            if (event.namespace, event.kind, event.name, event.reason, event.message) == (
                namespace,
                kind,
                name,
                reason,
                message,
            ):
                event.count += 1
                event.last = max(event.last, when)
                return
        self.events.append(
            EventRecord(namespace, kind, name, uid, type_, reason, message, source, first=when, last=when)
        )

    def rng(self, *parts: object) -> random.Random:
        return stable_rng(self.seed, *parts)
