"""Fuzzing the read-only boundary: no command line, however it is dressed, gets a write to a program.

Every generated line runs through ``run_command_line(..., read_only=True)`` with fake programs that record
each argv they receive. An oracle written here, independently of ``agents.cli.access``, judges each
recorded argv; it errs towards calling things writes. The property: zero recorded argvs are writes by
the oracle, a refused line ran nothing at all, and a read-only session never reports having written.
"""

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.cli.shell import Program, ProgramResult, run_command_line
from agents.cli.textutils import BUILTIN_PROGRAMS

# --- the oracle -------------------------------------------------------------------------------------

_KUBECTL_READS = {"get", "describe", "logs", "top", "explain", "api-resources", "api-versions", "version"}
_KUBECTL_READS |= {"cluster-info", "events", "options", "help"}
_KUBECTL_READ_SUBCOMMANDS = {"rollout": {"status", "history"}, "auth": {"can-i", "whoami"}}
_HELM_READS = {"list", "ls", "history", "hist", "status", "version", "help"}
_HELM_READ_SUBCOMMANDS = {
    "get": {"all", "values", "manifest", "notes", "hooks", "metadata"},
    "show": {"all", "chart", "readme", "values", "crds"},
    "inspect": {"all", "chart", "readme", "values", "crds"},
}
_IDENTITY = {"kubeconfig", "server", "token", "as", "as-group", "as-uid", "user", "username", "password"}
_IDENTITY |= {"context", "cluster", "certificate-authority", "client-certificate", "client-key"}
_IDENTITY |= {"insecure-skip-tls-verify", "tls-server-name"}
_NEVER_ON_A_READ = {"raw", "log-file", "log-dir", "cache-dir", "profile-output", "output-directory"}
# Short flags whose value may follow in the same token, per verb: letters after them are a value.
_VALUE_LETTERS = {"logs": "lnc"}
_DEFAULT_VALUE_LETTERS = "olnLfkv"
_STREAMING = {"get": ("w", {"watch", "watch-only"}), "events": ("w", {"watch"}), "logs": ("f", {"follow"})}


