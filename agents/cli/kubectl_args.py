"""A kubectl command line as structured data, with kubectl's own refusals for malformed ones.

Shared by the simulated cluster and the real-cluster adapter, so both accept and reject exactly the
same lines. The verb is found as kubectl (cobra) finds it, stepping over flags before it; flags are
scanned as pflag scans them (``agents.cli.flags``); resource arguments are read as kubectl's resource
builder reads them (``pods,svc``, ``pod/foo``, ``deploy foo bar``, the ``all`` category).
Every refusal raises ``KubectlUsageError`` whose text is what kubectl prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from agents.cli.errors import HelmUsageError, KubectlUsageError
from agents.cli.flags import FlagError, FlagValue, find_command, scan_flags
from agents.cli.helm_args import HelmCommand, parse_helm
from agents.cli.kube_resources import RESOURCE_TYPES, ResourceType, resource_type, resource_types_for
from agents.cli.kubectl_flags import (
    GLOBAL_FLAGS,
    KUBECTL_VERBS,
    OUTPUT_FORMATS,
    SUBCOMMANDS,
    command_flags,
    subcommand_flags,
)

__all__ = [
    "OUTPUT_FORMATS",
    "RESOURCE_TYPES",
    "HelmCommand",
    "HelmUsageError",
    "KubectlCommand",
    "KubectlUsageError",
    "ResourceRef",
    "ResourceType",
    "find_command",
    "parse_helm",
    "parse_kubectl",
    "resource_type",
]

PATCH_TYPES = ("json", "merge", "strategic")
_NO_NAME = "error: resource(s) were provided, but no name was specified"
_NEED_RESOURCES = "error: one or more resources must be specified as <resource> <name> or <resource>/<name>"
_SLASH_ONLY = (
    "error: there is no need to specify a resource type as a separate argument when passing arguments in "
    "resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of "
    "'kubectl get resource resource/<resource_name>'"
)


@dataclass(frozen=True)
class ResourceRef:
    """A type and, when the line named one, an object name."""

    type: ResourceType
    name: str | None


@dataclass(frozen=True)
class KubectlCommand:
    """A parsed kubectl line. ``flags`` holds the flags given (long names), minus those lifted into fields."""

    verb: str
    subverb: str | None = None
    resources: tuple[ResourceRef, ...] = ()
    namespace: str | None = None
    all_namespaces: bool = False
    selector: str | None = None
    field_selector: str | None = None
    output: str | None = None
    flags: Mapping[str, FlagValue] = field(default_factory=lambda: MappingProxyType({}))
    args: tuple[str, ...] = ()


@dataclass
class _Line:
    """What the builders work on: the scanned line, with flags still mutable."""

    verb: str
    subverb: str | None
    flags: dict[str, FlagValue]
    positionals: tuple[str, ...]
    after_dashdash: tuple[str, ...] | None

    @property
    def path(self) -> str:
        return " ".join(part for part in ("kubectl", self.verb, self.subverb) if part)

    def has(self, *names: str) -> bool:
        return any(name in self.flags for name in names)

    def usage(self, message: str) -> KubectlUsageError:
        return KubectlUsageError(f"error: {message}\nSee '{self.path} -h' for help and examples")


def parse_kubectl(argv: Sequence[str]) -> KubectlCommand:
    """Parse ``argv`` (``argv[0] == "kubectl"``) or raise ``KubectlUsageError`` with kubectl's message."""
    if not argv or argv[0] != "kubectl":
        raise ValueError("parse_kubectl expects an argv that starts with 'kubectl'")
    tokens = list(argv[1:])
    at = find_command(tokens, {flag.name: flag for flag in GLOBAL_FLAGS})
    if at is None:
        return _build(_scan("help", None, tokens))
    verb = tokens.pop(at)
    if verb not in KUBECTL_VERBS:
        raise KubectlUsageError(_unknown_command(verb))
    subverb = _take_subcommand(verb, tokens)
    return _build(_scan(verb, subverb, tokens))


