"""The call parser (AIOpsLab's syntax, literals only) and the dispatch of a parsed call."""

from dataclasses import dataclass, field

import pytest

from agents.sim.calls import API_NAMES, Call, CallError, call_run, parse_call, parse_script, turn_run
from agents.sim.grading import Grade


@pytest.mark.parametrize(
    ("text", "name", "args", "kwargs"),
    [
        ('exec_shell("kubectl get pods -n x")', "exec_shell", ("kubectl get pods -n x",), {}),
        ("exec_shell('kubectl get svc -A')", "exec_shell", ("kubectl get svc -A",), {}),
        ('exec_shell(command="helm history x")', "exec_shell", (), {"command": "helm history x"}),
        ('get_logs("test-social-network", "user-service")', "get_logs", ("test-social-network", "user-service"), {}),
        ('get_metrics("astronomy-shop", duration=5)', "get_metrics", ("astronomy-shop",), {"duration": 5}),
        ('read_traces("traces/t.csv")', "read_traces", ("traces/t.csv",), {}),
        ('submit(["geo"])', "submit", (["geo"],), {}),
        ('submit(["mongodb-geo", "geo"])', "submit", (["mongodb-geo", "geo"],), {}),
        (
            'submit({"system_level": "Application", "fault_type": "Misconfiguration"})',
            "submit",
            ({"system_level": "Application", "fault_type": "Misconfiguration"},),
            {},
        ),
        ('submit("Yes")', "submit", ("Yes",), {}),
        ("submit()", "submit", (), {}),
        ("submit(None)", "submit", (None,), {}),
        ("  submit( [ ] )  ", "submit", ([],), {}),
        ('exec_shell("kubectl get pods")  # list them', "exec_shell", ("kubectl get pods",), {}),
        ('exec_shell("a \\"quoted\\" word")', "exec_shell", ('a "quoted" word',), {}),
    ],
)
def test_parse_call_reads_literal_calls(text, name, args, kwargs):
    call = parse_call(text)

    assert call == Call(name, args, kwargs)


def test_parse_call_accepts_a_markdown_block_and_ignores_the_reasoning_around_it():
    response = 'The geo pod restarts; its logs should say why.\n```\nget_logs("test-hotel-reservation", "geo")\n```\n'

    assert parse_call(response) == Call("get_logs", ("test-hotel-reservation", "geo"))


def test_parse_call_accepts_a_language_tag_and_an_inline_block():
    assert parse_call('```python\nsubmit("No")\n```') == Call("submit", ("No",))
    assert parse_call("```submit()```") == Call("submit")


def test_parse_call_accepts_a_call_spread_over_lines_in_a_block():
    response = '```\nsubmit({\n    "system_level": "Virtualization",\n    "fault_type": "Operation Error",\n})\n```'

    assert parse_call(response).args == ({"system_level": "Virtualization", "fault_type": "Operation Error"},)