def _leading_flags(args: Sequence[str], with_value: set[str], bare: set[str]) -> int | None:
    """Index of the command word after the allowed leading flags (``len(args)`` when there is none), or
    None when any other flag leads."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in with_value:
            index += 2
        elif arg in bare or any(arg.startswith(f"{flag}=") for flag in with_value if flag.startswith("--")):
            index += 1
        elif not arg.startswith("--") and len(arg) > 2 and arg[:2] in with_value:
            index += 1  # a short flag with its value attached: -nx, -owide
        elif arg.startswith("-"):
            return None
        else:
            return index
    return len(args)


def _short_letters(arg: str, value_letters: str) -> str:
    letters = arg[1:]
    cut = min((letters.find(letter) for letter in value_letters if letter in letters), default=len(letters))
    return letters[: cut + 1]


_GLOBAL_VALUES = {"-n", "--namespace", "-v", "--v", "--request-timeout"}
# Flags kubectl knows to take a value, which may stand between `rollout` and its subcommand.
_SUBCOMMAND_VALUES = _GLOBAL_VALUES | {"-l", "--selector", "-o", "--output", "--revision", "--timeout", "-f"}


def _kubectl_reads(args: Sequence[str]) -> bool:
    at = _leading_flags(args, _GLOBAL_VALUES, {"-h", "--help"})
    if at is None:
        return False
    if at == len(args):
        return True  # no command: kubectl prints its help
    verb, rest = args[at], list(args[at + 1 :])
    if verb in _KUBECTL_READ_SUBCOMMANDS:
        sub_at = _leading_flags(rest, _SUBCOMMAND_VALUES, {"-h", "--help"})
        if sub_at is None or sub_at == len(rest) or rest[sub_at] not in _KUBECTL_READ_SUBCOMMANDS[verb]:
            return False
    elif verb not in _KUBECTL_READS:
        return False
    value_letters = _VALUE_LETTERS.get(verb, _DEFAULT_VALUE_LETTERS)
    stream_letter, stream_names = _STREAMING.get(verb, ("", set()))
    for arg in args:
        if arg.startswith("--"):
            name = arg[2:].partition("=")[0]
            if name in _IDENTITY or name in _NEVER_ON_A_READ or name in stream_names:
                return False
        elif arg.startswith("-") and len(arg) > 1:
            letters = _short_letters(arg, value_letters)
            if "s" in letters or (stream_letter and stream_letter in letters):
                return False
    return True


def _helm_reads(args: Sequence[str]) -> bool:
    if any(arg.startswith(("--kube", "--registry-config", "--repository-c")) for arg in args):
        return False
    at = _leading_flags(args, {"-n", "--namespace"}, {"--debug", "-h", "--help"})
    if at is None:
        return False
    if at == len(args):
        return True  # no command: helm prints its help
    verb, rest = args[at], list(args[at + 1 :])
    if verb in _HELM_READ_SUBCOMMANDS:
        sub_at = _leading_flags(rest, {"-n", "--namespace"}, {"--debug", "-h", "--help"})
        return sub_at is not None and (sub_at == len(rest) or rest[sub_at] in _HELM_READ_SUBCOMMANDS[verb])
    return verb in _HELM_READS


def oracle_reads(argv: Sequence[str]) -> bool:
    """True only for argvs this test is sure read: known kubectl/helm reads and the built-in tools."""
    if not argv:
        return False
    if argv[0] == "kubectl":
        return _kubectl_reads(argv[1:])
    if argv[0] == "helm":
        return _helm_reads(argv[1:])
    return argv[0] in BUILTIN_PROGRAMS


# --- fake programs ------------------------------------------------------------------------------------

_FAKE_NAMES = (
    "kubectl", "helm", "sh", "bash", "xargs", "env", "sudo", "timeout", "watch", "tee", "curl", "mongo", "python3",
    "nohup", "exec", "eval", "command", "nice", "builtin", "source", ".", "/usr/bin/kubectl", "k", "kubectl.exe",
    "kubectl\u200b", "\u043aubectl", "\uff4bubectl", "Kubectl", "git", "rm", "dd", "mongosh", "psql", "redis-cli",
)  # fmt: skip


def _fakes(calls: list[tuple[str, ...]]) -> dict[str, Program]:
    def record(argv: Sequence[str], stdin: str) -> ProgramResult:
        calls.append(tuple(argv))
        return ProgramResult("NAME\tSTATUS\ngeo-1\tRunning\n")

    return dict.fromkeys(_FAKE_NAMES, record)


# --- command lines ------------------------------------------------------------------------------------

READS = (
    "kubectl get pods -n test-hotel-reservation",
    "kubectl get pods -o wide -A",
    "kubectl describe pod geo-1 -n test-hotel-reservation",
    "kubectl logs geo-1 --tail 20 -p",
    "kubectl get svc user-service -o yaml",
    "kubectl top pods",
    "kubectl get events --sort-by=.lastTimestamp",
    "kubectl rollout status deploy/geo",
    "kubectl auth can-i delete pods",
    "helm get values url-shorten-mongodb -n test-social-network",
    "helm history url-shorten-mongodb",
    "helm list -A",
)
WRITES = (
    "kubectl delete pod geo-1",
    "kubectl scale deploy user-service --replicas=0",
    "kubectl patch svc user-service -p '{\"spec\":{}}' --type merge",
    "kubectl rollout restart deploy/geo",
    "kubectl rollout undo deploy/geo",
    "kubectl set image deploy/geo geo=evil:1",
    "kubectl apply -f -",
    "kubectl exec mongodb-geo-1 -- mongo --eval 'db.dropDatabase()'",
    "kubectl edit svc user-service",
    "kubectl label pod geo-1 a=b --overwrite",
    "kubectl create ns chaos",
    "kubectl cordon node-1",
    "kubectl port-forward svc/geo 8083",
    "kubectl config use-context prod",
    "helm upgrade url-shorten-mongodb bitnami/mongodb --set tls.mode=requireTLS",
    "helm rollback url-shorten-mongodb 1",
    "helm uninstall url-shorten-mongodb",
)
WRITE_VERBS = ("delete", "scale", "patch", "apply", "exec", "edit", "label", "create", "upgrade", "rollback", "restart")
LOOKALIKES = {"e": "\u0435", "o": "\u043e", "a": "\u0430", "c": "\u0441", "p": "\u0440", "k": "\u043a", "l": "\u04cf"}
FLAGS = (
    "-n x", "-n delete", "-ndelete", "--namespace=x", "--namespace x", "-v 9", "--request-timeout 1s", "-h",
    "--kubeconfig /tmp/admin", "--kubeconfig=/tmp/admin", "-s https://evil", "-shttps://evil", "--server=https://evil",
    "--as=system:admin", "--as admin", "--as-group system:masters", "--token t", "--context prod", "--user admin",
    "--insecure-skip-tls-verify", "--cluster prod", "-A", "-As evil", "-o wide", "-owide", "-ojson", "--bogus",
    "--", "-w", "--watch", "-f", "-p", "-pf", "-it", "--raw /api", "--log-file=/tmp/x", "--cache-dir /tmp",
    "-lapp=geo", "--kube-context prod", "--kube-token=t", "--debug",
)  # fmt: skip
SEPARATORS = ("|", "||", "&&", ";", "\n", " | ", ";\n", "\n\n", " & ", "&", "|&", " ")
WRAPPERS = (
    "xargs", "xargs -I{} ", "sh -c", "bash -c", "eval", "env", "env KUBECONFIG=/tmp/k", "sudo", "timeout 5", "watch",
    "nohup", "exec", "command", "time", "!", "builtin", "nice -n 5", "then", "do", "{", "(",
)  # fmt: skip
SPACES = (" ", "\t", "  ", " \\\n ", "\u00a0", "\u2003", "\r", "\x0b", "\x0c")
YAML = "apiVersion: v1\nkind: Service\nmetadata:\n  name: user-service\nspec:\n  ports:\n  - targetPort: 9999\n"
SOUP = (
    "kubectl", "helm", "get", "pods", "delete", "pod", "x", "-n", "--kubeconfig", "-s", "apply", "-f", "-", "'",
    '"', "\\", "$", "$(", ")", "`", "(", "{", "}", ";", "|", "&", "&&", "||", "<", ">", "<<", "EOF", "\n", "#",
    "~", "*", "=", "X=1", "2>&1", "2>/dev/null", "rollout", "restart", "status", "scale", "--replicas=0", "exec",
    "--", "sh", "-c", "xargs", "upgrade", "values", "--set", "a=b", "\t", " ", "del", "ete", "\u0435",
)  # fmt: skip


def _quoted_split(word: str, draw: st.DrawFn) -> str:
    """``word`` cut into pieces, each quoted some way, so that bash's quote removal gives ``word`` back."""
    pieces: list[str] = []
    rest = word
    while rest:
        size = draw(st.integers(1, max(1, len(rest))))
        piece, rest = rest[:size], rest[size:]
        style = draw(st.sampled_from(("plain", "single", "double", "backslash")))
        if style == "single" and "'" not in piece:
            pieces.append(f"'{piece}'")
        elif style == "double" and not set(piece) & set('"\\$`'):
            pieces.append(f'"{piece}"')
        elif style == "backslash":
            pieces.append("".join(f"\\{char}" for char in piece))
        else:
            pieces.append(piece)
    return "".join(pieces)


