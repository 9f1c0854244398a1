"""``kubectl describe`` output from API-shaped dicts.

Each describer writes kubectl's lines (``staging/src/k8s.io/kubectl/pkg/describe``): ``Label:\\tvalue`` pairs
indented two spaces per level, aligned by Go's tabwriter with kubectl's describe settings (two spaces of
padding, alignment per block of consecutive tabbed lines), and the Events table aligned on its own.
What a describer would fetch from the API server (a Service's Endpoints, a Deployment's ReplicaSets, the
pods on a node) comes in ``related``; the events about the object come in ``events``. Kinds without a
dedicated describer get kubectl's generic one, as CRDs such as Chaos Mesh experiments do.

``dispatch`` picks the describer; there is one module per kind family (``pods``, ``workloads``,
``services``, ``storage``, ``config``, ``nodes``, ``generic``), built on the writer and shared sections
in ``common``, the container and pod-spec sections in ``containers`` and ``podspec``, and the resource
arithmetic in ``agents.cli.quantities``. Import from this package, not from its modules.
"""

from agents.cli.describe.common import JSONObj as JSONObj
from agents.cli.describe.dispatch import render_describe

__all__ = ["render_describe"]
