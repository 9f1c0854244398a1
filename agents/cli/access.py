"""Read or write: the classification that makes a Probe's shell read-only.

Fail closed. A command is READ only when it is known to read: a kubectl or helm verb on the allow
list, found exactly as kubectl finds it (only a few global flags may precede it), carrying no flag that
switches cluster or identity, streams forever, or writes local files; or one of the built-in text tools.
Every other command is WRITE (a known mutation) or UNKNOWN (anything not recognised), and a read-only
session refuses both before running anything. The checks read the argv after quote removal, so
``kubectl "del""ete"`` is seen as the ``delete`` it is.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agents.cli.flags import Flag, find_command, flag_table
from agents.cli.helm_args import HELM_ALIASES, HELM_GLOBAL_FLAGS, HELM_SUBCOMMANDS
from agents.cli.kubectl_flags import (
    GLOBAL_FLAGS,
    IDENTITY_FLAGS,
    LOCAL_FILE_FLAGS,
    PRE_VERB_READ_FLAGS,
    SUBCOMMANDS,
    command_flags,
    subcommand_flags,
)
from agents.cli.textutils import BUILTIN_PROGRAMS


class Access(enum.Enum):
    """What running a command can do to the cluster or the machine."""

    READ = "read"
    WRITE = "write"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AccessDecision:
    """The verdict on one argv. ``verb`` is ``get``, ``rollout restart``, ``upgrade``, "" for text tools."""

    access: Access
    program: str
    verb: str
    reason: str

    @property
    def display(self) -> str:
        """The command as a refusal names it: ``kubectl scale``."""
        return " ".join(part for part in (self.program, self.verb) if part)


KUBECTL_READ_VERBS = frozenset(
    {
        "get",
        "describe",
        "logs",
        "top",
        "explain",
        "api-resources",
        "api-versions",
        "version",
        "cluster-info",
        "events",
        "options",
        "help",
    }
)
KUBECTL_READ_SUBVERBS = {"auth": frozenset({"can-i", "whoami"}), "rollout": frozenset({"status", "history"})}
_KUBECTL_WRITES = {
    "patch": "it modifies objects",
    "scale": "it changes replica counts",
    "set": "it changes object specs",
    "rollout": "it restarts, rolls back, pauses or resumes workloads",
    "delete": "it deletes objects",
    "apply": "it creates or changes objects",
    "create": "it creates objects",
    "replace": "it replaces objects",
    "edit": "it modifies objects",
    "label": "it changes labels",
    "annotate": "it changes annotations",
    "exec": "it runs a command inside a container",
    "cp": "it copies files into or out of a container",
    "run": "it starts a pod",
    "expose": "it creates a service",
    "autoscale": "it creates an autoscaler",
    "drain": "it evicts pods from a node",
    "cordon": "it changes node scheduling",
    "uncordon": "it changes node scheduling",
    "taint": "it changes node taints",
    "debug": "it starts a debugging container",
    "attach": "it attaches to a running container",
    "port-forward": "it opens a tunnel into the cluster",
    "proxy": "it opens a proxy to the API server",
    "auth": "it reconciles RBAC objects",
    "certificate": "it approves or denies certificate requests",
    "config": "it reads or changes kubeconfig credentials",
}
HELM_READ_VERBS = frozenset({"get", "list", "history", "status", "show", "version", "help"})
_HELM_WRITES = {
    "upgrade": "it changes a release",
    "install": "it installs a release",
    "uninstall": "it removes a release",
    "rollback": "it rolls a release back",
    "test": "it runs test pods in the cluster",
    "repo": "it changes the chart repositories",
    "dependency": "it downloads chart dependencies",
    "pull": "it downloads charts to disk",
    "push": "it uploads charts",
    "package": "it writes chart archives",
    "create": "it writes chart files",
    "plugin": "it installs or removes plugins",
    "registry": "it logs in to registries",
}
_HELM_LOCAL_FLAGS = frozenset({"registry-config", "repository-config", "repository-cache", "content-cache"})
READ_SUMMARY = (
    "kubectl get, describe, logs, top, events, explain, api-resources, api-versions, version, cluster-info, "
    "auth can-i, rollout status/history, helm get/list/history/status/show/version and the text tools "
    "(grep, awk, sed, jq, ...)"
)
_IDENTITY_REASON = "`{flag}` switches identity or cluster, which is not allowed"


def command_access(argv: Sequence[str]) -> AccessDecision:
    """Classify one stage's argv. Only what is known to read comes back READ."""
    if not argv:
        return AccessDecision(Access.UNKNOWN, "", "", "an empty command")
    program = argv[0]
    if program in BUILTIN_PROGRAMS:
        return AccessDecision(Access.READ, program, "", "a built-in text tool only reads its input")
    if program == "kubectl":
        return _kubectl_access(argv[1:])
    if program == "helm":
        return _helm_access(argv[1:])
    return AccessDecision(Access.UNKNOWN, program, "", f"`{program}` is not a command known to be read-only")


