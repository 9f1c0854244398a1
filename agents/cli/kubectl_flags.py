"""kubectl's flags: the global ones and each command's own, as ``kubectl <cmd> --help`` lists them.

Data only. The parser (``kubectl_args``) scans a command line against ``command_flags(verb, subverb)``;
the access check (``access``) uses the sets at the bottom to find what a read-only session must refuse.
"""

from __future__ import annotations

from agents.cli.flags import Flag, flag_table

# What ``-o`` accepts, in the order kubectl's errors list them.
OUTPUT_FORMATS = (
    "custom-columns",
    "custom-columns-file",
    "go-template",
    "go-template-file",
    "json",
    "jsonpath",
    "jsonpath-as-json",
    "jsonpath-file",
    "name",
    "template",
    "templatefile",
    "wide",
    "yaml",
)

GLOBAL_FLAGS = (
    Flag("namespace", "n"),
    Flag("kubeconfig"),
    Flag("server", "s"),
    Flag("token"),
    Flag("as"),
    Flag("as-group", kind="array"),
    Flag("as-uid"),
    Flag("user"),
    Flag("username"),
    Flag("password"),
    Flag("context"),
    Flag("cluster"),
    Flag("certificate-authority"),
    Flag("client-certificate"),
    Flag("client-key"),
    Flag("insecure-skip-tls-verify", kind="bool"),
    Flag("tls-server-name"),
    Flag("request-timeout"),
    Flag("v", "v"),
    Flag("vmodule"),
    Flag("match-server-version", kind="bool"),
    Flag("disable-compression", kind="bool"),
    Flag("warnings-as-errors", kind="bool"),
    Flag("cache-dir"),
    Flag("log-file"),
    Flag("log-dir"),
    Flag("log-flush-frequency"),
    Flag("profile"),
    Flag("profile-output"),
    Flag("help", "h", kind="bool"),
)

# Flags that point kubectl at another cluster or another identity. A read-only session refuses them
# anywhere on the line: a Probe's credentials are the only ones it may use.
IDENTITY_FLAGS = frozenset(
    {
        "kubeconfig",
        "server",
        "token",
        "as",
        "as-group",
        "as-uid",
        "user",
        "username",
        "password",
        "context",
        "cluster",
        "certificate-authority",
        "client-certificate",
        "client-key",
        "insecure-skip-tls-verify",
        "tls-server-name",
    }
)

# Flags that make kubectl write files on the machine it runs on.
LOCAL_FILE_FLAGS = frozenset({"cache-dir", "log-file", "log-dir", "profile-output", "output-directory"})

# Global flags a read-only command may carry before its verb; anything else there is refused.
PRE_VERB_READ_FLAGS = frozenset({"namespace", "request-timeout", "v", "help"})

_SELECT = (Flag("selector", "l"), Flag("field-selector"), Flag("all-namespaces", "A", kind="bool"))
_FILES = (Flag("filename", "f", kind="list"), Flag("kustomize", "k"), Flag("recursive", "R", kind="bool"))
_PRINT = (
    Flag("output", "o"),
    Flag("template"),
    Flag("allow-missing-template-keys", kind="bool"),
    Flag("show-managed-fields", kind="bool"),
)
_MUTATE = (
    Flag("dry-run", no_opt_default="unchanged"),
    Flag("field-manager"),
    Flag("record", kind="bool"),
    Flag("validate", no_opt_default="strict"),
    Flag("save-config", kind="bool"),
)
_WAIT = (Flag("wait", kind="bool"), Flag("timeout"), Flag("grace-period", kind="int"), Flag("force", kind="bool"))

