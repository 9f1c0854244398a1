"""The shell: parsing into argv lists, refusing what a real shell would interpret, running with bash's rules."""

import pytest

from agents.cli.shell import (
    CommandLine,
    Pipeline,
    ProgramResult,
    ShellSyntaxError,
    Stage,
    parse_command_line,
    run_command_line,
)
from tests.cli.fakes import Recorder


def _argvs(line: CommandLine) -> list[tuple[str, ...]]:
    return [stage.argv for stage in line.stages]


def test_a_pipeline_splits_into_stages():
    line = parse_command_line("kubectl get pods -n test-hotel-reservation -o wide | grep geo")

    assert line.pipelines == (
        Pipeline(
            (
                Stage(("kubectl", "get", "pods", "-n", "test-hotel-reservation", "-o", "wide")),
                Stage(("grep", "geo")),
            )
        ),
    )
    assert line.operators == ()
    assert line.source == "kubectl get pods -n test-hotel-reservation -o wide | grep geo"


def test_operators_and_newlines_separate_pipelines():
    line = parse_command_line("a; b && c || d\ne")

    assert _argvs(line) == [("a",), ("b",), ("c",), ("d",), ("e",)]
    assert line.operators == (";", "&&", "||", ";")


def test_trailing_separators_and_blank_lines_add_no_pipeline():
    line = parse_command_line("\n\na ;\n\n b;\n")

    assert _argvs(line) == [("a",), ("b",)]
    assert line.operators == (";",)


def test_a_pipe_or_and_may_continue_on_the_next_line():
    line = parse_command_line("a |\n b &&\n c")

    assert _argvs(line) == [("a",), ("b",), ("c",)]
    assert line.operators == ("&&",)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("echo 'a b' \"c d\"", ("echo", "a b", "c d")),
        ("echo 'it''s'", ("echo", "its")),
        ('echo "say \\"hi\\" \\\\ \\$5 \\x"', ("echo", 'say "hi" \\ $5 \\x')),
        ("echo a\\ b \\'q\\'", ("echo", "a b", "'q'")),
        ("kubectl \"del\"'et'e pod x", ("kubectl", "delete", "pod", "x")),
        ("echo '$HOME `x` $(y)'", ("echo", "$HOME `x` $(y)")),
        ("echo cost$ \"$\" '$'", ("echo", "cost$", "$", "$")),
        ("echo ''", ("echo", "")),
        ("kubectl get pods \\\n  -n x", ("kubectl", "get", "pods", "-n", "x")),
        ("echo a#b # a comment", ("echo", "a#b")),
        ("echo *.yaml [a-z]? ", ("echo", "*.yaml", "[a-z]?")),
        (
            "kubectl get pods -o jsonpath='{.items[*].metadata.name}'",
            ("kubectl", "get", "pods", "-o", "jsonpath={.items[*].metadata.name}"),
        ),
        (
            "kubectl get svc -o jsonpath={.spec.ports[0].targetPort}",
            ("kubectl", "get", "svc", "-o", "jsonpath={.spec.ports[0].targetPort}"),
        ),
        ("kubectl set env deploy/x KEY=VAL", ("kubectl", "set", "env", "deploy/x", "KEY=VAL")),
        ("echo\tA\t\tB", ("echo", "A", "B")),
        ("echo a\u00a0b", ("echo", "a\u00a0b")),
    ],
)
def test_quote_removal_follows_bash(command, argv):
    assert _argvs(parse_command_line(command)) == [argv]


def test_a_here_document_becomes_the_stage_stdin():
    line = parse_command_line("cat <<EOF | kubectl apply -f -\napiVersion: v1\nkind: Pod\nEOF\necho done")

    assert line.stages[0] == Stage(("cat",), stdin="apiVersion: v1\nkind: Pod\n")
    assert line.stages[1] == Stage(("kubectl", "apply", "-f", "-"))
    assert line.stages[2] == Stage(("echo", "done"))
    assert line.operators == (";",)


