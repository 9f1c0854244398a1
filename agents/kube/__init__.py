"""A real Kubernetes cluster behind the agent-cloud interface, over the official ``kubernetes`` client.

Probes get a :class:`KubernetesEnvironment` built with ``read_only=True`` (the reader identity, GET only);
the Executor one built with ``read_only=False`` (the writer identity). Settings come from a plain
mapping: ``KubeSettings.from_mapping(...)``. See docs/kubernetes.md.
"""

from agents.kube.config import KubeConfigError, KubeIdentity, KubeSettings

__all__ = ["KubeConfigError", "KubeIdentity", "KubeSettings", "KubernetesEnvironment"]


def __getattr__(name: str) -> object:
    # The environment pulls in the kubernetes client; settings validation should not have to.
    if name == "KubernetesEnvironment":
        from agents.kube.environment import KubernetesEnvironment

        return KubernetesEnvironment
    raise AttributeError(name)