_GET = (
    *_SELECT,
    *_FILES,
    *_PRINT,
    Flag("watch", "w", kind="bool"),
    Flag("watch-only", kind="bool"),
    Flag("output-watch-events", kind="bool"),
    Flag("show-labels", kind="bool"),
    Flag("show-kind", kind="bool"),
    Flag("label-columns", "L", kind="list"),
    Flag("sort-by"),
    Flag("no-headers", kind="bool"),
    Flag("chunk-size", kind="int"),
    Flag("ignore-not-found", kind="bool"),
    Flag("raw"),
    Flag("server-print", kind="bool"),
    Flag("subresource"),
)
_DESCRIBE = (*_SELECT, *_FILES, Flag("show-events", kind="bool"), Flag("chunk-size", kind="int"))
_LOGS = (
    Flag("container", "c"),
    Flag("previous", "p", kind="bool"),
    Flag("follow", "f", kind="bool"),
    Flag("tail", kind="int"),
    Flag("since"),
    Flag("since-time"),
    Flag("timestamps", kind="bool"),
    Flag("all-containers", kind="bool"),
    Flag("all-pods", kind="bool"),
    Flag("selector", "l"),
    Flag("prefix", kind="bool"),
    Flag("limit-bytes", kind="int"),
    Flag("max-log-requests", kind="int"),
    Flag("ignore-errors", kind="bool"),
    Flag("pod-running-timeout"),
    Flag("insecure-skip-tls-verify-backend", kind="bool"),
)
_TOP = (
    *_SELECT,
    Flag("containers", kind="bool"),
    Flag("no-headers", kind="bool"),
    Flag("sort-by"),
    Flag("sum", kind="bool"),
    Flag("show-capacity", kind="bool"),
    Flag("use-protocol-buffers", kind="bool"),
)
_EVENTS = (
    Flag("all-namespaces", "A", kind="bool"),
    Flag("for"),
    Flag("types", kind="list"),
    Flag("watch", "w", kind="bool"),
    Flag("no-headers", kind="bool"),
    Flag("chunk-size", kind="int"),
    *_PRINT,
)
_PATCH = (
    *_FILES,
    *_PRINT,
    *_MUTATE,
    Flag("type"),
    Flag("patch", "p"),
    Flag("patch-file"),
    Flag("local", kind="bool"),
    Flag("subresource"),
)
_SCALE = (
    *_FILES,
    *_PRINT,
    *_MUTATE,
    Flag("selector", "l"),
    Flag("all", kind="bool"),
    Flag("replicas", kind="int"),
    Flag("current-replicas", kind="int"),
    Flag("resource-version"),
    Flag("timeout"),
)
_SET_COMMON = (*_FILES, *_PRINT, *_MUTATE, Flag("selector", "l"), Flag("all", kind="bool"), Flag("local", kind="bool"))
_SET = {
    "image": (*_SET_COMMON,),
    "env": (
        *_SET_COMMON,
        Flag("env", "e", kind="array"),
        Flag("from"),
        Flag("keys", kind="list"),
        Flag("list", kind="bool"),
        Flag("resolve", kind="bool"),
        Flag("containers", "c"),
        Flag("overwrite", kind="bool"),
        Flag("prefix"),
    ),
    "resources": (*_SET_COMMON, Flag("limits"), Flag("requests"), Flag("containers", "c")),
    "selector": (*_SET_COMMON, Flag("resource-version")),
    "serviceaccount": (*_SET_COMMON,),
    "subject": (*_SET_COMMON, Flag("user", kind="array"), Flag("group", kind="array"), Flag("serviceaccount")),
}
_ROLLOUT_COMMON = (*_FILES, *_PRINT, Flag("selector", "l"))
_ROLLOUT = {
    "status": (*_ROLLOUT_COMMON, Flag("watch", "w", kind="bool"), Flag("revision", kind="int"), Flag("timeout")),
    "history": (*_ROLLOUT_COMMON, Flag("revision", kind="int")),
    "restart": (*_ROLLOUT_COMMON, *_MUTATE),
    "undo": (*_ROLLOUT_COMMON, *_MUTATE, Flag("to-revision", kind="int")),
    "pause": (*_ROLLOUT_COMMON, *_MUTATE),
    "resume": (*_ROLLOUT_COMMON, *_MUTATE),
}
_DELETE = (
    *_SELECT,
    *_FILES,
    *_WAIT,
    Flag("output", "o"),
    Flag("all", kind="bool"),
    Flag("now", kind="bool"),
    Flag("ignore-not-found", kind="bool"),
    Flag("cascade", no_opt_default="background"),
    Flag("dry-run", no_opt_default="unchanged"),
    Flag("raw"),
    Flag("interactive", "i", kind="bool"),
)
_APPLY = (
    *_FILES,
    *_PRINT,
    *_MUTATE,
    *_WAIT,
    Flag("selector", "l"),
    Flag("server-side", kind="bool"),
    Flag("force-conflicts", kind="bool"),
    Flag("prune", kind="bool"),
    Flag("prune-allowlist", kind="array"),
    Flag("all", kind="bool"),
    Flag("overwrite", kind="bool"),
    Flag("cascade", no_opt_default="background"),
    Flag("openapi-patch", kind="bool"),
    Flag("subresource"),
)
_CREATE = (
    *_FILES,
    *_PRINT,
    *_MUTATE,
    Flag("edit", kind="bool"),
    Flag("raw"),
    Flag("selector", "l"),
    Flag("windows-line-endings", kind="bool"),
    Flag("image", kind="array"),
    Flag("replicas", kind="int"),
    Flag("port", kind="int"),
    Flag("from-literal", kind="array"),
    Flag("from-file", kind="list"),
    Flag("from-env-file", kind="array"),
    Flag("type"),
    Flag("tcp", kind="list"),
    Flag("schedule"),
    Flag("restart"),
    Flag("from"),
    Flag("clusterrole"),
    Flag("role"),
    Flag("verb", kind="list"),
    Flag("resource", kind="list"),
    Flag("docker-server"),
    Flag("docker-username"),
    Flag("docker-password"),
    Flag("docker-email"),
    Flag("cert"),
    Flag("key"),
)
_LABEL = (
    *_SELECT,
    *_FILES,
    *_PRINT,
    *_MUTATE,
    Flag("all", kind="bool"),
    Flag("overwrite", kind="bool"),
    Flag("list", kind="bool"),
    Flag("local", kind="bool"),
    Flag("resource-version"),
)
_EXEC = (
    Flag("container", "c"),
    Flag("stdin", "i", kind="bool"),
    Flag("tty", "t", kind="bool"),
    Flag("quiet", "q", kind="bool"),
    Flag("filename", "f", kind="list"),
    Flag("pod-running-timeout"),
)
_OTHER = {
    "replace": (*_FILES, *_PRINT, *_MUTATE, *_WAIT, Flag("raw"), Flag("subresource")),
    "edit": (*_FILES, *_PRINT, *_MUTATE, Flag("windows-line-endings", kind="bool"), Flag("subresource")),
    "cp": (Flag("container", "c"), Flag("no-preserve", kind="bool"), Flag("retries", kind="int")),
    "attach": (Flag("container", "c"), Flag("stdin", "i", kind="bool"), Flag("tty", "t", kind="bool")),
    "port-forward": (Flag("address", kind="list"), Flag("pod-running-timeout")),
    "proxy": (
        Flag("port", "p", kind="int"),
        Flag("address"),
        Flag("accept-hosts"),
        Flag("api-prefix"),
        Flag("www", "w"),
    ),
    "cordon": (Flag("selector", "l"), Flag("dry-run", no_opt_default="unchanged")),
    "uncordon": (Flag("selector", "l"), Flag("dry-run", no_opt_default="unchanged")),
    "drain": (
        *_WAIT,
        Flag("selector", "l"),
        Flag("pod-selector"),
        Flag("ignore-daemonsets", kind="bool"),
        Flag("delete-emptydir-data", kind="bool"),
        Flag("disable-eviction", kind="bool"),
        Flag("dry-run", no_opt_default="unchanged"),
    ),
    "taint": (*_PRINT, *_MUTATE, Flag("selector", "l"), Flag("all", kind="bool"), Flag("overwrite", kind="bool")),
    "run": (
        *_PRINT,
        *_MUTATE,
        Flag("image"),
        Flag("restart"),
        Flag("env", kind="array"),
        Flag("port"),
        Flag("labels", "l"),
        Flag("command", kind="bool"),
        Flag("rm", kind="bool"),
        Flag("stdin", "i", kind="bool"),
        Flag("tty", "t", kind="bool"),
        Flag("overrides"),
        Flag("expose", kind="bool"),
        Flag("annotations", kind="array"),
        Flag("image-pull-policy"),
    ),
    "expose": (
        *_FILES,
        *_PRINT,
        *_MUTATE,
        Flag("port"),
        Flag("target-port"),
        Flag("name"),
        Flag("type"),
        Flag("protocol"),
        Flag("selector"),
        Flag("labels", "l"),
        Flag("external-ip"),
        Flag("cluster-ip"),
    ),
    "autoscale": (
        *_FILES,
        *_PRINT,
        *_MUTATE,
        Flag("min", kind="int"),
        Flag("max", kind="int"),
        Flag("cpu-percent", kind="int"),
        Flag("name"),
    ),
    "debug": (
        Flag("image"),
        Flag("container", "c"),
        Flag("target"),
        Flag("stdin", "i", kind="bool"),
        Flag("tty", "t", kind="bool"),
        Flag("quiet", "q", kind="bool"),
        Flag("copy-to"),
        Flag("profile"),
        Flag("attach", kind="bool"),
        Flag("share-processes", kind="bool"),
        Flag("set-image", kind="list"),
        Flag("replace", kind="bool"),
    ),
    "wait": (*_SELECT, *_FILES, Flag("for"), Flag("timeout"), Flag("output", "o")),
    "diff": (*_FILES, Flag("server-side", kind="bool"), Flag("selector", "l"), Flag("field-manager")),
    "explain": (Flag("recursive", kind="bool"), Flag("api-version"), Flag("output", "o")),
    "api-resources": (
        Flag("namespaced", kind="bool"),
        Flag("output", "o"),
        Flag("sort-by"),
        Flag("verbs", kind="list"),
        Flag("api-group"),
        Flag("no-headers", kind="bool"),
        Flag("cached", kind="bool"),
        Flag("categories", kind="list"),
    ),
    "version": (Flag("output", "o"), Flag("client", kind="bool")),
    "cluster-info": (Flag("output-directory"), Flag("all-namespaces", "A", kind="bool"), Flag("output", "o")),
    "auth": (
        Flag("all-namespaces", "A", kind="bool"),
        Flag("list", kind="bool"),
        Flag("quiet", "q", kind="bool"),
        Flag("subresource"),
        Flag("no-headers", kind="bool"),
        Flag("output", "o"),
    ),
}