def test_a_quoted_here_document_is_literal_and_an_unquoted_one_refuses_expansions():
    quoted = parse_command_line("cat <<'EOF'\n$HOME `x`\nEOF")

    assert quoted.stages[0].stdin == "$HOME `x`\n"
    with pytest.raises(ShellSyntaxError, match=r"\$HOME"):
        parse_command_line("cat <<EOF\n$HOME\nEOF")
    assert parse_command_line("cat <<EOF\nprice \\$5 \\\\ \\x\nEOF").stages[0].stdin == "price $5 \\ \\x\n"


def test_a_dash_here_document_strips_leading_tabs():
    line = parse_command_line("cat <<-END\n\tone\n\t\ttwo\n\tEND")

    assert line.stages[0].stdin == "one\ntwo\n"


def test_a_here_document_without_its_delimiter_runs_to_the_end_as_in_bash():
    assert parse_command_line("cat <<EOF\nline").stages[0].stdin == "line\n"


def test_a_here_string_is_the_word_and_a_newline():
    assert parse_command_line("grep x <<< 'a x'").stages[0] == Stage(("grep", "x"), stdin="a x\n")


def test_stderr_redirections_are_kept_on_the_stage():
    line = parse_command_line("kubectl logs x 2>&1 | grep err; kubectl get y 2>/dev/null; a 2> /dev/null")

    assert [stage.stderr_redirect for stage in line.stages] == ["&1", None, "/dev/null", "/dev/null"]
    assert _argvs(line)[0] == ("kubectl", "logs", "x")


def test_stage_lines_are_counted_for_messages():
    line = parse_command_line("a\nb 'x\ny'\nc")

    assert [stage.line for stage in line.stages] == [1, 2, 4]


@pytest.mark.parametrize(
    ("command", "construct"),
    [
        ("echo $(kubectl delete pod x)", "$(...) command substitution"),
        ("echo `kubectl delete pod x`", "command substitution"),
        ('echo "$(id)"', "$(...) command substitution"),
        ('echo "`id`"', "command substitution"),
        ("echo $((1+2))", "arithmetic expansion"),
        ("echo $HOME", "$HOME (parameter expansion)"),
        ('echo "${HOME}"', "${...} parameter expansion"),
        ("echo $1", "special parameter"),
        ("echo $?", "special parameter"),
        ("echo $'\\x41'", "quoting"),
        ("kubectl get pods > out.txt", "output redirection"),
        ("kubectl get pods >> out.txt", "output redirection"),
        ("kubectl get pods 1>&2", "output redirection"),
        ("kubectl get pods 2>err.txt", "output redirection"),
        ("kubectl get pods &> /dev/null", "&> redirection"),
        ("kubectl apply -f - < pod.yaml", "input redirection"),
        ("kubectl get pods &", "background"),
        ("kubectl get pods & kubectl delete pod x", "background"),
        ("(kubectl delete pod x)", "subshells"),
        ("{ kubectl delete pod x; }", "command groups"),
        ("KUBECONFIG=/tmp/k kubectl get pods", "KUBECONFIG=... (variable assignment)"),
        ('X="a b" kubectl get pods', "X=... (variable assignment)"),
        ("diff <(kubectl get pods) x", "process substitution"),
        ("tee >(kubectl delete pod x)", "process substitution"),
        ("echo {delete,get}", "brace expansion"),
        ("echo {1..3}", "brace expansion"),
        ("cat ~/.kube/config", "tilde expansion"),
        ("if true; then kubectl delete pod x; fi", "`if`"),
        ("for p in a b; do echo x; done", "`for`"),
        ("while true; do echo; done", "`while`"),
        ("! kubectl get pods", "`!`"),
        ("time kubectl get pods", "`time`"),
        ("kubectl get pods |& grep x", "|&"),
    ],
)
def test_every_construct_a_shell_would_interpret_is_refused(command, construct):
    with pytest.raises(ShellSyntaxError) as raised:
        parse_command_line(command)
    assert construct in str(raised.value)
    assert str(raised.value).startswith("bash: ")

    kubectl = Recorder()
    outcome = run_command_line(command, programs={"kubectl": kubectl, "id": Recorder()}, read_only=False)
    assert outcome.refused is True
    assert outcome.exit_code == 2
    assert outcome.output == f"{raised.value}\n"
    assert outcome.argvs == ()
    assert kubectl.calls == []


