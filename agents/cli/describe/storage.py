"""``kubectl describe`` of PersistentVolumeClaims and PersistentVolumes.

Status, capacity, the pods using a claim, a volume's node affinity and its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.cli.describe.common import (
    Context,
    JSONObj,
    Writer,
    go_list,
    meta,
    write_annotations,
    write_events,
    write_header,
    write_labels,
)
from agents.cli.describe.podspec import volume_lines
from agents.cli.render import access_modes, dig, storage_class_of


def describe_pvc(w: Writer, claim: JSONObj, ctx: Context) -> None:
    spec = claim.get("spec") or {}
    write_header(w, claim)
    w.write(0, f"StorageClass:\t{storage_class_of(claim)}\n")
    deleted = meta(claim, "deletionTimestamp")
    phase = f"Terminating (lasts {ctx.since(deleted)})" if deleted else dig(claim, "status", "phase") or ""
    w.write(0, f"Status:\t{phase}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    write_labels(w, "Labels", meta(claim, "labels"))
    write_annotations(w, "Annotations", meta(claim, "annotations"))
    w.write(0, f"Finalizers:\t{go_list(meta(claim, 'finalizers'))}\n")
    bound = bool(spec.get("volumeName"))
    capacity = dig(claim, "status", "capacity", "storage") if bound else ""
    w.write(0, f"Capacity:\t{capacity or ''}\n")
    w.write(0, f"Access Modes:\t{access_modes(dig(claim, 'status', 'accessModes')) if bound else ''}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    users = sorted(str(meta(pod, "name") or "") for pod in ctx.related.get("pods") or [])
    w.write(0, "Used By:\t")
    if not users:
        w.line("<none>")
    for index, user in enumerate(users):
        w.write(0, ("\t" if index else "") + f"{user}\n")
    write_events(w, ctx)


def _volume_affinity(w: Writer, affinity: JSONObj | None) -> None:
    terms = dig(affinity, "required", "nodeSelectorTerms")
    if dig(affinity, "required") is None:
        w.write(0, "Node Affinity:\t<none>\n")
        return
    w.write(0, "Node Affinity:\t\n")
    w.write(1, "Required Terms:\t" + ("<none>\n" if not terms else "\n"))
    for index, term in enumerate(terms or []):
        expressions = term.get("matchExpressions") or []
        w.write(2, f"Term {index}:\t" + ("<none>\n" if not expressions else ""))
        for position, expression in enumerate(expressions):
            text = f"{expression.get('key', '')} {str(expression.get('operator', '')).lower()}"
            values = expression.get("values") or []
            text += f" [{', '.join(values)}]" if values else ""
            w.write(2 if position else 0, ("\t" if position else "") + text + "\n")


def _pv_source(spec: JSONObj) -> str:
    if spec.get("hostPath") is not None:
        return volume_lines({"hostPath": spec["hostPath"]})
    if spec.get("local") is not None:
        path = dig(spec, "local", "path") or ""
        return f"Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{path}\n"
    if spec.get("nfs") is not None:
        nfs = spec["nfs"]
        read_only = "true" if nfs.get("readOnly") else "false"
        return (
            "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n"
            f"    Server:\t{nfs.get('server', '')}\n    Path:\t{nfs.get('path', '')}\n    ReadOnly:\t{read_only}\n"
        )
    if spec.get("csi") is not None:
        csi = spec["csi"]
        read_only = "true" if csi.get("readOnly") else "false"
        return (
            "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n"
            f"    Driver:\t{csi.get('driver', '')}\n    FSType:\t{csi.get('fsType', '')}\n"
            f"    VolumeHandle:\t{csi.get('volumeHandle', '')}\n    ReadOnly:\t{read_only}\n"
            + _csi_attributes(csi.get("volumeAttributes") or {})
        )
    return "<unknown>\n"


def _csi_attributes(attributes: Mapping[str, Any]) -> str:
    # kubectl prefixes every fragment of this block with the level-2 indent, hence the odd spacing.
    if not attributes:
        return "    VolumeAttributes:\t<none>\n"
    lines = [f"    VolumeAttributes:\t    {key}={attributes[key]}" for key in sorted(attributes)[:1]]
    lines += [f"        \t    {key}={attributes[key]}" for key in sorted(attributes)[1:]]
    return "\n".join(lines) + "\n"


def describe_pv(w: Writer, volume: JSONObj, ctx: Context) -> None:
    spec = volume.get("spec") or {}
    write_header(w, volume, namespace=False)
    write_labels(w, "Labels", meta(volume, "labels"))
    write_annotations(w, "Annotations", meta(volume, "annotations"))
    w.write(0, f"Finalizers:\t{go_list(meta(volume, 'finalizers'))}\n")
    w.write(0, f"StorageClass:\t{storage_class_of(volume)}\n")
    deleted = meta(volume, "deletionTimestamp")
    phase = f"Terminating (lasts {ctx.since(deleted)})" if deleted else dig(volume, "status", "phase") or ""
    w.write(0, f"Status:\t{phase}\n")
    claim = spec.get("claimRef")
    w.write(0, f"Claim:\t{claim.get('namespace', '')}/{claim.get('name', '')}\n" if claim else "Claim:\t\n")
    w.write(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}\n")
    w.write(0, f"Access Modes:\t{access_modes(spec.get('accessModes'))}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    w.write(0, f"Capacity:\t{dig(spec, 'capacity', 'storage') or '0'}\n")
    _volume_affinity(w, spec.get("nodeAffinity"))
    w.write(0, f"Message:\t{dig(volume, 'status', 'message') or ''}\nSource:\n")
    source = _pv_source(spec)
    w.write(1 if source == "<unknown>\n" else 2, source)
    write_events(w, ctx)
