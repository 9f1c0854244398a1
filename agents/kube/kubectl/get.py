"""``kubectl get`` and ``kubectl events``: GETs and LISTs of the API, printed by ``agents.cli.render``.

Named objects are fetched one by one (a missing one is kubectl's NotFound line, the others still print);
unnamed types are listed with the command's label and field selectors, cluster-wide for ``-A``. All the
types of one command print through one ``render_get`` call, so several types come out as kubectl prints
them (``kind/name`` tables, one List for ``-o json``), sorted by ``--sort-by`` as kubectl sorts them.
"""

from __future__ import annotations

from typing import Any

from agents.cli.kube_resources import resource_type
from agents.cli.kubectl_args import KubectlCommand
from agents.cli.render import get_failed, render_get
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.session import EVENTS, Output, Session, fetch_named, group_refs, selector_query


def run_get(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl get TYPE[,TYPE] [NAME...] [-n NS | -A] [-l SEL] [--field-selector F] [-o FORMAT]``."""
    groups = group_refs(command.resources)
    if command.all_namespaces and any(names for _rtype, names in groups):
        raise KubeApiError("error: a resource cannot be retrieved by name across all namespaces")
    objects: list[dict[str, Any]] = []
    for rtype, names in groups:
        namespace = session.scope(rtype, command)
        if names:
            ignore = bool(command.flags.get("ignore-not-found"))
            objects += fetch_named(session, rtype, namespace, names, output, ignore_not_found=ignore)
        else:
            objects += session.collection(rtype, namespace, selector_query(command))
    named = all(names for _rtype, names in groups)
    if named and not objects:
        return
    sort_by = command.flags.get("sort-by")
    stdout, stderr = render_get(
        ",".join(rtype.plural for rtype, _names in groups),
        objects,
        now=session.now,
        output=command.output,
        all_namespaces=command.all_namespaces,
        show_kind=bool(command.flags.get("show-kind")),
        show_labels=bool(command.flags.get("show-labels")),
        no_headers=bool(command.flags.get("no-headers")),
        namespace=command.namespace or session.settings.default_namespace,
        single_item=len(command.resources) == 1 and named,
        presorted=named,
        sort_by=sort_by if isinstance(sort_by, str) else None,
    )
    output.stdout.append(stdout)
    if get_failed(stderr):
        output.fail(stderr)
    else:
        output.err(stderr)


def run_events(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl events [-n NS | -A] [--for KIND/NAME] [--types Normal,Warning]``, oldest first."""
    namespace = None if command.all_namespaces else session.namespace(command)
    query = []
    target = command.flags.get("for")
    if isinstance(target, str):
        kind, _, name = target.partition("/")
        if not name:
            raise KubeApiError(f"error: --for must be in resource/name form, not {target!r}")
        query.append(("fieldSelector", f"involvedObject.kind={resource_type(kind).kind},involvedObject.name={name}"))
    events = session.collection(EVENTS, namespace, query)
    types = command.flags.get("types")
    if isinstance(types, tuple):
        wanted = {t.lower() for t in types}
        events = [event for event in events if str(event.get("type", "")).lower() in wanted]
    events.sort(key=_event_time)
    stdout, stderr = render_get(
        "events",
        events,
        now=session.now,
        output=command.output,
        all_namespaces=command.all_namespaces,
        no_headers=bool(command.flags.get("no-headers")),
        namespace=namespace,
        presorted=True,
    )
    output.stdout.append(stdout)
    if get_failed(stderr):
        output.fail(stderr)
    else:
        output.err(stderr)


def _event_time(event: dict[str, Any]) -> str:
    return str(event.get("lastTimestamp") or event.get("eventTime") or event["metadata"].get("creationTimestamp", ""))
