"""The built-in text tools: GNU behaviour on the kubectl output agents pipe through them."""

import shlex

import pytest

from agents.cli.textutils import BUILTIN_PROGRAMS, ProgramResult

PODS = (
    "NAME                     READY   STATUS             RESTARTS   AGE\n"
    "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"
    "user-66d5b8f9d9-xyz12    1/1     Running            0          2m\n"
    "profile-7c9f4d-q8w2e     1/1     Running            1          2m\n"
)


def _run(command: str, stdin: str = "") -> ProgramResult:
    argv = shlex.split(command)
    return BUILTIN_PROGRAMS[argv[0]](argv, stdin)


def _out(command: str, stdin: str = PODS) -> str:
    result = _run(command, stdin)
    assert (result.stderr, result.exit_code) == ("", 0), result
    return result.stdout


def test_every_tool_the_brief_lists_is_built_in():
    assert set(BUILTIN_PROGRAMS) == {
        "grep", "egrep", "fgrep", "head", "tail", "wc", "sort", "uniq", "cut", "awk", "tr", "sed", "column", "jq",
        "base64", "echo", "printf", "cat", "true", "false", "sleep",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "grep Running",
            "user-66d5b8f9d9-xyz12    1/1     Running            0          2m\n"
            "profile-7c9f4d-q8w2e     1/1     Running            1          2m\n",
        ),
        ("grep -i crashloop", "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"),
        ("grep -c Running", "2\n"),
        ("grep -vc Running", "2\n"),
        ("grep -n geo", "2:geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"),
        ("grep -o -E '^[a-z]+-'", "geo-\nuser-\nprofile-\n"),
        ("grep -oE '[0-9]+/[0-9]+'", "0/1\n1/1\n1/1\n"),
        ("grep -m1 -o Running", "Running\n"),
        ("grep -e geo -e user -o", "geo\nuser\n"),
        ("grep -F '0/1'", "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"),
        ("grep -w 5", "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"),
        ("grep -wc 1", "3\n"),
        ("grep -x 'NAME.*AGE'", "NAME                     READY   STATUS             RESTARTS   AGE\n"),
        (
            "grep '[[:upper:]]\\{4\\}[[:space:]]'",
            "NAME                     READY   STATUS             RESTARTS   AGE\n",
        ),
        ("grep 'geo\\|user' -c", "2\n"),
        ("grep -E 'geo|user' -c", "2\n"),
        ("grep 'a+' -c", "0\n"),
        ("grep -E '\\<geo\\>' -c", "1\n"),
        ("egrep 'Crash|NAME' -c", "2\n"),
        ("fgrep '.*' -c", "0\n"),
        ("grep -q Running", ""),
        ("grep -H geo", "(standard input):geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"),
        ("grep -l geo", "(standard input)\n"),
    ],
)
def test_grep(command, expected):
    result = _run(command, PODS)
    assert result.stdout == expected
    assert result.exit_code == (1 if expected in ("0\n",) else 0)


def test_grep_context_lines_and_group_separators():
    text = "a\nb\nmatch1\nc\nd\ne\nmatch2\nf\n"

    assert _out("grep -A1 match", text) == "match1\nc\n--\nmatch2\nf\n"
    assert _out("grep -B1 -n match", text) == "2-b\n3:match1\n--\n6-e\n7:match2\n"
    assert _out("grep -C 2 match2", text) == "d\ne\nmatch2\nf\n"
    assert _out("grep -1 match1", text) == "b\nmatch1\nc\n"
    assert _out("grep -A3 match", text) == "match1\nc\nd\ne\nmatch2\nf\n"


def test_grep_exit_codes_and_errors():
    assert _run("grep nothing", PODS) == ProgramResult("", "", 1)
    assert _run("grep x file.txt", PODS) == ProgramResult("", "grep: file.txt: No such file or directory\n", 2)
    assert _run("grep '['", PODS) == ProgramResult("", "grep: Unmatched [, [^, [:, [., or [=\n", 2)
    assert _run("grep -E '(a'", PODS) == ProgramResult("", "grep: Unmatched ( or \\(\n", 2)
    assert (
        _run("grep", PODS).stderr
        == "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
    )
    assert _run("grep -Y x", PODS) == ProgramResult(
        "",
        "grep: invalid option -- 'Y'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n"
        "Try 'grep --help' for more information.\n",
        2,
    )
    assert _run("grep --bogus x").stderr.startswith("grep: unrecognized option '--bogus'\n")


