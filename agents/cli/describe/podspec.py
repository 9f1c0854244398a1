"""The parts of a pod spec around its containers: Volumes, Tolerations and the Pod Template block.

The pod describer prints the first two; the workload describers print the Pod Template.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.cli.describe.common import JSONObj, Writer, meta, write_annotations, write_labels
from agents.cli.describe.containers import write_containers
from agents.cli.render import dig


def volume_lines(volume: JSONObj) -> str:
    """The ``Type:`` block of one volume, in kubectl's words, for the sources a pod commonly has."""
    if volume.get("configMap") is not None:
        source = volume["configMap"]
        optional = "true" if source.get("optional") else "false"
        return f"Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{source.get('name', '')}\n" + (
            f"    Optional:\t{optional}\n"
        )
    if volume.get("secret") is not None:
        source = volume["secret"]
        optional = "true" if source.get("optional") else "false"
        return f"Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{source.get('secretName', '')}\n" + (
            f"    Optional:\t{optional}\n"
        )
    if volume.get("emptyDir") is not None:
        source = volume["emptyDir"]
        return (
            "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
            f"    Medium:\t{source.get('medium', '')}\n    SizeLimit:\t{source.get('sizeLimit') or '<unset>'}\n"
        )
    if volume.get("hostPath") is not None:
        source = volume["hostPath"]
        kind = source.get("type", "<none>")
        return (
            "Type:\tHostPath (bare host directory volume)\n"
            f"    Path:\t{source.get('path', '')}\n    HostPathType:\t{kind}\n"
        )
    if volume.get("persistentVolumeClaim") is not None:
        source = volume["persistentVolumeClaim"]
        read_only = "true" if source.get("readOnly") else "false"
        return (
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n"
            f"    ClaimName:\t{source.get('claimName', '')}\n    ReadOnly:\t{read_only}\n"
        )
    if volume.get("projected") is not None:
        return _projected(volume["projected"])
    return "<unknown>\n"


def _projected(projected: JSONObj) -> str:
    text = "Type:\tProjected (a volume that contains injected data from multiple sources)\n"
    for source in projected.get("sources") or []:
        if source.get("secret") is not None:
            optional = "true" if dig(source, "secret", "optional") else "false"
            text += f"    SecretName:\t{dig(source, 'secret', 'name') or ''}\n    Optional:\t{optional}\n"
        elif source.get("downwardAPI") is not None:
            text += "    DownwardAPI:\ttrue\n"
        elif source.get("configMap") is not None:
            optional = "true" if dig(source, "configMap", "optional") else "false"
            text += f"    ConfigMapName:\t{dig(source, 'configMap', 'name') or ''}\n    Optional:\t{optional}\n"
        elif source.get("serviceAccountToken") is not None:
            text += f"    TokenExpirationSeconds:\t{dig(source, 'serviceAccountToken', 'expirationSeconds')}\n"
    return text


def write_volumes(w: Writer, volumes: Sequence[JSONObj] | None, space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for volume in volumes:
        w.write(1, f"{' ' if space else ''}{volume.get('name', '')}:\n")
        lines = volume_lines(volume)
        w.write(1 if lines == "<unknown>\n" else 2, lines)


def write_tolerations(w: Writer, title: str, tolerations: Sequence[JSONObj] | None) -> None:
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for index, toleration in enumerate(sorted(tolerations, key=lambda t: str(t.get("key", "")))):
        if index:
            w.write(0, "\t")
        key, value, effect = toleration.get("key", ""), toleration.get("value", ""), toleration.get("effect", "")
        text = key + (f"={value}" if value else "") + (f":{effect}" if effect else "")
        if toleration.get("operator") == "Exists" and not value:
            text += " op=Exists" if key or effect else "op=Exists"
        if toleration.get("tolerationSeconds") is not None:
            text += f" for {toleration['tolerationSeconds']}s"
        w.write(0, text + "\n")


def write_pod_template(w: Writer, template: JSONObj | None) -> None:
    """The Pod Template block of a workload, indented one level under its heading."""
    w.write(0, "Pod Template:\n")
    template = template or {}
    spec = template.get("spec") or {}
    write_labels(w, "  Labels", meta(template, "labels"))
    if meta(template, "annotations"):
        write_annotations(w, "  Annotations", meta(template, "annotations"))
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        write_containers(w, "Init Containers", spec, "initContainers", None, "  ")
    write_containers(w, "Containers", spec, "containers", None, "  ")
    write_volumes(w, spec.get("volumes"), "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    write_labels(w, "  Node-Selectors", spec.get("nodeSelector"))
    write_tolerations(w, "  Tolerations", spec.get("tolerations"))