# The commands ``kubectl --help`` lists, so an unknown one gets kubectl's "unknown command" error.
KUBECTL_VERBS = (
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "cordon",
    "cp",
    "create",
    "debug",
    "delete",
    "describe",
    "diff",
    "drain",
    "edit",
    "events",
    "exec",
    "explain",
    "expose",
    "get",
    "help",
    "kustomize",
    "label",
    "logs",
    "options",
    "patch",
    "plugin",
    "port-forward",
    "proxy",
    "replace",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
    "wait",
)

# Commands made of subcommands, with the subcommands each accepts (aliases map to the canonical name).
SUBCOMMANDS: dict[str, dict[str, str]] = {
    "rollout": {name: name for name in _ROLLOUT},
    "set": {name: name for name in _SET},
    "top": {"pod": "pod", "pods": "pod", "po": "pod", "node": "node", "nodes": "node", "no": "node"},
    "auth": {"can-i": "can-i", "whoami": "whoami", "reconcile": "reconcile"},
}

_BY_VERB = {
    "get": _GET,
    "describe": _DESCRIBE,
    "logs": _LOGS,
    "events": _EVENTS,
    "patch": _PATCH,
    "scale": _SCALE,
    "delete": _DELETE,
    "apply": _APPLY,
    "create": _CREATE,
    "label": _LABEL,
    "annotate": _LABEL,
    "exec": _EXEC,
    **_OTHER,
}


def command_flags(verb: str, subverb: str | None = None) -> dict[str, Flag]:
    """Every flag ``kubectl <verb> [<subverb>]`` accepts, globals included, by long name."""
    if verb == "top":
        own: tuple[Flag, ...] = _TOP
    elif verb == "rollout":
        own = _ROLLOUT.get(subverb or "", ())
    elif verb == "set":
        own = _SET.get(subverb or "", ())
    else:
        own = _BY_VERB.get(verb, ())
    return flag_table(GLOBAL_FLAGS, own)


def subcommand_flags(verb: str) -> dict[str, Flag]:
    """The flags cobra knows while it looks for ``verb``'s subcommand: the global ones only, since the
    subcommand's own flags are not known until it is found (so ``rollout -w status`` is not ``status``)."""
    del verb  # every command made of subcommands here has no flags of its own
    return flag_table(GLOBAL_FLAGS)