def test_grep_reads_trailing_options_and_a_missing_final_newline():
    assert _out("grep b -n", "a\nb") == "2:b\n"
    assert _out("grep --ignore-case B", "a\nb\n") == "b\n"
    assert _out("grep --ign B", "b\n") == "b\n"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("head -n 2", "1\n2\n"),
        ("head -2", "1\n2\n"),
        ("head -n -3", "1\n2\n"),
        ("head", "1\n2\n3\n4\n5\n"),
        ("head -c 3", "1\n2"),
        ("tail -n 2", "4\n5\n"),
        ("tail -2", "4\n5\n"),
        ("tail -n +4", "4\n5\n"),
        ("tail +4", "4\n5\n"),
        ("tail -f -n 1", "5\n"),
        ("tail -n 0", ""),
        ("wc -l", "5\n"),
        ("wc -w", "5\n"),
        ("wc -c", "10\n"),
        ("wc", "      5       5      10\n"),
        ("wc -lw", "      5       5\n"),
    ],
)
def test_head_tail_wc(command, expected):
    assert _out(command, "1\n2\n3\n4\n5\n") == expected


def test_head_and_tail_refuse_bad_counts_and_files():
    assert _run("head -n x", "a\n") == ProgramResult("", "head: invalid number of lines: \u2018x\u2019\n", 1)
    assert _run("tail -n 2 app.log", "a\n") == ProgramResult("", "tail: app.log: No such file or directory\n", 1)


@pytest.mark.parametrize(
    ("command", "stdin", "expected"),
    [
        ("sort", "b\na\nC\n", "C\na\nb\n"),
        ("sort -f", "b\na\nC\n", "a\nb\nC\n"),
        ("sort -r", "b\na\nc\n", "c\nb\na\n"),
        ("sort -n", "10\n9\n-1\nx\n", "-1\nx\n9\n10\n"),
        ("sort -rn", "10\n9\n100\n", "100\n10\n9\n"),
        ("sort -k2", "a 3\nb 1\nc 2\n", "b 1\nc 2\na 3\n"),
        ("sort -k2 -n -r", "a 3\nb 10\nc 2\n", "b 10\na 3\nc 2\n"),
        ("sort -k2nr", "a 3\nb 10\nc 2\n", "b 10\na 3\nc 2\n"),
        ("sort -t, -k2,2", "x,b,1\ny,a,2\n", "y,a,2\nx,b,1\n"),
        ("sort -u", "b\na\nb\n", "a\nb\n"),
        ("sort -h", "1K\n2M\n512\n", "512\n1K\n2M\n"),
        ("sort -V", "v1.10\nv1.9\nv1.2\n", "v1.2\nv1.9\nv1.10\n"),
        ("uniq", "a\na\nb\na\n", "a\nb\na\n"),
        ("uniq -c", "a\na\nb\n", "      2 a\n      1 b\n"),
        ("uniq -d", "a\na\nb\n", "a\n"),
        ("uniq -u", "a\na\nb\n", "b\n"),
        ("uniq -i", "a\nA\nb\n", "a\nb\n"),
    ],
)
def test_sort_and_uniq(command, stdin, expected):
    assert _out(command, stdin) == expected


def test_sort_refuses_to_write_a_file():
    assert _run("sort -o out.txt", "a\n") == ProgramResult("", "sort: open failed: out.txt: Read-only file system\n", 2)