@st.composite
def disguised_writes(draw: st.DrawFn) -> str:
    """A write with its words quoted apart, flags put first, letters swapped for look-alikes, odd spacing."""
    words = draw(st.sampled_from(WRITES)).split(" ")
    if draw(st.booleans()):
        words[1:1] = draw(st.sampled_from(FLAGS)).split(" ")
    if draw(st.booleans()):
        position = draw(st.integers(0, len(words) - 1))
        words[position] = _quoted_split(words[position], draw)
    if draw(st.booleans()):
        position = draw(st.integers(0, len(words) - 1))
        words[position] = "".join(
            LOOKALIKES.get(char, char) if draw(st.booleans()) else char for char in words[position]
        )
    gaps = [draw(st.sampled_from(SPACES)) for _ in words[1:]]
    return words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:], strict=True))


@st.composite
def reads_with_flags(draw: st.DrawFn) -> str:
    """A read with flags spliced in anywhere: identity, streaming, unknown, and harmless ones."""
    words = draw(st.sampled_from(READS)).split(" ")
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(1, len(words)))
        words[position:position] = draw(st.sampled_from(FLAGS)).split(" ")
    return " ".join(words)


@st.composite
def wrapped_writes(draw: st.DrawFn) -> str:
    """A write handed to something that would run it: xargs, sh -c, eval, env, sudo, a keyword."""
    inner = draw(st.sampled_from(WRITES))
    wrapper = draw(st.sampled_from(WRAPPERS))
    if wrapper.endswith("-c"):
        return f"{wrapper} '{inner}'"
    if wrapper.startswith("xargs"):
        return f"echo geo-1 | {wrapper} {inner}"
    return f"{wrapper} {inner}"


