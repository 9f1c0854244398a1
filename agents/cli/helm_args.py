"""A helm (v3) command line as structured data, with helm's own refusals for malformed ones.

helm is a cobra/pflag program like kubectl, so the same scanner reads its flags; its messages start
with ``Error:`` and name the command path (``"helm get values" requires 1 argument``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from agents.cli.errors import HelmUsageError
from agents.cli.flags import Flag, FlagError, FlagValue, find_command, flag_table, scan_flags

HELM_GLOBAL_FLAGS = (
    Flag("namespace", "n"),
    Flag("debug", kind="bool"),
    Flag("burst-limit", kind="int"),
    Flag("qps"),
    Flag("kube-apiserver"),
    Flag("kube-as-group", kind="array"),
    Flag("kube-as-user"),
    Flag("kube-ca-file"),
    Flag("kube-context"),
    Flag("kube-insecure-skip-tls-verify", kind="bool"),
    Flag("kube-tls-server-name"),
    Flag("kube-token"),
    Flag("kubeconfig"),
    Flag("registry-config"),
    Flag("repository-cache"),
    Flag("repository-config"),
    Flag("content-cache"),
    Flag("help", "h", kind="bool"),
)

_OUTPUT = Flag("output", "o")
_REVISION = Flag("revision", kind="int")
_CHART_SOURCE = (
    Flag("version"),
    Flag("repo"),
    Flag("devel", kind="bool"),
    Flag("username"),
    Flag("password"),
    Flag("ca-file"),
    Flag("cert-file"),
    Flag("key-file"),
    Flag("insecure-skip-tls-verify", kind="bool"),
    Flag("plain-http", kind="bool"),
    Flag("pass-credentials", kind="bool"),
    Flag("keyring"),
    Flag("verify", kind="bool"),
)
_RELEASE_CHANGE = (
    *_CHART_SOURCE,
    _OUTPUT,
    Flag("set", kind="array"),
    Flag("set-string", kind="array"),
    Flag("set-file", kind="array"),
    Flag("set-json", kind="array"),
    Flag("set-literal", kind="array"),
    Flag("values", "f", kind="list"),
    Flag("wait", kind="bool"),
    Flag("wait-for-jobs", kind="bool"),
    Flag("timeout"),
    Flag("atomic", kind="bool"),
    Flag("force", kind="bool"),
    Flag("dry-run", no_opt_default="client"),
    Flag("description"),
    Flag("create-namespace", kind="bool"),
    Flag("no-hooks", kind="bool"),
    Flag("skip-crds", kind="bool"),
    Flag("disable-openapi-validation", kind="bool"),
    Flag("render-subchart-notes", kind="bool"),
    Flag("post-renderer"),
    Flag("labels", kind="list"),
    Flag("take-ownership", kind="bool"),
    Flag("dependency-update", kind="bool"),
    Flag("enable-dns", kind="bool"),
)
_COMMAND_FLAGS: dict[str, tuple[Flag, ...]] = {
    "get all": (_REVISION, Flag("template")),
    "get values": (_REVISION, _OUTPUT, Flag("all", "a", kind="bool")),
    "get manifest": (_REVISION,),
    "get notes": (_REVISION,),
    "get hooks": (_REVISION,),
    "get metadata": (_REVISION, _OUTPUT),
    "list": (
        _OUTPUT,
        Flag("all", "a", kind="bool"),
        Flag("all-namespaces", "A", kind="bool"),
        Flag("date", "d", kind="bool"),
        Flag("deployed", kind="bool"),
        Flag("failed", kind="bool"),
        Flag("pending", kind="bool"),
        Flag("superseded", kind="bool"),
        Flag("uninstalled", kind="bool"),
        Flag("uninstalling", kind="bool"),
        Flag("filter", "f"),
        Flag("max", "m", kind="int"),
        Flag("offset", kind="int"),
        Flag("no-headers", kind="bool"),
        Flag("reverse", "r", kind="bool"),
        Flag("selector", "l"),
        Flag("short", "q", kind="bool"),
        Flag("time-format"),
    ),
    "history": (_OUTPUT, Flag("max", kind="int")),
    "status": (_OUTPUT, _REVISION, Flag("show-desc", kind="bool"), Flag("show-resources", kind="bool")),
    "show": (*_CHART_SOURCE, Flag("jsonpath")),
    "version": (Flag("short", kind="bool"), Flag("template"), Flag("client", "c", kind="bool")),
    "upgrade": (
        *_RELEASE_CHANGE,
        Flag("install", "i", kind="bool"),
        Flag("reuse-values", kind="bool"),
        Flag("reset-values", kind="bool"),
        Flag("reset-then-reuse-values", kind="bool"),
        Flag("history-max", kind="int"),
        Flag("cleanup-on-fail", kind="bool"),
    ),
    "install": (
        *_RELEASE_CHANGE,
        Flag("generate-name", "g", kind="bool"),
        Flag("name-template"),
        Flag("replace", kind="bool"),
    ),
    "uninstall": (
        Flag("keep-history", kind="bool"),
        Flag("wait", kind="bool"),
        Flag("timeout"),
        Flag("dry-run", kind="bool"),
        Flag("no-hooks", kind="bool"),
        Flag("cascade"),
        Flag("description"),
        Flag("ignore-not-found", kind="bool"),
    ),
    "rollback": (
        Flag("wait", kind="bool"),
        Flag("wait-for-jobs", kind="bool"),
        Flag("timeout"),
        Flag("force", kind="bool"),
        Flag("recreate-pods", kind="bool"),
        Flag("cleanup-on-fail", kind="bool"),
        Flag("dry-run", kind="bool"),
        Flag("no-hooks", kind="bool"),
        Flag("history-max", kind="int"),
    ),
    "test": (Flag("timeout"), Flag("logs", kind="bool"), Flag("filter", kind="list")),
    "template": (*_RELEASE_CHANGE, Flag("show-only", "s", kind="array"), Flag("output-dir")),
}

HELM_VERBS = (
    "completion",
    "create",
    "dependency",
    "env",
    "get",
    "help",
    "history",
    "install",
    "lint",
    "list",
    "package",
    "plugin",
    "pull",
    "push",
    "registry",
    "repo",
    "rollback",
    "search",
    "show",
    "status",
    "template",
    "test",
    "uninstall",
    "upgrade",
    "verify",
    "version",
)
HELM_ALIASES = {
    "ls": "list",
    "hist": "history",
    "un": "uninstall",
    "del": "uninstall",
    "delete": "uninstall",
    "inspect": "show",
    "fetch": "pull",
    "dep": "dependency",
    "dependencies": "dependency",
}
HELM_SUBCOMMANDS: dict[str, tuple[str, ...]] = {
    "get": ("all", "hooks", "manifest", "metadata", "notes", "values"),
    "show": ("all", "chart", "crds", "readme", "values"),
    "repo": ("add", "index", "list", "remove", "update"),
    "search": ("hub", "repo"),
    "dependency": ("build", "list", "update"),
    "plugin": ("install", "list", "uninstall", "update", "package", "verify"),
    "registry": ("login", "logout"),
}
# Exact positional counts helm enforces, with the usage line it prints.
_ARITY: dict[str, tuple[int, int, str]] = {
    "get": (1, 1, "RELEASE_NAME"),
    "history": (1, 1, "RELEASE_NAME"),
    "status": (1, 1, "RELEASE_NAME"),
    "upgrade": (2, 2, "[RELEASE] [CHART]"),
    "install": (1, 2, "[NAME] [CHART]"),
    "uninstall": (1, 99, "RELEASE_NAME [...]"),
    "rollback": (1, 2, "<RELEASE> [REVISION]"),
    "list": (0, 0, ""),
    "show": (1, 1, "[CHART]"),
    "test": (1, 1, "[RELEASE]"),
}


@dataclass(frozen=True)
class HelmCommand:
    """A parsed helm line. ``set_values`` are the ``--set``/``--set-string`` assignments in order."""

    verb: str
    subverb: str | None = None
    release: str | None = None
    chart: str | None = None
    namespace: str | None = None
    set_values: tuple[tuple[str, str], ...] = ()
    flags: Mapping[str, FlagValue] = field(default_factory=lambda: MappingProxyType({}))
    args: tuple[str, ...] = ()


def helm_find_command(tokens: Sequence[str]) -> int | None:
    """Index of helm's command word, stepping over the global flags before it (cobra's rule, as kubectl)."""
    return find_command(tokens, flag_table(HELM_GLOBAL_FLAGS))


def parse_helm(argv: Sequence[str]) -> HelmCommand:
    """Parse ``argv`` (``argv[0] == "helm"``) or raise ``HelmUsageError`` with helm's message."""
    if not argv or argv[0] != "helm":
        raise ValueError("parse_helm expects an argv that starts with 'helm'")
    tokens = list(argv[1:])
    at = helm_find_command(tokens)
    if at is None:
        return HelmCommand(verb="help", flags=MappingProxyType(_scan("helm", tokens, ()).flags))
    typed = tokens.pop(at)
    verb = HELM_ALIASES.get(typed, typed)
    if verb not in HELM_VERBS:
        raise HelmUsageError(f'Error: unknown command "{typed}" for "helm"\nRun \'helm --help\' for usage.')
    subverb = _take_subcommand(verb, tokens)
    key = f"{verb} {subverb}" if verb == "get" else verb
    path = " ".join(part for part in ("helm", verb, subverb) if part)
    scanned = _scan(path, tokens, _COMMAND_FLAGS.get(key, ()))
    return _build(verb, subverb, path, dict(scanned.flags), scanned.positionals)