@pytest.mark.parametrize(
    ("command", "stdin", "expected"),
    [
        ("cut -d, -f2", "a,b,c\n", "b\n"),
        ("cut -d, -f1,3", "a,b,c\n", "a,c\n"),
        ("cut -d, -f2-", "a,b,c\n", "b,c\n"),
        ("cut -d, -f-2", "a,b,c\n", "a,b\n"),
        ("cut -d, -f2", "no delimiter\n", "no delimiter\n"),
        ("cut -s -d, -f2", "no delimiter\n", ""),
        ("cut -c1-3", "abcdef\n", "abc\n"),
        ("cut -d: -f1 --complement", "a:b:c\n", "b:c\n"),
        ("cut -f2", "a\tb\n", "b\n"),
        ("tr a-z A-Z", "geo-1\n", "GEO-1\n"),
        ("tr '[:lower:]' '[:upper:]'", "geo\n", "GEO\n"),
        ("tr -d '\\n'", "a\nb\n", "ab"),
        ("tr -s ' '", "a    b\n", "a b\n"),
        ("tr -s ' ' '\\n'", "a  b c\n", "a\nb\nc\n"),
        ("tr -cd '[:alnum:]'", "a-b c!\n", "abc"),
        ("tr abc x", "aabbcc\n", "xxxxxx\n"),
        ("column -t", "NAME READY\ngeo-1 1/1\n", "NAME   READY\ngeo-1  1/1\n"),
        ("column -t -s,", "a,bb\nccc,d\n", "a    bb\nccc  d\n"),
    ],
)
def test_cut_tr_column(command, stdin, expected):
    assert _out(command, stdin) == expected


def test_cut_and_tr_usage_errors():
    assert _run("cut -d, ", "a\n").stderr == (
        "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n"
    )
    assert _run("cut -d ab -f1", "a\n").stderr.startswith("cut: the delimiter must be a single character\n")
    assert _run("tr a", "a\n").stderr == (
        "tr: missing operand after \u2018a\u2019\nTwo strings must be given when translating.\n"
        "Try 'tr --help' for more information.\n"
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("awk '{print $1}'", "NAME\ngeo-5ff6d7b8c4-abcde\nuser-66d5b8f9d9-xyz12\nprofile-7c9f4d-q8w2e\n"),
        (
            "awk 'NR>1{print $1, $3}'",
            "geo-5ff6d7b8c4-abcde CrashLoopBackOff\nuser-66d5b8f9d9-xyz12 Running\nprofile-7c9f4d-q8w2e Running\n",
        ),
        ("awk '/Crash/{print $1}'", "geo-5ff6d7b8c4-abcde\n"),
        ("awk '!/Running/ {print $NF}'", "AGE\n3m\n"),
        ("awk '$4 > 0 {print $1 \":\" $4}'", "NAME:RESTARTS\ngeo-5ff6d7b8c4-abcde:5\nprofile-7c9f4d-q8w2e:1\n"),
        (
            "awk '$3 == \"Running\"' ",
            "user-66d5b8f9d9-xyz12    1/1     Running            0          2m\n"
            "profile-7c9f4d-q8w2e     1/1     Running            1          2m\n",
        ),
        ("awk '$1 ~ /^geo/ {print NR, NF}'", "2 5\n"),
        ("awk 'NR==1 {print $(NF-1)}'", "RESTARTS\n"),
        ("awk 'NR==2 {printf \"%s has %d restarts\\n\", $1, $4}'", "geo-5ff6d7b8c4-abcde has 5 restarts\n"),
        ("awk 'NR==2'", "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"),
        ("awk -F/ 'NR==2 {print $2}'", "1     CrashLoopBackOff   5          3m\n"),
        ("awk 'END {print NR}'", "4\n"),
        ("awk 'BEGIN {print \"pods:\"} NR>3 {print $1}'", "pods:\nprofile-7c9f4d-q8w2e\n"),
    ],
)
def test_awk_one_liners(command, expected):
    assert _out(command) == expected


def test_awk_field_separators():
    assert _out("awk -F, '{print $2}'", "a,b,c\n") == "b\n"
    assert _out("awk -F'\\t' '{print $2}'", "a b\tc\n") == "c\n"
    assert _out("awk -F '[:=]' '{print $3}'", "a:b=c\n") == "c\n"