def read_only_refusal(decision: AccessDecision) -> str:
    """What a read-only session answers instead of running ``decision``'s command."""
    verdict = "is a write" if decision.access is Access.WRITE else "is not allowed"
    return (
        f"Error: read-only session: `{decision.display}` {verdict} ({decision.reason}). "
        f"Only {READ_SUMMARY} are allowed; ask for the change through the Executor."
    )


def blocked_command_message(argv: Sequence[str]) -> str | None:
    """AIOpsLab's refusal for an interactive or editor command, in any session; None when not blocked."""
    if not argv or argv[0] != "kubectl":
        return None
    tokens = list(argv[1:])
    at = find_command(tokens, flag_table(GLOBAL_FLAGS))
    if at is None:
        return None
    verb = tokens.pop(at)
    mentioned = mentioned_flags(tokens, command_flags(verb))
    if verb == "edit":
        return "Error: Cannot use `kubectl edit`. Use `kubectl patch` instead."
    if verb in ("port-forward", "proxy", "attach"):
        return f"Error: Cannot use `kubectl {verb}` because it is an interactive command."
    if verb == "logs" and "follow" in mentioned:
        return "Error: Cannot use `kubectl logs -f`. Use `kubectl logs` instead."
    if verb in ("get", "events") and mentioned & {"watch", "watch-only"}:
        return f"Error: Cannot use `kubectl {verb} --watch` because it is an interactive command. Use `kubectl {verb}`."
    return None


def mentioned_flags(tokens: Sequence[str], table: Mapping[str, Flag]) -> set[str]:
    """Every flag a line might set, by long name, erring towards more.

    Short clusters are read letter by letter until a letter that takes a value (pflag's rule); an unknown
    letter is assumed boolean, so the letters after it are still examined. Tokens that may be values of
    the flag before them are examined as flags too."""
    shorts = {flag.short: flag for flag in table.values() if flag.short}
    names: set[str] = set()
    for arg in tokens:
        if arg.startswith("--") and len(arg) > 2:
            names.add(arg[2:].partition("=")[0])
        elif arg.startswith("-") and len(arg) > 1:
            names.update(_cluster_names(arg[1:], shorts))
    return names


def _cluster_names(letters: str, shorts: Mapping[str, Flag]) -> set[str]:
    names: set[str] = set()
    for position, letter in enumerate(letters):
        flag = shorts.get(letter)
        if flag is None:
            names.add(f"-{letter}")
            continue
        names.add(flag.name)
        if flag.bare_value is None or letters[position + 1 : position + 2] == "=":
            break
    return names


def _kubectl_access(args: Sequence[str]) -> AccessDecision:
    at, refusal = _verb_position(args, flag_table(GLOBAL_FLAGS), PRE_VERB_READ_FLAGS, IDENTITY_FLAGS)
    if refusal:
        return AccessDecision(Access.UNKNOWN, "kubectl", "", refusal)
    if at is None:
        return AccessDecision(Access.READ, "kubectl", "", "kubectl without a command prints its help")
    verb, rest = args[at], [*args[:at], *args[at + 1 :]]
    subverb, rest, refusal = _kubectl_subverb(verb, rest)
    shown = f"{verb} {subverb}" if subverb else verb
    if refusal:
        return AccessDecision(Access.UNKNOWN, "kubectl", shown, refusal)
    if verb in KUBECTL_READ_VERBS or subverb in KUBECTL_READ_SUBVERBS.get(verb, ()):
        return _kubectl_read_flags(verb, subverb, rest)
    if verb in _KUBECTL_WRITES:
        return AccessDecision(Access.WRITE, "kubectl", shown, _KUBECTL_WRITES[verb])
    return AccessDecision(Access.UNKNOWN, "kubectl", shown, f"`kubectl {verb}` is not a known read command")


def _kubectl_subverb(verb: str, rest: list[str]) -> tuple[str | None, list[str], str]:
    if verb not in SUBCOMMANDS:
        return None, rest, ""
    table = subcommand_flags(verb)
    at = find_command(rest, table)
    if at is None:
        return None, rest, f"`kubectl {verb}` without a subcommand"
    unknown = mentioned_flags(rest[:at], table) - set(table)
    if unknown:
        return None, rest, f"unrecognised flags before the `{verb}` subcommand"
    name = rest[at]
    if name not in SUBCOMMANDS[verb]:
        return name, rest, f"`{name}` is not a `kubectl {verb}` subcommand"
    return SUBCOMMANDS[verb][name], [*rest[:at], *rest[at + 1 :]], ""