@st.composite
def substituted_writes(draw: st.DrawFn) -> str:
    """A write inside an expansion of a read: $(...), backticks, <(...), ${...}, arithmetic."""
    inner = draw(st.sampled_from(WRITES))
    outer = draw(st.sampled_from(READS))
    form = draw(st.sampled_from(("$({})", "`{}`", "<({})", ">({})", '"$({})"', "${{x:-$({})}}", "$(( $({}) ))")))
    return f"{outer} {form.format(inner)}"


@st.composite
def here_documents(draw: st.DrawFn) -> str:
    """YAML fed to ``kubectl apply -f -`` through a here-document or here-string, or a write as mere data."""
    delimiter = draw(st.sampled_from(("EOF", "'EOF'", '"EOF"', "-EOF")))
    end = delimiter.strip("'\"-")
    write = draw(st.sampled_from(WRITES))
    forms = (
        f"cat <<{delimiter} | kubectl apply -f -\n{YAML}{end}",
        f"kubectl apply -f - <<{delimiter}\n{YAML}{end}",
        f"cat <<{delimiter}\n{write}\n{end}",
        f"kubectl get pods <<< '{write}'",
        f"cat <<{delimiter}\n{YAML}{end}\n{write}",
        f"cat <<{delimiter}\n$({write})\n{end}",
    )
    return draw(st.sampled_from(forms))


@st.composite
def chained(draw: st.DrawFn) -> str:
    """Reads and writes of every dress joined by pipes, lists, newlines and comments."""
    pieces: list[str] = draw(st.lists(_PIECES, min_size=2, max_size=4))
    line = pieces[0]
    for piece in pieces[1:]:
        line += draw(st.sampled_from(SEPARATORS)) + piece
    if draw(st.booleans()):
        line += f" # ; {draw(st.sampled_from(WRITES))}"
    return line


_PIECES = st.one_of(
    st.sampled_from(READS),
    st.sampled_from(WRITES),
    disguised_writes(),
    reads_with_flags(),
    wrapped_writes(),
    st.builds(lambda verb: f"kubectl {verb} pod x", st.sampled_from(WRITE_VERBS)),
)
COMMAND_LINES = st.one_of(
    disguised_writes(),
    reads_with_flags(),
    wrapped_writes(),
    substituted_writes(),
    here_documents(),
    chained(),
    st.lists(st.sampled_from(SOUP), max_size=14).map("".join),
    st.lists(st.sampled_from(SOUP), max_size=10).map(" ".join),
    st.text(alphabet=st.sampled_from("kubectl deletgpos-n $`()'\"\\|;&<>{}\n#~=x"), max_size=60),
)