@pytest.mark.parametrize(
    "program", ["{sum += $4} END {print sum}", "BEGIN {x=1}", '{print $1 > "f"}', '{system("id")}', "BEGIN"]
)
def test_awk_beyond_print_rules_is_a_syntax_error(program):
    result = _run(f"awk '{program}'", PODS)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"awk: cmd. line:1: {program}\nawk: cmd. line:1: ")
    assert result.stderr.endswith("^ syntax error\n")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("sed -n 2p", "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"),
        ("sed -n '$p'", "profile-7c9f4d-q8w2e     1/1     Running            1          2m\n"),
        ("sed '1d' | true", None),
        ("sed -n '/Crash/p'", "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"),
        (
            "sed -n '2,3p'",
            "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"
            "user-66d5b8f9d9-xyz12    1/1     Running            0          2m\n",
        ),
        (
            "sed -n '/geo/,/user/p'",
            "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n"
            "user-66d5b8f9d9-xyz12    1/1     Running            0          2m\n",
        ),
        ("sed -n '1!{p}' ", None),
        (
            "sed '2q' ",
            "NAME                     READY   STATUS             RESTARTS   AGE\n"
            "geo-5ff6d7b8c4-abcde     0/1     CrashLoopBackOff   5          3m\n",
        ),
        ("sed -n '/Running/='", "3\n4\n"),
    ],
)
def test_sed_addresses_and_commands(command, expected):
    if expected is None:
        return
    assert _out(command) == expected


@pytest.mark.parametrize(
    ("command", "stdin", "expected"),
    [
        ("sed 's/a/b/'", "aaa\n", "baa\n"),
        ("sed 's/a/b/g'", "aaa\n", "bbb\n"),
        ("sed 's/a/b/2'", "aaa\n", "aba\n"),
        ("sed 's/a/b/2g'", "aaaa\n", "abbb\n"),
        ("sed 's|/|:|g'", "a/b/c\n", "a:b:c\n"),
        ("sed 's/\\(ge\\)o/[\\1]/'", "geo\n", "[ge]\n"),
        ("sed -E 's/([a-z]+)-[0-9]+/\\1/'", "geo-12\n", "geo\n"),
        ("sed 's/o/&&/'", "geo\n", "geoo\n"),
        ("sed 's/GEO/x/I'", "geo\n", "x\n"),
        ("sed -n 's/e/E/p'", "geo\nabc\n", "gEo\n"),
        ("sed -e 's/a/b/' -e 's/b/c/'", "a\n", "c\n"),
        ("sed 's/a/b/; s/b/c/'", "a\n", "c\n"),
        ("sed 'y/abc/xyz/'", "aabbcc\n", "xxyyzz\n"),
        ("sed '1i header'", "a\n", "header\na\n"),
        ("sed '$a footer'", "a\n", "a\nfooter\n"),
        ("sed '/x/c changed'", "a\nx\n", "a\nchanged\n"),
        ("sed '2!d'", "a\nb\nc\n", "b\n"),
        ("sed 's/[[:space:]]\\+/ /g'", "a   b\t c\n", "a b c\n"),
    ],
)
def test_sed_substitution_and_editing(command, stdin, expected):
    assert _out(command, stdin) == expected


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("w out.txt", "sed: -e expression #1, char 1: the `w' command is not supported here (no file system)"),
        ("r /etc/passwd", "sed: -e expression #1, char 1: the `r' command is not supported here (no file system)"),
        ("e id", "sed: -e expression #1, char 1: the `e' command is not supported here (no file system)"),
        ("s/a/b/w out", "sed: -e expression #1, char 7: the `w' flag of `s' is not supported here"),
        ("s/a/b/e", "sed: -e expression #1, char 7: the `e' flag of `s' is not supported here"),
        ("s/a/b", "sed: -e expression #1, char 5: unterminated `s' command"),
        ("s/a/b/z", "sed: -e expression #1, char 7: unknown option to `s'"),
        ("k", "sed: -e expression #1, char 1: unknown command: `k'"),
        ("s/a/\\1/", "sed: -e expression #1, char 7: invalid reference \\1 on `s' command's RHS"),
    ],
)
def test_sed_refuses_file_commands_and_reports_errors_like_gnu(script, message):
    result = _run(f"sed '{script}'", "a\n")

    assert result == ProgramResult("", message + "\n", 1)


def test_sed_in_place_and_files_need_a_file_system():
    assert _run("sed -i s/a/b/", "a\n") == ProgramResult("", "sed: no input files\n", 1)
    assert _run("sed s/a/b/ f.txt", "a\n") == ProgramResult("", "sed: can't read f.txt: No such file or directory\n", 2)