def _kubectl_read_flags(verb: str, subverb: str | None, rest: Sequence[str]) -> AccessDecision:
    shown = f"{verb} {subverb}" if subverb else verb
    mentioned = mentioned_flags(rest, command_flags(verb, subverb))
    identity = sorted(mentioned & IDENTITY_FLAGS)
    if identity:
        return AccessDecision(Access.UNKNOWN, "kubectl", shown, _IDENTITY_REASON.format(flag=f"--{identity[0]}"))
    local = sorted(mentioned & LOCAL_FILE_FLAGS)
    if local:
        return AccessDecision(Access.UNKNOWN, "kubectl", shown, f"`--{local[0]}` writes files")
    if verb in ("get", "events") and mentioned & {"watch", "watch-only"}:
        return AccessDecision(Access.UNKNOWN, "kubectl", shown, "`--watch` streams until interrupted")
    if verb == "logs" and "follow" in mentioned:
        return AccessDecision(Access.UNKNOWN, "kubectl", shown, "`--follow` streams until interrupted")
    if "raw" in mentioned:
        return AccessDecision(Access.UNKNOWN, "kubectl", shown, "raw API requests are not allowed")
    return AccessDecision(Access.READ, "kubectl", shown, f"`kubectl {shown}` only reads")


def _verb_position(
    args: Sequence[str], table: Mapping[str, Flag], allowed: frozenset[str], identity: frozenset[str]
) -> tuple[int | None, str]:
    """Where the command word is, or why the flags before it are refused.

    Only ``allowed`` flags may precede the verb, each with its value attached or in the next arg; a
    cluster of short flags is refused, so the verb is found the same way by every parser."""
    shorts = {flag.short: flag for flag in table.values() if flag.short}
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("-") or arg == "-":
            return index, ""
        flag, inline = _pre_verb_flag(arg, table, shorts)
        name = flag.name if flag else arg.lstrip("-").partition("=")[0]
        if name in identity:
            return None, _IDENTITY_REASON.format(flag=f"--{name}")
        if flag is None or flag.name not in allowed:
            return None, f"`{arg}` before the command is not allowed in a read-only session"
        index += 1 if inline or flag.bare_value is not None else 2
    return None, ""


def _pre_verb_flag(arg: str, table: Mapping[str, Flag], shorts: Mapping[str, Flag]) -> tuple[Flag | None, bool]:
    """The flag ``arg`` names and whether its value is inside the arg. Clusters come back unknown."""
    if arg.startswith("--"):
        name, has_value, _ = arg[2:].partition("=")
        return table.get(name), bool(has_value)
    flag = shorts.get(arg[1:2])
    if flag is None:
        return None, False
    attached = len(arg) > 2
    if attached and flag.bare_value is not None and arg[2] != "=":
        return None, False
    return flag, attached


def _helm_access(args: Sequence[str]) -> AccessDecision:
    identity = sorted(name for name in mentioned_flags(args, {}) if name == "kubeconfig" or name.startswith("kube-"))
    if identity:
        return AccessDecision(Access.UNKNOWN, "helm", "", _IDENTITY_REASON.format(flag=f"--{identity[0]}"))
    table = flag_table(HELM_GLOBAL_FLAGS)
    at, refusal = _verb_position(args, table, frozenset({"namespace", "debug", "help"}), frozenset())
    if refusal:
        return AccessDecision(Access.UNKNOWN, "helm", "", refusal)
    if at is None:
        return AccessDecision(Access.READ, "helm", "", "helm without a command prints its help")
    verb = HELM_ALIASES.get(args[at], args[at])
    local = sorted(mentioned_flags(args, {}) & _HELM_LOCAL_FLAGS)
    if local:
        return AccessDecision(Access.UNKNOWN, "helm", verb, f"`--{local[0]}` reads or writes local helm files")
    if verb in _HELM_WRITES:
        return AccessDecision(Access.WRITE, "helm", verb, _HELM_WRITES[verb])
    if verb not in HELM_READ_VERBS:
        return AccessDecision(Access.UNKNOWN, "helm", verb, f"`helm {verb}` is not a known read command")
    return _helm_read_subverb(verb, [*args[:at], *args[at + 1 :]], table)


def _helm_read_subverb(verb: str, rest: list[str], table: Mapping[str, Flag]) -> AccessDecision:
    subverbs = HELM_SUBCOMMANDS.get(verb)
    if subverbs is None:
        return AccessDecision(Access.READ, "helm", verb, f"`helm {verb}` only reads")
    at = find_command(rest, table)
    if at is None:
        return AccessDecision(Access.UNKNOWN, "helm", verb, f"`helm {verb}` without a subcommand")
    if rest[at] not in subverbs or mentioned_flags(rest[:at], table) - set(table):
        return AccessDecision(Access.UNKNOWN, "helm", verb, f"`helm {verb} {rest[at]}` is not a known read command")
    return AccessDecision(Access.READ, "helm", f"{verb} {rest[at]}", f"`helm {verb} {rest[at]}` only reads")