def _take_subcommand(verb: str, tokens: list[str]) -> str | None:
    names = SUBCOMMANDS.get(verb)
    if names is None:
        return None
    at = find_command(tokens, subcommand_flags(verb))
    if at is None:
        choices = ", ".join(sorted(set(names.values())))
        raise KubectlUsageError(
            f"error: kubectl {verb} needs a subcommand ({choices})\nSee 'kubectl {verb} -h' for help"
        )
    name = tokens.pop(at)
    if name not in names:
        raise KubectlUsageError(f"error: unknown command \"{name}\"\nSee 'kubectl {verb} -h' for help and examples")
    return names[name]


def _scan(verb: str, subverb: str | None, tokens: Sequence[str]) -> _Line:
    try:
        scanned = scan_flags(tokens, command_flags(verb, subverb))
    except FlagError as error:
        path = " ".join(part for part in ("kubectl", "" if verb == "help" else verb, subverb) if part)
        raise KubectlUsageError(f"error: {error}\nSee '{path} --help' for usage.") from None
    return _Line(verb, subverb, dict(scanned.flags), scanned.positionals, scanned.after_dashdash)


def _build(line: _Line) -> KubectlCommand:
    builder = _BUILDERS.get(line.verb, _plain_args)
    resources, args = builder(line)
    flags = line.flags
    return KubectlCommand(
        verb=line.verb,
        subverb=line.subverb,
        resources=resources,
        namespace=_pop_str(flags, "namespace"),
        all_namespaces=bool(flags.pop("all-namespaces", False)),
        selector=_pop_str(flags, "selector"),
        field_selector=_pop_str(flags, "field-selector"),
        output=_pop_str(flags, "output"),
        flags=MappingProxyType(flags),
        args=args,
    )


def _pop_str(flags: dict[str, FlagValue], name: str) -> str | None:
    value = flags.pop(name, None)
    return value if isinstance(value, str) else None


_Built = tuple[tuple[ResourceRef, ...], tuple[str, ...]]


def resource_refs(positionals: Sequence[str]) -> tuple[ResourceRef, ...]:
    """Resource arguments as kubectl's builder reads them: ``TYPE[,TYPE] [NAME...]`` or ``TYPE/NAME...``."""
    if not positionals:
        return ()
    with_slash = [arg for arg in positionals if "/" in arg]
    if with_slash:
        if len(with_slash) != len(positionals):
            if "/" not in positionals[0]:
                raise KubectlUsageError(_SLASH_ONLY)
            raise KubectlUsageError("error: arguments in resource/name form must have a single resource and name")
        return tuple(_slash_ref(arg) for arg in positionals)
    types = _dedupe(t for part in positionals[0].split(",") if part for t in resource_types_for(part))
    names = positionals[1:]
    if names and positionals[0].lower() == "all":
        raise KubectlUsageError("error: you must specify only one resource")
    if not names:
        return tuple(ResourceRef(t, None) for t in types)
    return tuple(ResourceRef(t, name) for t in types for name in names)


def _slash_ref(arg: str) -> ResourceRef:
    kind, _, name = arg.partition("/")
    if not kind or not name or "/" in name:
        raise KubectlUsageError("error: arguments in resource/name form must have a single resource and name")
    return ResourceRef(resource_type(kind), name)


def _dedupe(types: Iterable[ResourceType]) -> tuple[ResourceType, ...]:
    seen: list[ResourceType] = []
    for item in types:
        if item not in seen:
            seen.append(item)
    return tuple(seen)


def _plain_args(line: _Line) -> _Built:
    return (), (*line.positionals, *(line.after_dashdash or ()))


def _get(line: _Line) -> _Built:
    if line.has("raw"):
        if line.positionals:
            raise KubectlUsageError("error: arguments may not be passed when --raw is specified")
        return (), ()
    if not line.positionals and not line.has("filename", "kustomize"):
        raise KubectlUsageError(
            'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of '
            'supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" '
            "for a detailed description of that resource (e.g. kubectl explain pods).\n"
            "See 'kubectl get -h' for help and examples"
        )
    _check_output(line)
    return resource_refs(line.positionals), ()


