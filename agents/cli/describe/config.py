"""``kubectl describe`` of ConfigMaps, Secrets and Namespaces: metadata plus the data keys.

A Secret's values are never printed, only their sizes, as kubectl does.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

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
from agents.cli.render import dig


def describe_configmap(w: Writer, configmap: JSONObj, ctx: Context) -> None:
    write_header(w, configmap)
    write_labels(w, "Labels", meta(configmap, "labels"))
    write_annotations(w, "Annotations", meta(configmap, "annotations"))
    w.write(0, "\nData\n====\n")
    data = configmap.get("data") or {}
    for key in sorted(data):
        w.write(0, f"{key}:\n----\n{data[key]}\n\n")
    w.write(0, "\nBinaryData\n====\n")
    binary = configmap.get("binaryData") or {}
    for key in sorted(binary):
        w.write(0, f"{key}: {_decoded_length(binary[key])} bytes\n")
    w.write(0, "\n")
    write_events(w, ctx)


def _decoded_length(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


def describe_secret(w: Writer, secret: JSONObj, ctx: Context) -> None:
    # Values are never printed, only their sizes, exactly as kubectl does for every key here.
    write_header(w, secret)
    write_labels(w, "Labels", meta(secret, "labels"))
    write_annotations(w, "Annotations", meta(secret, "annotations"))
    w.write(0, f"\nType:\t{secret.get('type', '')}\n")
    w.write(0, "\nData\n====\n")
    data = secret.get("data") or {}
    for key in sorted(data):
        w.write(0, f"{key}:\t{_decoded_length(data[key])} bytes\n")


def describe_namespace(w: Writer, namespace: JSONObj, ctx: Context) -> None:
    write_header(w, namespace, namespace=False)
    write_labels(w, "Labels", meta(namespace, "labels"))
    write_annotations(w, "Annotations", meta(namespace, "annotations"))
    w.write(0, f"Status:\t{dig(namespace, 'status', 'phase') or ''}\n")
    w.write(0, "\nNo resource quota.\n\nNo LimitRange resource.\n")