def _take_subcommand(verb: str, tokens: list[str]) -> str | None:
    names = HELM_SUBCOMMANDS.get(verb)
    if names is None:
        return None
    at = helm_find_command(tokens)
    if at is None:
        raise HelmUsageError(f'Error: "helm {verb}" needs a subcommand: {", ".join(names)}')
    name = tokens.pop(at)
    if name not in names:
        raise HelmUsageError(
            f'Error: unknown command "{name}" for "helm {verb}"\nRun \'helm {verb} --help\' for usage.'
        )
    return name


def _scan(path: str, tokens: Sequence[str], own: Sequence[Flag]) -> _Scanned:
    try:
        scanned = scan_flags(tokens, flag_table(HELM_GLOBAL_FLAGS, own))
    except FlagError as error:
        raise HelmUsageError(f"Error: {error}") from None
    return _Scanned(scanned.flags, scanned.positionals)


@dataclass(frozen=True)
class _Scanned:
    flags: Mapping[str, FlagValue]
    positionals: tuple[str, ...]


def _build(
    verb: str, subverb: str | None, path: str, flags: dict[str, FlagValue], args: tuple[str, ...]
) -> HelmCommand:
    _check_arity(verb, path, args, generate_name=bool(flags.get("generate-name")))
    release, chart = _release_and_chart(verb, args, generate_name=bool(flags.get("generate-name")))
    if verb == "rollback" and len(args) == 2:
        flags["revision"] = _revision(args[1])
    namespace = flags.pop("namespace", None)
    return HelmCommand(
        verb=verb,
        subverb=subverb,
        release=release,
        chart=chart,
        namespace=namespace if isinstance(namespace, str) else None,
        set_values=_set_values(flags),
        flags=MappingProxyType(flags),
        args=args,
    )