# The formats whose argument ``--template`` may give instead of ``=ARG``: every one but json, yaml, wide, name.
_TEMPLATE_FORMATS = frozenset(OUTPUT_FORMATS) - {"json", "yaml", "wide", "name"}


def _check_output(line: _Line) -> None:
    _merge_template(line)
    output = line.flags.get("output")
    if not isinstance(output, str):
        return
    name, has_template, template = output.partition("=")
    if name not in OUTPUT_FORMATS:
        raise KubectlUsageError(
            f'error: unable to match a printer suitable for the output format "{output}", allowed formats are: '
            + ",".join(OUTPUT_FORMATS)
        )
    if name not in ("json", "yaml", "wide", "name") and not (has_template and template):
        raise KubectlUsageError("error: template format specified but no template given")


def _merge_template(line: _Line) -> None:
    """``--template T`` is the template of ``-o go-template`` (the default) or of a bare template format."""
    template = line.flags.pop("template", None)
    if not isinstance(template, str) or not template:
        return
    output = line.flags.get("output")
    if output is None:
        line.flags["output"] = f"go-template={template}"
    elif isinstance(output, str) and output in _TEMPLATE_FORMATS:
        line.flags["output"] = f"{output}={template}"
    elif isinstance(output, str) and "=" in output:
        raise KubectlUsageError(
            f'error: unable to match a printer suitable for the output format "{output}", allowed formats are: '
            + ",".join(OUTPUT_FORMATS)
        )


def _describe(line: _Line) -> _Built:
    if not line.positionals and not line.has("filename", "kustomize"):
        raise KubectlUsageError(
            'You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list '
            "of supported resources.\n\nerror: Required resource not specified.\n"
            "See 'kubectl describe -h' for help and examples"
        )
    return resource_refs(line.positionals), ()


def _delete(line: _Line) -> _Built:
    if not line.positionals and not line.has("filename", "kustomize"):
        raise KubectlUsageError(
            "error: You must provide one or more resources by argument or filename.\n"
            "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
            "   '<resource> <name>'\n   '<resource>'"
        )
    refs = resource_refs(line.positionals)
    if refs and _unnamed(refs) and not line.has("all", "selector", "field-selector"):
        raise KubectlUsageError(_NO_NAME)
    return refs, ()


def _unnamed(refs: Sequence[ResourceRef]) -> bool:
    return any(ref.name is None for ref in refs)


def _scale(line: _Line) -> _Built:
    if "replicas" not in line.flags:
        raise KubectlUsageError('error: required flag(s) "replicas" not set')
    return _named_targets(line, line.positionals, allow_all=True), ()


def _named_targets(line: _Line, positionals: Sequence[str], *, allow_all: bool) -> tuple[ResourceRef, ...]:
    if not positionals and not line.has("filename", "kustomize"):
        raise KubectlUsageError(_NEED_RESOURCES)
    refs = resource_refs(positionals)
    selected = allow_all and line.has("all", "selector")
    if refs and _unnamed(refs) and not selected:
        raise KubectlUsageError(_NO_NAME)
    return refs


def _patch(line: _Line) -> _Built:
    refs = _named_targets(line, line.positionals, allow_all=False)
    if not line.has("patch", "patch-file"):
        raise KubectlUsageError("error: must specify --patch or --patch-file containing the contents of the patch")
    patch_type = line.flags.get("type", "strategic")
    if patch_type not in PATCH_TYPES:
        raise KubectlUsageError(f'error: --type must be one of [json merge strategic], not "{patch_type}"')
    return refs, ()


def _is_update(arg: str) -> bool:
    return "=" in arg or arg.endswith("-")


