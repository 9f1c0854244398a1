"""The simulator's kubectl prints as kubectl prints: Lists, --sort-by, YAML, go-template, describe node,
jsonpath's bare output and the exit status of printer errors (tests/kubectl_reference compares the same
commands with the real binary where it is installed)."""

import json
import shlex

import pytest

from agents.cli.shell import ProgramResult
from agents.sim import objects
from agents.sim.episode import episode_start
from agents.sim.kubectl import SimKubectl
from agents.sim.problems import problem_get
from agents.sim.state import ClusterState

HR = "test-hotel-reservation"


@pytest.fixture(scope="module")
def state() -> ClusterState:
    return episode_start(problem_get("revoke_auth_mongodb-mitigation-1"), seed=0).state


def kubectl(state: ClusterState, line: str) -> ProgramResult:
    return SimKubectl(state, read_only=True)(shlex.split(line), "")


def pod_names(state: ClusterState, label: str | None = None) -> list[str]:
    pods = objects.objects_of(state, "pods", HR)
    return sorted(
        pod["metadata"]["name"]
        for pod in pods
        if label is None or pod["metadata"]["labels"].get("io.kompose.service") == label
    )


def test_a_selector_that_finds_one_pod_still_prints_a_list(state: ClusterState) -> None:
    # Given a selector that matches exactly one pod
    (geo,) = pod_names(state, "geo")

    # When it is printed as json and through jsonpath
    listed = kubectl(state, f"kubectl get pods -n {HR} -l io.kompose.service=geo -o json")
    first = kubectl(
        state, f"kubectl get pods -n {HR} -l io.kompose.service=geo -o jsonpath={{.items[0].metadata.name}}"
    )

    # Then it is a List of one, and {.items[0]...} reads it
    assert (json.loads(listed.stdout)["kind"], len(json.loads(listed.stdout)["items"])) == ("List", 1)
    assert (first.stdout, first.stderr, first.exit_code) == (geo, "", 0)


def test_one_pod_asked_for_by_name_prints_the_pod(state: ClusterState) -> None:
    (geo,) = pod_names(state, "geo")
    printed = json.loads(kubectl(state, f"kubectl get pod {geo} -n {HR} -o json").stdout)
    assert (printed["kind"], printed["metadata"]["name"]) == ("Pod", geo)


def test_sort_by_sorts_a_table_and_a_list(state: ClusterState) -> None:
    # Given pods that started at different times
    by_start = sorted(objects.objects_of(state, "pods", HR), key=lambda pod: pod["status"]["startTime"])

    # When sorted by start time as a table and as names
    table = kubectl(state, f"kubectl get pods -n {HR} --sort-by=.status.startTime").stdout
    names = kubectl(state, f"kubectl get pods -n {HR} --sort-by={{.status.startTime}} -o name").stdout

    # Then the youngest pod (geo, restarted by the fault) comes last in both
    assert [line.split()[0] for line in table.splitlines()[1:]][-1] == by_start[-1]["metadata"]["name"]
    assert names.splitlines()[-1] == f"pod/{by_start[-1]['metadata']['name']}"
    assert len(names.splitlines()) == len(by_start)


def test_a_named_yaml_is_printed_as_kubectl_prints_yaml() -> None:
    astronomy = episode_start(problem_get("astronomy_shop_ad_service_failure-detection-1"), seed=0).state
    out = kubectl(astronomy, "kubectl get configmap flagd-config -n astronomy-shop -o yaml").stdout
    assert out.startswith("apiVersion: v1\ndata:\n  demo.flagd.json: |-\n    {\n")
    assert '\n  resourceVersion: "' in out
    assert '\n  creationTimestamp: "' in out


def test_describe_node_lists_its_non_terminated_pods_and_allocated_resources(state: ClusterState) -> None:
    # Given the pods the simulator placed on kind-worker
    on_node = [pod for pod in objects.objects_of(state, "pods", None) if pod["spec"].get("nodeName") == "kind-worker"]

    # When the node is described
    out = kubectl(state, "kubectl describe node kind-worker").stdout

    # Then every one of them is listed, and the resources they request are summed
    assert f"Non-terminated Pods:          ({len(on_node)} in total)\n" in out
    assert all(f"  {pod['metadata']['name']}  " in out for pod in on_node)
    assert "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n" in out
    assert "  cpu                300m (3%)  3 (37%)\n" in out


def test_go_template_prints_through_the_template(state: ClusterState) -> None:
    template = '{{range .items}}{{.metadata.name}} {{index .metadata.labels "io.kompose.service"}}{{"\\n"}}{{end}}'
    result = kubectl(state, f"kubectl get pods -n {HR} -o go-template='{template}'")
    shown = kubectl(state, f"kubectl get pods -n {HR} --template='{template}'")

    pods = sorted(objects.objects_of(state, "pods", HR), key=lambda pod: pod["metadata"]["name"])
    expected = "".join(f"{pod['metadata']['name']} {pod['metadata']['labels']['io.kompose.service']}\n" for pod in pods)
    assert (result.stdout, result.stderr, result.exit_code) == (expected, "", 0)
    assert shown.stdout == expected


def test_jsonpath_output_has_no_trailing_newline(state: ClusterState) -> None:
    result = kubectl(state, f"kubectl get pods -n {HR} -o jsonpath={{.items[*].metadata.name}}")
    assert result.stdout == " ".join(pod_names(state))


@pytest.mark.parametrize(
    ("output", "stderr"),
    [
        ("jsonpath={.items[0", "error: error parsing jsonpath {.items[0, unterminated array\n"),
        (
            "custom-columns=NAME",
            "error: unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>\n",
        ),
        (
            "go-template={{range .items}}",
            "error: error parsing template {{range .items}}, template: output:1: unexpected EOF\n",
        ),
    ],
)
def test_printer_errors_exit_1_with_kubectls_message(state: ClusterState, output: str, stderr: str) -> None:
    result = kubectl(state, f"kubectl get pods -n {HR} -o '{output}'")
    assert (result.stdout, result.stderr, result.exit_code) == ("", stderr, 1)


def test_a_jsonpath_execution_error_exits_1(state: ClusterState) -> None:
    result = kubectl(state, f"kubectl get pods -n {HR} -o jsonpath={{.items[99].metadata.name}}")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        'error: error executing jsonpath "{.items[99].metadata.name}": Error executing template: array index out '
        "of bounds: index 99, length "
    )


def test_describe_output_ends_without_a_blank_line(state: ClusterState) -> None:
    one = kubectl(state, f"kubectl describe svc geo -n {HR}").stdout
    two = kubectl(state, f"kubectl describe svc geo user -n {HR}").stdout
    assert one.endswith("Events:            <none>\n")
    assert not one.endswith("\n\n")
    assert two.count("\n\n\nName:") == 1
    assert not two.endswith("\n\n")