def _check(command: str) -> None:
    calls: list[tuple[str, ...]] = []

    outcome = run_command_line(command, programs=_fakes(calls), read_only=True)

    writes = [argv for argv in calls if not oracle_reads(argv)]
    assert writes == [], f"a write reached a program: {command!r} -> {writes}"
    assert outcome.wrote is False
    if outcome.refused:
        assert calls == [], f"a refused line ran something: {command!r} -> {calls}"
    assert all(argv in outcome.argvs for argv in calls)


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=COMMAND_LINES)
def test_no_write_reaches_a_program_in_a_read_only_session(command):
    _check(command)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=reads_with_flags())
def test_reads_carrying_identity_or_streaming_flags_never_run(command):
    _check(command)


@pytest.mark.parametrize(
    "command",
    [
        'kubectl "del""ete" pod geo-1',
        "kubectl d'elet'e pod geo-1",
        "kubectl de\\lete pod geo-1",
        "kubectl -n delete delete pod x",
        "kubectl --namespace delete delete pods --all",
        "kubectl --kubeconfig /tmp/admin get pods",
        "kubectl get pods -s https://evil",
        "kubectl get pods -As https://evil",
        "kubectl get pods --as=system:admin",
        "kubectl get pods;kubectl delete pod x",
        "kubectl get pods\nkubectl delete pod x",
        "kubectl get pods || kubectl delete pod x",
        "kubectl get pods -o name | xargs kubectl delete",
        "sh -c 'kubectl delete pod x'",
        "eval 'kubectl delete pod x'",
        "echo $(kubectl delete pod x)",
        "echo `kubectl delete pod x`",
        "cat <<EOF | kubectl apply -f -\nkind: Pod\nEOF",
        "kubectl\tdelete\tpod\tx",
        "kubectl \u0435dit svc x",
        "\u043aubectl delete pod x",
        "KUBECONFIG=/tmp/admin kubectl get pods",
        "kubectl get pods # harmless\nkubectl delete pod x",
        "helm --kube-context prod list",
        "helm upgrade r c --set a=b",
        "kubectl rollout -n x restart deploy/geo",
        "kubectl rollout --bogus status restart deploy/geo",
    ],
)
def test_known_sneaky_lines_are_refused_and_run_nothing(command):
    calls: list[tuple[str, ...]] = []

    outcome = run_command_line(command, programs=_fakes(calls), read_only=True)

    assert outcome.refused is True
    assert calls == []


def test_a_write_kept_as_here_document_data_is_only_data():
    calls: list[tuple[str, ...]] = []

    outcome = run_command_line("cat <<'EOF'\nkubectl delete pod x\nEOF", programs=_fakes(calls), read_only=True)

    assert (outcome.output, outcome.refused, calls) == ("kubectl delete pod x\n", False, [])


def test_the_oracle_tells_reads_from_writes():
    assert oracle_reads(["kubectl", "-n", "delete", "get", "pods"])
    assert oracle_reads(["kubectl", "--namespace", "delete", "get", "pods"])
    assert oracle_reads(["kubectl", "get", "pods", "-ojson"])
    assert oracle_reads(["helm", "get", "values", "r"])
    assert not oracle_reads(["kubectl", "delete", "pod", "x"])
    assert not oracle_reads(["kubectl", "get", "pods", "-As", "x"])
    assert not oracle_reads(["kubectl", "logs", "x", "-pf"])
    assert not oracle_reads(["kubectl", "--bogus", "get", "pods"])
    assert not oracle_reads(["helm", "upgrade", "r", "c"])
    assert not oracle_reads(["sh", "-c", "kubectl get pods"])