def _check_arity(verb: str, path: str, args: tuple[str, ...], *, generate_name: bool) -> None:
    if verb not in _ARITY:
        return
    low, high, usage = _ARITY[verb]
    if verb == "install" and generate_name:
        low, high = 1, 1
    if low <= len(args) <= high:
        return
    if high == 0:
        wanted = "accepts no arguments"
    elif low == high:
        wanted = f"requires {low} argument{'s' if low > 1 else ''}"
    else:
        wanted = f"requires at least {low} argument{'s' if low > 1 else ''}"
    usage_line = " ".join(part for part in (path, usage, "[flags]") if part)
    raise HelmUsageError(f'Error: "{path}" {wanted}\n\nUsage:  {usage_line}')


def _release_and_chart(verb: str, args: tuple[str, ...], *, generate_name: bool) -> tuple[str | None, str | None]:
    if verb in ("upgrade", "install"):
        if generate_name:
            return None, args[0]
        return args[0], args[1] if len(args) > 1 else None
    if verb == "show":
        return None, args[0]
    if verb in ("get", "history", "status", "uninstall", "rollback", "test"):
        return args[0], None
    return None, None


def _revision(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise HelmUsageError(
            f'Error: could not convert revision to a number: strconv.Atoi: parsing "{text}": invalid syntax'
        )
    return int(text)


def _set_values(flags: Mapping[str, FlagValue]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for name in ("set", "set-string"):
        raw_items = flags.get(name, ())
        for raw in raw_items if isinstance(raw_items, tuple) else ():
            pairs.extend(split_set_argument(raw))
    return tuple(pairs)


def split_set_argument(raw: str) -> list[tuple[str, str]]:
    """``a.b=c,d={x,y}`` as helm reads it: commas split pairs except inside braces or after a backslash."""
    pairs = []
    for item in _split_top_level_commas(raw):
        key, has_value, value = item.partition("=")
        if not has_value:
            raise HelmUsageError(f'Error: failed parsing --set data: key "{key}" has no value')
        pairs.append((key, value))
    return pairs


def _split_top_level_commas(raw: str) -> list[str]:
    items, current, depth, escaped = [], [], 0, False
    for char in raw:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            depth += {"{": 1, "}": -1}.get(char, 0)
            current.append(char)
    items.append("".join(current))
    return [item for item in items if item]