def test_parse_call_keeps_aiopslabs_leniency_for_unescaped_quotes_in_shell_commands():
    call = parse_call('exec_shell("kubectl patch svc user-service -p \'{"spec": {"ports": []}}\'")')

    assert call == Call("exec_shell", ('kubectl patch svc user-service -p \'{"spec": {"ports": []}}\'',))
    unbalanced = parse_call('exec_shell("kubectl get pods -o jsonpath="{.items[0].metadata.name}"")')
    assert unbalanced.args == ('kubectl get pods -o jsonpath="{.items[0].metadata.name}"',)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "No API call found!"),
        ("   \n  ", "No API call found!"),
        ("```\n\n```", "No API call found!"),
        ("kubectl get pods", "invalid syntax"),
        ("exec_shell", "No API call found!"),
        ('"just a string"', "No API call found!"),
        ('env.exec_shell("ls")', "No API call found! `env.exec_shell` is not an API name"),
        ('submit("Yes"', "invalid syntax in `submit(\"Yes\"` ('(' was never closed)"),
        ("submit(Yes)", "arguments must be literals (quoted strings, numbers, lists, dicts); got `Yes`"),
        ('exec_shell(__import__("os").system("id"))', "arguments must be literals"),
        ('get_logs(ns + "x", "geo")', "arguments must be literals"),
        ("submit(*answers)", "unpacking (*answers) is not allowed"),
        ("submit(**answer)", "unpacking (**answer) is not allowed"),
        ("exec_shell(42)", "commands must be quoted strings"),
        ('exec_shell(command=["ls"])', "commands must be quoted strings"),
        ('exec_shell("a")\nexec_shell("b")', "found 2 statements; respond with only a single API call per turn"),
        ('x = submit("Yes")', "No API call found!"),
        ('```\nsubmit("Yes")\n```\n```\nsubmit("No")\n```', "Format validation failure."),
        ('```\nsubmit("Yes")\n', "Format validation failure."),
    ],
)
def test_parse_call_refuses_malformed_input_in_aiopslabs_words(text, reason):
    with pytest.raises(CallError) as excinfo:
        parse_call(text)

    assert str(excinfo.value).startswith(f"Error parsing response: {reason}")
    assert isinstance(excinfo.value, ValueError)


def test_parse_call_refuses_oversized_input():
    with pytest.raises(CallError, match="the limit is 100000"):
        parse_call(f'exec_shell("{"x" * 100_001}")')


def test_parse_script_keeps_line_numbers_and_skips_comments_blanks_and_fences():
    script = (
        '# look first\n\nexec_shell("kubectl get pods -n x")\n```\nsubmit(Yes)\n   # indented comment\nsubmit("Yes")\n'
    )

    parsed = parse_script(script)

    assert [number for number, _ in parsed] == [3, 5, 7]
    assert parsed[0][1] == Call("exec_shell", ("kubectl get pods -n x",))
    assert isinstance(parsed[1][1], CallError)
    assert parsed[2][1] == Call("submit", ("Yes",))


def test_call_str_renders_the_call():
    assert str(Call("get_metrics", ("ns",), {"duration": 5})) == "get_metrics('ns', duration=5)"


@dataclass
class RecordingEnvironment:
    """Answers every API with a line naming what it was called with."""

    read_only: bool = False
    calls: list[tuple[str, dict]] = field(default_factory=list)

    def _answer(self, name: str, **kwargs: object) -> str:
        self.calls.append((name, kwargs))
        return f"{name} ran"

    def get_logs(self, namespace: str, service: str) -> str:
        return self._answer("get_logs", namespace=namespace, service=service)

    def get_metrics(self, namespace: str, duration: int = 5) -> str:
        return self._answer("get_metrics", namespace=namespace, duration=duration)

    def read_metrics(self, file_path: str) -> str:
        return self._answer("read_metrics", file_path=file_path)

    def get_traces(self, namespace: str, duration: int = 5) -> str:
        return self._answer("get_traces", namespace=namespace, duration=duration)

    def read_traces(self, file_path: str) -> str:
        return self._answer("read_traces", file_path=file_path)

    def exec_shell(self, command: str, timeout: int = 30) -> str:
        return self._answer("exec_shell", command=command)


