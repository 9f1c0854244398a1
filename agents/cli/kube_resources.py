"""The resource types kubectl knows on an AIOpsLab cluster, and how a name on the command line maps to one.

kubectl resolves a type from its plural, singular, short name or Kind, case-insensitively, optionally
qualified by group (``deployments.apps``, ``deployments.v1.apps``). ``all`` is the category of workload
types, expanded in discovery order as ``kubectl get all`` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.cli.errors import KubectlUsageError


@dataclass(frozen=True)
class ResourceType:
    """One API resource. ``plural`` is the canonical name used everywhere else in the platform."""

    plural: str
    singular: str
    kind: str
    short_names: tuple[str, ...]
    api_version: str
    namespaced: bool

    @property
    def group(self) -> str:
        """The API group, "" for the core group."""
        return self.api_version.rpartition("/")[0]

    @property
    def qualified_name(self) -> str:
        """How kubectl prefixes an object of this type: ``pod``, ``deployment.apps``, ``podchaos.chaos-mesh.org``."""
        return f"{self.singular}.{self.group}" if self.group else self.singular


def _rt(plural: str, singular: str, kind: str, shorts: str, api_version: str, namespaced: bool = True) -> ResourceType:
    return ResourceType(plural, singular, kind, tuple(shorts.split()), api_version, namespaced)


_CHAOS = "chaos-mesh.org/v1alpha1"
_RBAC = "rbac.authorization.k8s.io/v1"

RESOURCE_TYPES: tuple[ResourceType, ...] = (
    _rt("pods", "pod", "Pod", "po", "v1"),
    _rt("services", "service", "Service", "svc", "v1"),
    _rt("deployments", "deployment", "Deployment", "deploy", "apps/v1"),
    _rt("replicasets", "replicaset", "ReplicaSet", "rs", "apps/v1"),
    _rt("statefulsets", "statefulset", "StatefulSet", "sts", "apps/v1"),
    _rt("daemonsets", "daemonset", "DaemonSet", "ds", "apps/v1"),
    _rt("jobs", "job", "Job", "", "batch/v1"),
    _rt("cronjobs", "cronjob", "CronJob", "cj", "batch/v1"),
    _rt("endpoints", "endpoints", "Endpoints", "ep", "v1"),
    _rt("configmaps", "configmap", "ConfigMap", "cm", "v1"),
    _rt("secrets", "secret", "Secret", "", "v1"),
    _rt("events", "event", "Event", "ev", "v1"),
    _rt("namespaces", "namespace", "Namespace", "ns", "v1", namespaced=False),
    _rt("nodes", "node", "Node", "no", "v1", namespaced=False),
    _rt("persistentvolumes", "persistentvolume", "PersistentVolume", "pv", "v1", namespaced=False),
    _rt("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", "pvc", "v1"),
    _rt("serviceaccounts", "serviceaccount", "ServiceAccount", "sa", "v1"),
    _rt("ingresses", "ingress", "Ingress", "ing", "networking.k8s.io/v1"),
    _rt("networkpolicies", "networkpolicy", "NetworkPolicy", "netpol", "networking.k8s.io/v1"),
    _rt("replicationcontrollers", "replicationcontroller", "ReplicationController", "rc", "v1"),
    _rt("horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", "hpa", "autoscaling/v2"),
    _rt("poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", "pdb", "policy/v1"),
    _rt("resourcequotas", "resourcequota", "ResourceQuota", "quota", "v1"),
    _rt("limitranges", "limitrange", "LimitRange", "limits", "v1"),
    _rt("endpointslices", "endpointslice", "EndpointSlice", "", "discovery.k8s.io/v1"),
    _rt("storageclasses", "storageclass", "StorageClass", "sc", "storage.k8s.io/v1", namespaced=False),
    _rt("roles", "role", "Role", "", _RBAC),
    _rt("rolebindings", "rolebinding", "RoleBinding", "", _RBAC),
    _rt("clusterroles", "clusterrole", "ClusterRole", "", _RBAC, namespaced=False),
    _rt("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", "", _RBAC, namespaced=False),
    _rt(
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        "crd crds",
        "apiextensions.k8s.io/v1",
        namespaced=False,
    ),
    _rt("podchaos", "podchaos", "PodChaos", "", _CHAOS),
    _rt("networkchaos", "networkchaos", "NetworkChaos", "", _CHAOS),
    _rt("stresschaos", "stresschaos", "StressChaos", "", _CHAOS),
    _rt("iochaos", "iochaos", "IOChaos", "", _CHAOS),
    _rt("httpchaos", "httpchaos", "HTTPChaos", "", _CHAOS),
)

ALL_CATEGORY: tuple[str, ...] = (
    "pods",
    "replicationcontrollers",
    "services",
    "daemonsets",
    "deployments",
    "replicasets",
    "statefulsets",
    "horizontalpodautoscalers",
    "cronjobs",
    "jobs",
)


def _index() -> dict[str, ResourceType]:
    names: dict[str, ResourceType] = {}
    for resource in RESOURCE_TYPES:
        for name in (resource.plural, resource.singular, resource.kind.lower(), *resource.short_names):
            names.setdefault(name, resource)
    return names


_BY_NAME = _index()


def resource_type(name: str) -> ResourceType:
    """The type ``name`` denotes, or ``KubectlUsageError`` with kubectl's wording for an unknown type."""
    lowered = name.lower()
    found = _BY_NAME.get(lowered)
    if found is not None:
        return found
    base, _, qualifier = lowered.partition(".")
    candidate = _BY_NAME.get(base)
    if candidate is not None and candidate.group and qualifier in _qualifiers(candidate):
        return candidate
    raise KubectlUsageError(f'error: the server doesn\'t have a resource type "{name}"')


def _qualifiers(resource: ResourceType) -> tuple[str, str]:
    version = resource.api_version.rpartition("/")[2]
    return resource.group, f"{version}.{resource.group}"


def resource_types_for(name: str) -> tuple[ResourceType, ...]:
    """``name`` resolved, with the ``all`` category expanded to its member types."""
    if name.lower() == "all":
        return tuple(resource_type(plural) for plural in ALL_CATEGORY)
    return (resource_type(name),)