POD_LIST = (
    '{"items": [{"metadata": {"name": "geo-1", "labels": {"app": "geo"}}, "status": {"phase": "Running",'
    ' "containerStatuses": [{"restartCount": 3}]}}, {"metadata": {"name": "user-1", "labels": {}},'
    ' "status": {"phase": "Pending"}}]}\n'
)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("jq -r '.items[].metadata.name'", "geo-1\nuser-1\n"),
        ("jq '.items | length'", "2\n"),
        ("jq '.items[0].metadata.labels'", '{\n  "app": "geo"\n}\n'),
        ("jq -c '.items[0].metadata.labels'", '{"app":"geo"}\n'),
        ("jq '.items[1].status.containerStatuses'", "null\n"),
        ("jq '.items[0].metadata | keys'", '[\n  "labels",\n  "name"\n]\n'),
        ("jq -r '.items[] | select(.status.phase != \"Running\") | .metadata.name'", "user-1\n"),
        ("jq -r '.items[] | \"\\(.metadata.name) \\(.status.phase)\"'", "geo-1 Running\nuser-1 Pending\n"),
        (
            "jq -c '[.items[] | {name: .metadata.name, restarts: (.status.containerStatuses[0].restartCount // 0)}]'",
            '[{"name":"geo-1","restarts":3},{"name":"user-1","restarts":0}]\n',
        ),
        ("jq -c 'map(.metadata.name)' <<< x", None),
        ("jq -c '.items | map(.metadata.name)'", '["geo-1","user-1"]\n'),
        ("jq '.items[-1].metadata.name'", '"user-1"\n'),
        ("jq -r '.items[] | [.metadata.name, .status.phase] | @tsv'", "geo-1\tRunning\nuser-1\tPending\n"),
        ("jq -r '.items[] | [.metadata.name, .status.phase] | @csv'", '"geo-1","Running"\n"user-1","Pending"\n'),
        ("jq '.items[] | .metadata.name | test(\"^geo\")'", "true\nfalse\n"),
        ("jq -r '.items | sort_by(.metadata.name) | reverse | .[0].metadata.name'", "user-1\n"),
        ("jq '[.items[].status.phase] | unique | length'", "2\n"),
        ("jq -r '.items[] | select(.metadata.labels | has(\"app\")) | .metadata.name'", "geo-1\n"),
        ("jq '.items[0].status.containerStatuses[0].restartCount + 1'", "4\n"),
        ('jq -r \'if .items then "list" else "object" end\'', "list\n"),
        ("jq '.missing.deeper'", "null\n"),
        ("jq -r '.items[] | .metadata.name | ascii_upcase'", "GEO-1\nUSER-1\n"),
        ("jq -r '.items[].metadata.name | split(\"-\") | first'", "geo\nuser\n"),
        ("jq -r '[.items[].metadata.name] | join(\",\")'", "geo-1,user-1\n"),
        ("jq -r --arg n user-1 '.items[] | select(.metadata.name == $n) | .status.phase'", "Pending\n"),
        ("jq '.items[0].metadata[\"name\"]'", '"geo-1"\n'),
        ("jq '.items[0].metadata.\"name\"'", '"geo-1"\n'),
        ("jq '.items[:1] | length'", "1\n"),
        ("jq '.items[].status.phase == \"Running\"'", "true\nfalse\n"),
        ("jq '[.items[] | .status.containerStatuses[]?.restartCount]'", "[\n  3\n]\n"),
        ("jq -e '.items[5]'", "null\n"),
    ],
)
def test_jq_filters(command, expected):
    if expected is None:
        return
    result = _run(command, POD_LIST)
    assert result.stdout == expected
    assert result.stderr == ""


def test_jq_reads_a_stream_of_values_and_options():
    assert _out("jq .a", '{"a":1}\n{"a":2}\n') == "1\n2\n"
    assert _out("jq -s length", '{"a":1}\n{"a":2}\n') == "2\n"
    assert _out("jq -n '[1,2] | add'", "") == "3\n"
    assert _out("jq -j .[]", '["a","b"]') == "ab"
    assert _out("jq -S -c .", '{"b":1,"a":2}') == '{"a":2,"b":1}\n'
    assert _out("jq", '{"a": [1, {}]}') == '{\n  "a": [\n    1,\n    {}\n  ]\n}\n'
    assert _out("jq .", "") == ""
    assert _out("jq '.a|tostring'", '{"a":1.0}') == '"1"\n'


