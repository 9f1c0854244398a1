"""``kubectl describe`` of Services (each port with its endpoints from ``related``) and Endpoints.

kubectl 1.32 reads a Service's endpoints from its EndpointSlices; the describer takes the Endpoints object
(which holds the same ready addresses) and prints them as kubectl prints the slices.
"""

from __future__ import annotations

from agents.cli.describe.common import (
    Context,
    JSONObj,
    Writer,
    meta,
    write_annotations,
    write_events,
    write_header,
    write_labels,
)
from agents.cli.render import format_endpoints, format_labels


def describe_service(w: Writer, service: JSONObj, ctx: Context) -> None:
    spec = service.get("spec") or {}
    write_header(w, service)
    write_labels(w, "Labels", meta(service, "labels"))
    write_annotations(w, "Annotations", meta(service, "annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type') or 'ClusterIP'}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    for title, key in (("External IPs", "externalIPs"), ("Desired LoadBalancer IP", "loadBalancerIP")):
        value = spec.get(key)
        if value:
            w.write(0, f"{title}:\t{','.join(value) if isinstance(value, list) else value}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    endpoints = ctx.related.get("endpoints")
    for port in spec.get("ports") or []:
        _service_port(w, port, endpoints, selected=bool(spec.get("selector")))
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity') or 'None'}\n")
    for title, key in (
        ("External Traffic Policy", "externalTrafficPolicy"),
        ("Internal Traffic Policy", "internalTrafficPolicy"),
    ):
        if spec.get(key):
            w.write(0, f"{title}:\t{spec[key]}\n")
    write_events(w, ctx)


def _service_port(w: Writer, port: JSONObj, endpoints: JSONObj | None, *, selected: bool) -> None:
    name = port.get("name") or "<unset>"
    protocol = port.get("protocol") or "TCP"
    w.write(0, f"Port:\t{name}\t{port.get('port')}/{protocol}\n")
    w.write(0, f"TargetPort:\t{port.get('targetPort', port.get('port'))}/{protocol}\n")
    if port.get("appProtocol"):
        w.write(0, f"AppProtocol:\t{port['appProtocol']}\n")
    if port.get("nodePort"):
        w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}\n")
    shown = format_endpoints(endpoints, {str(port.get("name") or "")})
    # kubectl reads the Service's EndpointSlices: a selector's (possibly empty) slice with no ready
    # endpoint prints nothing; only a Service without any slice prints <none>.
    if shown == "<none>" and endpoints is not None and selected:
        shown = ""
    w.write(0, f"Endpoints:\t{shown}\n")


def describe_endpoints(w: Writer, endpoints: JSONObj, ctx: Context) -> None:
    write_header(w, endpoints)
    write_labels(w, "Labels", meta(endpoints, "labels"))
    write_annotations(w, "Annotations", meta(endpoints, "annotations"))
    w.write(0, "Subsets:\n")
    for subset in endpoints.get("subsets") or []:
        for title, key in (("Addresses", "addresses"), ("NotReadyAddresses", "notReadyAddresses")):
            ips = ",".join(address.get("ip", "") for address in subset.get(key) or [])
            w.write(1, f"{title}:\t{ips or '<none>'}\n")
        if subset.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for port in subset["ports"]:
                w.write(2, f"{port.get('name') or '<unset>'}\t{port.get('port')}\t{port.get('protocol') or 'TCP'}\n")
        w.write(0, "\n")
    write_events(w, ctx)