def test_keywords_and_braces_are_plain_words_outside_command_position():
    assert _argvs(parse_command_line("echo if then { } done !")) == [("echo", "if", "then", "{", "}", "done", "!")]
    assert _argvs(parse_command_line("'if' x")) == [("if", "x")]
    assert _argvs(parse_command_line("echo X=1 '{a,b}' {a} {}")) == [("echo", "X=1", "{a,b}", "{a}", "{}")]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("| grep x", "bash: -c: line 1: syntax error near unexpected token `|'\nbash: -c: line 1: `| grep x'"),
        ("; ls", "syntax error near unexpected token `;'"),
        ("a && && b", "syntax error near unexpected token `&&'"),
        ("a ;; b", "syntax error near unexpected token `;;'"),
        ("a )", "syntax error near unexpected token `)'"),
        ("a |", "bash: -c: line 1: syntax error: unexpected end of file"),
        ("a &&", "bash: -c: line 1: syntax error: unexpected end of file"),
        ("echo 'x", "bash: -c: line 1: unexpected EOF while looking for matching `''"),
        ('echo "x', "bash: -c: line 1: unexpected EOF while looking for matching `\"'"),
        ("cat <<", "syntax error near unexpected token `newline'"),
        ("grep x <<<", "syntax error: unexpected end of file"),
        ("2>&1", "a redirection without a command"),
    ],
)
def test_syntax_errors_read_like_bash(command, message):
    with pytest.raises(ShellSyntaxError) as raised:
        parse_command_line(command)
    assert message in str(raised.value)


def test_an_empty_line_parses_to_nothing_and_runs_nothing():
    assert parse_command_line("  # just a comment\n").pipelines == ()
    outcome = run_command_line("", programs={}, read_only=True)
    assert (outcome.output, outcome.exit_code, outcome.refused, outcome.argvs) == ("", 0, False, ())


def test_pipes_feed_stdout_to_the_next_stage():
    kubectl = Recorder(ProgramResult("geo 1/1\nuser 0/1\n"))

    outcome = run_command_line("kubectl get pods | grep user | wc -l", programs={"kubectl": kubectl}, read_only=True)

    assert outcome.output == "1\n"
    assert outcome.exit_code == 0
    assert (outcome.refused, outcome.wrote) == (False, False)
    assert outcome.argvs == (("kubectl", "get", "pods"), ("grep", "user"), ("wc", "-l"))
    assert kubectl.calls == [(("kubectl", "get", "pods"), "")]


def test_a_here_document_wins_over_the_pipe():
    kubectl = Recorder()

    run_command_line(
        "echo ignored | kubectl apply -f - <<EOF\nkind: Pod\nEOF", programs={"kubectl": kubectl}, read_only=False
    )

    assert kubectl.calls == [(("kubectl", "apply", "-f", "-"), "kind: Pod\n")]


def test_a_failing_pipeline_shows_its_stderr():
    kubectl = Recorder(ProgramResult("", 'Error from server (NotFound): pods "x" not found\n', 1))

    outcome = run_command_line("kubectl get pod x", programs={"kubectl": kubectl}, read_only=True)

    assert outcome.output == 'Error from server (NotFound): pods "x" not found\n'
    assert outcome.exit_code == 1


def test_stderr_of_an_early_stage_is_shown_even_when_the_last_stage_succeeds():
    kubectl = Recorder(ProgramResult("", "error: boom\n", 1))

    outcome = run_command_line("kubectl get foo | wc -l", programs={"kubectl": kubectl}, read_only=True)

    assert outcome.output == "error: boom\n"
    assert outcome.exit_code == 0


def test_a_non_zero_exit_without_stderr_shows_stdout():
    outcome = run_command_line("printf 'a\\nb\\n' | grep -c z", programs={}, read_only=True)

    assert (outcome.output, outcome.exit_code) == ("0\n", 1)