def test_jq_errors_and_exit_codes():
    assert _run("jq .a.b", '{"a":1}\n') == ProgramResult(
        "", 'jq: error (at <stdin>:1): Cannot index number with "b"\n', 5
    )
    assert _run("jq '.[]'", "null") == ProgramResult("", "jq: error (at <stdin>:0): Cannot iterate over null\n", 5)
    assert _run("jq '.[] | .a'", '[{"a":1}, 3]') == ProgramResult(
        "1\n", 'jq: error (at <stdin>:0): Cannot index number with "a"\n', 5
    )
    assert _run("jq 'foo'", "{}") == ProgramResult(
        "", "jq: error: foo/0 is not defined at <top-level>, line 1:\nfoo\njq: 1 compile error\n", 3
    )
    assert _run("jq '.a |'", "{}") == ProgramResult(
        "",
        "jq: error: syntax error, unexpected end of file (Unix shell quoting issues?) at <top-level>, line 1:\n"
        ".a |\njq: 1 compile error\n",
        3,
    )
    assert _run("jq .", "NAME READY\n").exit_code == 2
    assert _run("jq .", "NAME READY\n").stderr.startswith("jq: parse error: Invalid literal at line 1")
    assert _run("jq -e .a", '{"a":false}').exit_code == 1
    assert _run("jq . pods.json", "{}") == ProgramResult(
        "", "jq: error: Could not open pods.json: No such file or directory\n", 2
    )
    assert _run("jq 'env'", "{}").exit_code == 3
    assert _run("jq 'reduce .[] as $x (0; . + $x)'", "[1]").stderr.startswith("jq: error: `reduce` is not supported")


@pytest.mark.parametrize(
    ("command", "stdin", "expected"),
    [
        ("echo hello world", "", "hello world\n"),
        ("echo -n a", "", "a"),
        ("echo -e 'a\\tb\\n'", "", "a\tb\n\n"),
        ("echo 'a\\tb'", "", "a\\tb\n"),
        ("echo -x", "", "-x\n"),
        ("printf '%s=%d\\n' a 1 b 2", "", "a=1\nb=2\n"),
        ("printf '%-5s|%5.1f|%03d|%x|%%\\n' ab 3.14159 7 255", "", "ab   |  3.1|007|ff|%\n"),
        ("printf 'no newline'", "", "no newline"),
        ("printf '%s\\n'", "", "\n"),
        ("cat", "a\nb\n", "a\nb\n"),
        ("cat -", "a\n", "a\n"),
        ("cat -n", "a\n\nb\n", "     1\ta\n     2\t\n     3\tb\n"),
        ("cat -b", "a\n\nb\n", "     1\ta\n\n     2\tb\n"),
        ("cat -A", "a\tb\n", "a^Ib$\n"),
        ("base64", "user:pass", "dXNlcjpwYXNz\n"),
        ("base64 -d", "dXNlcjpwYXNz\n", "user:pass"),
        ("base64 --decode", "YWRtaW4=", "admin"),
        ("base64 -w 4", "abcdef", "YWJj\nZGVm\n"),
        ("true --anything", "", ""),
        ("sleep 0.5s", "", ""),
    ],
)
def test_echo_printf_cat_base64(command, stdin, expected):
    assert _out(command, stdin) == expected


def test_small_tools_fail_like_the_real_ones():
    assert _run("false") == ProgramResult("", "", 1)
    assert _run("printf '%d\\n' abc") == ProgramResult("0\n", "bash: printf: abc: invalid number\n", 1)
    assert _run("printf") == ProgramResult("", "bash: printf: usage: printf [-v var] format [arguments]\n", 2)
    assert _run("printf -v x y").exit_code == 2
    assert _run("cat /etc/passwd") == ProgramResult("", "cat: /etc/passwd: No such file or directory\n", 1)
    assert _run("base64 -d", "***") == ProgramResult("", "base64: invalid input\n", 1)
    assert _run("sleep") == ProgramResult("", "sleep: missing operand\nTry 'sleep --help' for more information.\n", 1)
    assert _run("sleep soon").stderr.startswith("sleep: invalid time interval \u2018soon\u2019\n")
    assert (
        _run("head --bogus").stderr == "head: unrecognized option '--bogus'\nTry 'head --help' for more information.\n"
    )
    assert _run("wc -z").stderr == "wc: invalid option -- 'z'\nTry 'wc --help' for more information.\n"
