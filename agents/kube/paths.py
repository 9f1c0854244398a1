"""URL paths of the Kubernetes REST API, from a resource's apiVersion, plural and scope.

``v1`` lives under ``/api/v1``; every group under ``/apis/<group>/<version>``. Names are quoted so that
a name from an agent cannot walk to another path.
"""

from __future__ import annotations

from urllib.parse import quote


def api_root(api_version: str) -> str:
    """``/api/v1`` for the core group, ``/apis/apps/v1`` for ``apps/v1``."""
    return "/api/v1" if api_version == "v1" else f"/apis/{api_version}"


def collection_path(api_version: str, plural: str, namespace: str | None) -> str:
    """The collection of ``plural``: in ``namespace``, or cluster-wide when it is None."""
    if namespace is None:
        return f"{api_root(api_version)}/{plural}"
    return f"{api_root(api_version)}/namespaces/{_segment(namespace)}/{plural}"


def object_path(api_version: str, plural: str, namespace: str | None, name: str, subresource: str = "") -> str:
    """One object, or one of its subresources (``log``, ``scale``)."""
    path = f"{collection_path(api_version, plural, namespace)}/{_segment(name)}"
    return f"{path}/{subresource}" if subresource else path


def _segment(value: str) -> str:
    return quote(value, safe="")
