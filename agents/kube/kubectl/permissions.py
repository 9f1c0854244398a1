"""What the adapter's commands may ask of the API server, by identity.

The writer's RBAC Role (``agents/kube/rbac/writer-role.yaml``) grants exactly :data:`WRITER_REQUESTS`, and
the tests check both ways: the manifest against this table, and every request the adapter sends against
the manifest. A write command outside these is refused before any request.
"""

from __future__ import annotations

# (verb, API group, resource): every request a write command sends.
WRITER_REQUESTS = frozenset(
    {
        ("get", "apps", "deployments"),
        ("patch", "apps", "deployments"),
        ("patch", "apps", "deployments/scale"),
        ("list", "apps", "replicasets"),
        ("get", "", "services"),
        ("patch", "", "services"),
        ("list", "", "pods"),
        ("delete", "", "pods"),
    }
)

# Resource types each write command accepts (plural names).
PATCHABLE = frozenset({"deployments", "services"})
SCALABLE = frozenset({"deployments"})
SETTABLE = frozenset({"deployments"})
ROLLABLE = frozenset({"deployments"})
DELETABLE = frozenset({"pods"})