def _with_updates(line: _Line, what: str) -> _Built:
    targets = [arg for arg in line.positionals if not _is_update(arg)]
    updates = tuple(arg for arg in line.positionals if _is_update(arg))
    refs = _named_targets(line, targets, allow_all=True)
    if not updates and not line.has("list"):
        raise KubectlUsageError(f"error: at least one {what} update is required")
    return refs, updates


def _set(line: _Line) -> _Built:
    if line.subverb == "image":
        return _with_updates(line, "image")
    if line.subverb == "env":
        targets = [arg for arg in line.positionals if not _is_update(arg)]
        updates = tuple(arg for arg in line.positionals if _is_update(arg))
        if not updates and not line.has("env", "from", "list"):
            raise KubectlUsageError("error: at least one environment variable must be provided")
        return _named_targets(line, targets, allow_all=True), updates
    if line.subverb in ("selector", "serviceaccount") and line.positionals:
        return _named_targets(line, line.positionals[:-1], allow_all=True), line.positionals[-1:]
    return _named_targets(line, line.positionals, allow_all=True), ()


def _label(line: _Line) -> _Built:
    return _with_updates(line, "label" if line.verb == "label" else "annotation")


def _rollout(line: _Line) -> _Built:
    if not line.positionals and not line.has("filename", "kustomize", "selector"):
        raise KubectlUsageError("error: required resource not specified")
    refs = resource_refs(line.positionals)
    if line.subverb == "status" and _unnamed(refs):
        raise KubectlUsageError(
            "error: rollout status is only supported on individual resources and resource collections are "
            "not supported yet"
        )
    return refs, ()


def _pod_target(arg: str) -> ResourceRef:
    return _slash_ref(arg) if "/" in arg else ResourceRef(resource_type("pods"), arg)


def _logs(line: _Line) -> _Built:
    count = len(line.positionals)
    if count > 2 or (count == 0 and not line.has("selector")):
        raise line.usage(
            "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
            "POD or TYPE/NAME is a required argument for the logs command"
        )
    if count == 2:
        line.flags.setdefault("container", line.positionals[1])
    return tuple(_pod_target(arg) for arg in line.positionals[:1]), ()


def _exec(line: _Line) -> _Built:
    if not line.positionals and not line.has("filename"):
        raise line.usage("pod, type/name or --filename must be specified")
    if len(line.positionals) > 1:
        raise line.usage("exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead")
    if not line.after_dashdash:
        raise line.usage("you must specify at least one command for the container")
    return tuple(_pod_target(arg) for arg in line.positionals), line.after_dashdash


def _pod_and_rest(line: _Line) -> _Built:
    if not line.positionals:
        raise line.usage("TYPE/NAME or POD is required")
    return (_pod_target(line.positionals[0]),), (*line.positionals[1:], *(line.after_dashdash or ()))


def _top(line: _Line) -> _Built:
    plural = "pods" if line.subverb == "pod" else "nodes"
    names = line.positionals or (None,)
    if len(names) > 1:
        raise line.usage(f"only one {line.subverb} name may be given")
    return tuple(ResourceRef(resource_type(plural), name) for name in names), ()


def _explain(line: _Line) -> _Built:
    if not line.positionals:
        raise KubectlUsageError(
            'You must specify the type of resource to explain. Use "kubectl api-resources" for a complete list '
            "of supported resources.\n\nerror: Required resource not specified.\n"
            "See 'kubectl explain -h' for help and examples"
        )
    first = line.positionals[0].partition(".")[0]
    return (ResourceRef(resource_type(first), None),), line.positionals


def _nodes(line: _Line) -> _Built:
    if not line.positionals and not line.has("selector"):
        raise line.usage(f"USAGE: kubectl {line.verb} NODE [flags]")
    nodes = resource_type("nodes")
    return tuple(_slash_ref(arg) if "/" in arg else ResourceRef(nodes, arg) for arg in line.positionals), ()