def test_stderr_to_dev_null_drops_it_and_2_to_1_sends_it_down_the_pipe():
    failing = Recorder(ProgramResult("", "Error: release: not found\n", 1))

    dropped = run_command_line("helm status x 2>/dev/null || echo missing", programs={"helm": failing}, read_only=True)
    merged = run_command_line("helm status x 2>&1 | grep -c 'not found'", programs={"helm": failing}, read_only=True)

    assert (dropped.output, dropped.exit_code) == ("missing\n", 0)
    assert (merged.output, merged.exit_code) == ("1\n", 0)


@pytest.mark.parametrize(
    ("command", "output", "exit_code"),
    [
        ("true && echo yes", "yes\n", 0),
        ("false && echo yes", "", 1),
        ("false || echo fallback", "fallback\n", 0),
        ("true || echo never", "", 0),
        ("false; echo always", "always\n", 0),
        ("false && echo a || echo b", "b\n", 0),
        ("true && false || echo c && echo d", "c\nd\n", 0),
        ("echo a\nfalse", "a\n", 1),
    ],
)
def test_and_or_lists_run_as_in_bash(command, output, exit_code):
    outcome = run_command_line(command, programs={}, read_only=True)

    assert (outcome.output, outcome.exit_code) == (output, exit_code)


def test_an_unknown_program_is_not_found():
    outcome = run_command_line("echo a\nkubeclt get pods", programs={}, read_only=False)

    assert outcome.output == "a\nbash: line 2: kubeclt: command not found\n"
    assert outcome.exit_code == 127
    assert outcome.refused is False


def test_a_read_only_session_refuses_the_whole_line_before_running_anything():
    kubectl = Recorder()

    outcome = run_command_line(
        "kubectl get pods -n x; kubectl scale deploy user-service --replicas=0 -n x",
        programs={"kubectl": kubectl},
        read_only=True,
    )

    assert outcome.refused is True
    assert outcome.wrote is False
    assert outcome.exit_code == 1
    assert outcome.output.startswith("Error: read-only session: `kubectl scale` is a write (")
    assert outcome.output.endswith("ask for the change through the Executor.")
    assert outcome.argvs == (
        ("kubectl", "get", "pods", "-n", "x"),
        ("kubectl", "scale", "deploy", "user-service", "--replicas=0", "-n", "x"),
    )
    assert kubectl.calls == []


def test_a_read_write_session_runs_writes_and_says_so():
    kubectl = Recorder(ProgramResult("deployment.apps/user-service scaled\n"))

    outcome = run_command_line(
        "kubectl scale deploy user-service --replicas=1", programs={"kubectl": kubectl}, read_only=False
    )

    assert outcome.output == "deployment.apps/user-service scaled\n"
    assert (outcome.refused, outcome.wrote) == (False, True)
    assert kubectl.argvs == [("kubectl", "scale", "deploy", "user-service", "--replicas=1")]


def test_a_read_write_session_that_only_reads_did_not_write():
    outcome = run_command_line("kubectl get pods", programs={"kubectl": Recorder()}, read_only=False)

    assert outcome.wrote is False


def test_a_write_skipped_by_and_did_not_write():
    outcome = run_command_line("false && kubectl delete pod x", programs={"kubectl": Recorder()}, read_only=False)

    assert outcome.wrote is False


@pytest.mark.parametrize("read_only", [True, False])
def test_kubectl_edit_is_blocked_with_aiopslabs_words_in_both_modes(read_only):
    kubectl = Recorder()

    outcome = run_command_line(
        "kubectl get svc; kubectl edit svc user-service", programs={"kubectl": kubectl}, read_only=read_only
    )

    assert outcome.output == "Error: Cannot use `kubectl edit`. Use `kubectl patch` instead."
    assert outcome.refused is True
    assert kubectl.calls == []


def test_builtin_text_tools_are_found_before_supplied_programs():
    impostor = Recorder(ProgramResult("impostor\n"))

    outcome = run_command_line("echo real | grep real", programs={"grep": impostor, "echo": impostor}, read_only=True)

    assert outcome.output == "real\n"
    assert impostor.calls == []
