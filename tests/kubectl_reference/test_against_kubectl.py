"""The simulator's kubectl against the real binary, on the same objects: every line prints the same stdout,
stderr and exit status (absolute times blanked). Skipped where no kubectl is installed."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.sim.episode import episode_start
from agents.sim.problems import problem_get
from tests.kubectl_reference.reference import KUBECTL, SKIP_REASON, Printed, Reference, normalize_times, reference_serve

HR = "test-hotel-reservation"
AS = "astronomy-shop"


def _reference(problem: str, tmp_dir: Path) -> Iterator[Reference]:
    if KUBECTL is None:
        pytest.skip(SKIP_REASON)
    state = episode_start(problem_get(problem), seed=0).state
    yield from reference_serve(state, tmp_dir, shift_times=True)


@pytest.fixture(scope="module")
def hotel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    yield from _reference("revoke_auth_mongodb-mitigation-1", tmp_path_factory.mktemp("hotel"))


@pytest.fixture(scope="module")
def astronomy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    yield from _reference("astronomy_shop_ad_service_failure-detection-1", tmp_path_factory.mktemp("astronomy"))


def _shown(printed: Printed) -> tuple[str, str, int]:
    return normalize_times(printed.stdout), normalize_times(printed.stderr), printed.exit_code


def _assert_same(reference: Reference, line: str) -> None:
    assert _shown(reference.sim(line)) == _shown(reference.kubectl(line)), line


# Item 1: one object found by a selector is a List; one named object is itself; named ones keep their order.
LISTS = [
    f"kubectl get pods -n {HR} -l io.kompose.service=geo -o json",
    f"kubectl get pods -n {HR} -l io.kompose.service=geo -o yaml",
    f"kubectl get pods -n {HR} -l io.kompose.service=geo -o jsonpath={{.items[0].metadata.name}}",
    f"kubectl get svc geo -n {HR} -o json",
    f"kubectl get svc geo -n {HR} -o jsonpath={{.spec.ports[0].port}}",
    f"kubectl get svc user geo -n {HR} -o yaml",
    f"kubectl get svc/user deploy/geo svc/geo -n {HR}",
    f"kubectl get svc/user deploy/geo svc/geo -n {HR} -o name",
]

# Item 2: --sort-by, for tables, names and Lists, and its refusals.
SORTS = [
    f"kubectl get pods -n {HR} --sort-by=.metadata.name",
    f"kubectl get pods -n {HR} --sort-by=.status.startTime -o name",
    f"kubectl get pods -n {HR} --sort-by={{.metadata.creationTimestamp}} -o wide",
    f"kubectl get pods -n {HR} --sort-by=.status.containerStatuses[0].restartCount",
    f"kubectl get deploy -n {HR} --sort-by=.spec.replicas",
    f"kubectl get deploy,svc -n {HR} --sort-by=.metadata.name",
    f"kubectl get deploy,svc -n {HR} --sort-by=.metadata.name -o json",
    f"kubectl get pods -n {HR} --sort-by=.nothing",
    f"kubectl get pods -n {HR} --sort-by=.nothing -o json",
    f"kubectl get pods -n {HR} --sort-by={{.metadata.name",
    f"kubectl get events -n {HR} --sort-by=.lastTimestamp",
    "kubectl get pods -A --sort-by=.metadata.name",
]

# Item 5: go-template, -o template and --template.
TEMPLATES = [
    f"kubectl get pods -n {HR} -o go-template='{{{{range .items}}}}{{{{.metadata.name}}}}{{{{\"\\n\"}}}}{{{{end}}}}'",
    f"kubectl get pods -n {HR} --template="
    '\'{{range .items}}{{.metadata.name}}:{{index .metadata.labels "io.kompose.service"}}{{"\\n"}}{{end}}\'',
    f"kubectl get pods -n {HR} -l io.kompose.service=geo -o go-template="
    '\'{{range .items}}{{if .status.podIP}}{{printf "%s %-10s|%d|%v\\n" .metadata.name .status.phase '
    "(len .spec.containers) .spec.containers}}{{end}}{{end}}'",
    f"kubectl get pods -n {HR} -l io.kompose.service=geo -o go-template="
    "'{{range $i, $p := .items}}{{$i}}={{$p.metadata.name}} {{range $k, $v := $p.metadata.labels}}{{$k}}:{{$v}},"
    "{{end}}{{else}}none{{end}}'",
    f"kubectl get pods -n {HR} -o go-template="
    "'{{range .items}}{{if eq .status.phase \"Running\"}}R{{else}}X{{end}}{{end}} {{len .items}} {{.nothere}}'",
    f"kubectl get pods -n {HR} -o template --template='{{{{len .items}}}}'",
    f"kubectl get pods -n {HR} -o jsonpath --template='{{.items[0].kind}}'",
    f"kubectl get pods -n {HR} -o custom-columns --template=N:.metadata.name",
    f"kubectl get svc geo -n {HR} -o go-template='{{{{.metadata.name}}}} {{{{(index .spec.ports 0).port}}}}'",
]

# Item 7: printer errors exit 1 with kubectl's message.
ERRORS = [
    f"kubectl get pods -n {HR} -o jsonpath={{.items[0]",
    f"kubectl get pods -n {HR} -o jsonpath={{.items[99].metadata.name}}",
    f"kubectl get pods -n {HR} -o custom-columns=NAME",
    f"kubectl get pods -n {HR} -o custom-columns=NAME:{{.metadata.name",
    f"kubectl get pods -n {HR} -o go-template='{{{{range .items}}}}'",
    f"kubectl get pods -n {HR} -o go-template='{{{{ if else }}}}{{{{end}}}}'",
    f"kubectl get pods -n {HR} -o go-template='{{{{index .items 99}}}}'",
    f"kubectl get pods -n {HR} -o go-template='{{{{.metadata.resourceVersion.x}}}}'",
    f"kubectl get pods -n {HR} -o go-template-file=/nonexistent/x.tpl",
    f"kubectl get pods -n {HR} -o go-template='{{{{.kind}}}}' --template='{{{{.apiVersion}}}}'",
]

# Items 4 and 8: describe node's pods and allocated resources; no blank line after any description.
DESCRIBES = [
    "kubectl describe node kind-worker",
    "kubectl describe node",
    f"kubectl describe pod -n {HR} -l io.kompose.service=geo",
    f"kubectl describe deploy geo -n {HR}",
    f"kubectl describe svc geo user -n {HR}",
    f"kubectl describe rs -n {HR}",
]


@pytest.mark.parametrize("line", LISTS + SORTS + TEMPLATES + ERRORS + DESCRIBES)
def test_the_hotel_cluster_prints_as_kubectl_prints_it(hotel: Reference, line: str) -> None:
    _assert_same(hotel, line)


# Items 3 and 6: Go's YAML (quoting, | blocks) and jsonpath's bare output.
ASTRONOMY = [
    f"kubectl get configmap flagd-config -n {AS} -o yaml",
    f"kubectl get configmap -n {AS} -o yaml",
    f"kubectl get svc frontend -n {AS} -o yaml",
    f"kubectl get svc frontend -n {AS} -o jsonpath='{{range .spec.ports[*]}}{{.name}}{{\"\\n\"}}{{end}}'",
    f"kubectl get pods -n {AS} -o jsonpath={{.items[*].metadata.name}}",
    f"kubectl get svc -n {AS} -l app.kubernetes.io/name=frontend -o jsonpath={{.items[0].metadata.name}}",
    f"kubectl describe svc frontend ad -n {AS}",
]


@pytest.mark.parametrize("line", ASTRONOMY)
def test_the_astronomy_cluster_prints_as_kubectl_prints_it(astronomy: Reference, line: str) -> None:
    _assert_same(astronomy, line)


def test_jsonpath_prints_no_newline_of_its_own(astronomy: Reference) -> None:
    printed = astronomy.kubectl(f"kubectl get svc frontend -n {AS} -o jsonpath={{.metadata.name}}")
    assert (printed.stdout, printed.exit_code) == ("frontend", 0)
    assert astronomy.sim(f"kubectl get svc frontend -n {AS} -o jsonpath={{.metadata.name}}").stdout == "frontend"