def _taint(line: _Line) -> _Built:
    targets = [arg for arg in line.positionals if not (_is_update(arg) or ":" in arg)]
    updates = tuple(arg for arg in line.positionals if _is_update(arg) or ":" in arg)
    if not updates:
        raise KubectlUsageError("error: at least one taint update is required")
    return _named_targets(line, targets, allow_all=True), updates


def _expose(line: _Line) -> _Built:
    return _named_targets(line, line.positionals, allow_all=False), ()


def _resources_only(line: _Line) -> _Built:
    return resource_refs(line.positionals), ()


def _apply(line: _Line) -> _Built:
    if not line.has("filename", "kustomize"):
        raise KubectlUsageError("error: must specify one of -f and -k")
    return (), line.positionals


# kubectl create's subcommands that make one named object, by canonical name, and their aliases.
_CREATE_KINDS = {
    "namespace": "namespaces",
    "deployment": "deployments",
    "configmap": "configmaps",
    "secret": "secrets",
    "service": "services",
    "serviceaccount": "serviceaccounts",
    "job": "jobs",
    "cronjob": "cronjobs",
    "role": "roles",
    "rolebinding": "rolebindings",
    "clusterrole": "clusterroles",
    "clusterrolebinding": "clusterrolebindings",
    "quota": "resourcequotas",
    "poddisruptionbudget": "poddisruptionbudgets",
    "ingress": "ingresses",
}
_CREATE_ALIASES = {
    "ns": "namespace",
    "deploy": "deployment",
    "cm": "configmap",
    "svc": "service",
    "sa": "serviceaccount",
    "cj": "cronjob",
    "resourcequota": "quota",
    "pdb": "poddisruptionbudget",
    "ing": "ingress",
}


def _create(line: _Line) -> _Built:
    if not line.positionals:
        if not line.has("filename", "kustomize", "raw"):
            raise KubectlUsageError("error: must specify one of -f and -k")
        return (), ()
    typed, args = line.positionals[0], line.positionals[1:]
    kind = _CREATE_ALIASES.get(typed, typed)
    if kind not in _CREATE_KINDS:
        raise KubectlUsageError(f"error: unknown command \"{typed}\"\nSee 'kubectl create -h' for help and examples")
    line.subverb = kind
    # `create secret generic NAME` and `create service clusterip NAME` name their flavour first.
    names = args[1:] if kind in ("secret", "service") else args
    refs = (ResourceRef(resource_type(_CREATE_KINDS[kind]), names[0]),) if names else ()
    return refs, (*args, *(line.after_dashdash or ()))


_BUILDERS: dict[str, Callable[[_Line], _Built]] = {
    "get": _get,
    "describe": _describe,
    "delete": _delete,
    "scale": _scale,
    "patch": _patch,
    "set": _set,
    "label": _label,
    "annotate": _label,
    "rollout": _rollout,
    "logs": _logs,
    "exec": _exec,
    "attach": _pod_and_rest,
    "port-forward": _pod_and_rest,
    "debug": _pod_and_rest,
    "top": _top,
    "explain": _explain,
    "cordon": _nodes,
    "uncordon": _nodes,
    "drain": _nodes,
    "taint": _taint,
    "expose": _expose,
    "autoscale": _expose,
    "edit": _resources_only,
    "wait": _resources_only,
    "replace": _apply,
    "apply": _apply,
    "create": _create,
}


def _unknown_command(verb: str) -> str:
    message = f'error: unknown command "{verb}" for "kubectl"'
    suggestions = [name for name in KUBECTL_VERBS if _close(verb, name)]
    if suggestions:
        message += "\n\nDid you mean this?\n" + "".join(f"\t{name}\n" for name in suggestions)
    return message.rstrip("\n")


def _close(typed: str, name: str) -> bool:
    """Cobra's suggestion rule: a prefix, or at most two edits away."""
    return name.startswith(typed.lower()) or _edit_distance(typed.lower(), name) <= 2


def _edit_distance(left: str, right: str) -> int:
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, start=1):
        current = [i]
        for j, b in enumerate(right, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1]
