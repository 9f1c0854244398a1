"""Services and endpoints: no ready endpoint, a targetPort no selected container listens on, a selector
that selects nothing.

A Service's traffic reaches a pod only if the selector matches the pod's labels and the targetPort is a
port its container declares; both are checked against the pods read in the same survey, so a port that
only ``describe`` or ``-o yaml`` shows (the default table prints the Service's own port) becomes a finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.analyzers.findings import CRITICAL, WARNING, Finding
from agents.analyzers.objects import JSON, Services, labels_match, meta, spec


def services_analyze(
    kube_services: list[JSON],
    pods: Sequence[JSON],
    deployments: Sequence[JSON],
    services: Services,
    *,
    source: str,
) -> list[Finding]:
    """Selector and port checks of every Service that has a selector (``kubectl get services -o json``)."""
    found: list[Finding] = []
    for kube_service in kube_services:
        selector = spec(kube_service).get("selector") or {}
        if not selector:
            continue
        name = str(meta(kube_service).get("name", ""))
        owner = services.of_labels(selector) or services.of_name(name) or name
        selected = [pod for pod in pods if labels_match(meta(pod).get("labels") or {}, selector)]
        if not selected:
            if not any(labels_match(_template_labels(d), selector) for d in deployments):
                detail = f"Service {name} selector {_text(selector)} matches no pod and no Deployment's pods"
                found.append(Finding(owner, "selector_matches_nothing", detail, source, CRITICAL))
            continue
        found += _ports(kube_service, name, owner, selected, source)
    return found


def _ports(kube_service: JSON, name: str, owner: str, pods: Sequence[JSON], source: str) -> list[Finding]:
    declared = _container_ports(pods)
    found = []
    for port in spec(kube_service).get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        if target in declared["numbers"] or target in declared["names"]:
            continue
        listening = ", ".join(str(number) for number in sorted(declared["numbers"])) or "none declared"
        detail = (
            f"Service {name} port {port.get('port')} sends to targetPort {target}, but its pods' containers "
            f"listen on {listening}"
        )
        found.append(Finding(owner, "target_port_mismatch", detail, source, CRITICAL))
    return found


def _container_ports(pods: Sequence[JSON]) -> dict[str, set[Any]]:
    numbers: set[Any] = set()
    names: set[Any] = set()
    for pod in pods:
        for container in spec(pod).get("containers") or []:
            for port in container.get("ports") or []:
                numbers.add(port.get("containerPort"))
                if port.get("name"):
                    names.add(port["name"])
    return {"numbers": numbers, "names": names}


def _template_labels(deployment: JSON) -> Mapping[str, str]:
    template = spec(deployment).get("template") or {}
    return meta(template).get("labels") or {}


def _text(selector: Mapping[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(selector.items()))


def endpoints_analyze(endpoints: list[JSON], services: Services, *, source: str) -> list[Finding]:
    """Services whose Endpoints hold no ready address (``kubectl get endpoints -o json``)."""
    found = []
    for endpoint in endpoints:
        name = str(meta(endpoint).get("name", ""))
        subsets = endpoint.get("subsets") or []
        ready = sum(len(subset.get("addresses") or []) for subset in subsets)
        not_ready = sum(len(subset.get("notReadyAddresses") or []) for subset in subsets)
        if ready:
            continue
        owner = services.of_name(name)
        if not owner:
            continue  # a Service of no Deployment here (the API server's own, an external name)
        waiting = f" ({not_ready} not ready)" if not_ready else ""
        severity = CRITICAL if not_ready or subsets else WARNING
        found.append(Finding(owner, "no_endpoints", f"Service {name} has no ready endpoint{waiting}", source, severity))
    return found