@dataclass
class RecordingEpisode:
    """Grades every solution as a success and keeps it in the grade's details."""

    finished: bool = False
    steps: int = 0
    solutions: list[object] = field(default_factory=list)

    def submit(self, solution: object = None) -> Grade:
        self.solutions.append(solution)
        self.finished = True
        return Grade("p-1", "detection", True, None, True, details={"solution": solution})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('get_logs("ns", "geo")', ("get_logs", {"namespace": "ns", "service": "geo"})),
        ('get_logs(service="geo", namespace="ns")', ("get_logs", {"namespace": "ns", "service": "geo"})),
        ('get_metrics("ns")', ("get_metrics", {"namespace": "ns", "duration": 5})),
        ('get_traces("ns", 10)', ("get_traces", {"namespace": "ns", "duration": 10})),
        ('read_metrics("m/cpu.csv")', ("read_metrics", {"file_path": "m/cpu.csv"})),
        ('read_traces(file_path="t.csv")', ("read_traces", {"file_path": "t.csv"})),
        ('exec_shell(command="kubectl get ns")', ("exec_shell", {"command": "kubectl get ns"})),
    ],
)
def test_call_run_dispatches_to_the_environment(text, expected):
    env, episode = RecordingEnvironment(), RecordingEpisode()

    output = call_run(parse_call(text), env=env, episode=episode)

    assert output == f"{expected[0]} ran"
    assert env.calls == [expected]
    assert episode.solutions == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('get_logs("ns")', "get_logs() missing a required argument: 'service'"),
        ('get_logs("ns", "geo", "x")', "get_logs() too many positional arguments"),
        ('get_metrics("ns", minutes=5)', "get_metrics() got an unexpected keyword argument 'minutes'"),
        ('get_metrics("ns", duration="5")', "get_metrics() argument 'duration' must be int, not str"),
        ('get_metrics("ns", True)', "get_metrics() argument 'duration' must be int, not bool"),
        ('get_logs("ns", ["geo"])', "get_logs() argument 'service' must be str, not list"),
        ('read_traces("a", file_path="b")', "read_traces() multiple values for argument 'file_path'"),
        ('exec_shell("ls", timeout=5)', "exec_shell() got an unexpected keyword argument 'timeout'"),
        ('kubectl("get pods")', "Invalid action: kubectl. The APIs are: " + ", ".join(API_NAMES) + "."),
        ('submit("Yes", solution="No")', "submit() takes one solution, given either positionally or by name"),
    ],
)
def test_call_run_answers_a_wrong_shape_with_an_error_string(text, error):
    env, episode = RecordingEnvironment(), RecordingEpisode()

    output = call_run(parse_call(text), env=env, episode=episode)

    assert output == error
    assert env.calls == []
    assert episode.solutions == []


@pytest.mark.parametrize(
    ("text", "solution"),
    [
        ("submit()", None),
        ('submit("Yes")', "Yes"),
        ('submit(["geo"])', ["geo"]),
        (
            'submit({"system_level": "Application", "fault_type": "Code Defect"})',
            {
                "system_level": "Application",
                "fault_type": "Code Defect",
            },
        ),
        ('submit("mongodb-geo", "geo")', ["mongodb-geo", "geo"]),
        ('submit(has_anomaly="No")', "No"),
    ],
)
def test_call_run_hands_the_solution_to_the_episode(text, solution):
    env, episode = RecordingEnvironment(), RecordingEpisode()

    grade = call_run(parse_call(text), env=env, episode=episode)

    assert isinstance(grade, Grade)
    assert grade.details == {"solution": solution}
    assert episode.solutions == [solution]
    assert env.calls == []


def test_call_run_refuses_a_second_submit():
    env, episode = RecordingEnvironment(), RecordingEpisode(finished=True)

    output = call_run(parse_call('submit("Yes")'), env=env, episode=episode)

    assert output == "Error: the episode has already ended; submit() was called before."
    assert episode.solutions == []


def test_turn_run_counts_a_malformed_turn_as_a_step_and_answers_it():
    env, episode = RecordingEnvironment(), RecordingEpisode()

    output = turn_run("I think the geo service is broken.", env=env, episode=episode)

    assert output == "Error parsing response: invalid syntax in `I think the geo service is broken.`"
    assert episode.steps == 1
    assert env.calls == []


def test_turn_run_runs_a_well_formed_turn():
    env, episode = RecordingEnvironment(), RecordingEpisode()

    output = turn_run('Let me look.\n```\nget_logs("ns", "geo")\n```', env=env, episode=episode)

    assert output == "get_logs ran"
    assert episode.steps == 0
    assert env.calls == [("get_logs", {"namespace": "ns", "service": "geo"})]
