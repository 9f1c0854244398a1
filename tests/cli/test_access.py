"""Read/write classification: what a Probe's read-only shell may run, and what it must refuse."""

import shlex

import pytest

from agents.cli.access import Access, AccessDecision, blocked_command_message, command_access, read_only_refusal


def _decide(command: str) -> AccessDecision:
    return command_access(shlex.split(command))


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        ("kubectl get pods -n test-hotel-reservation -o wide", "get"),
        ("kubectl get svc user-service -o yaml", "get"),
        ("kubectl get pods -ojsonpath={.items[*].status.phase}", "get"),
        ("kubectl get pods -A --show-labels", "get"),
        ("kubectl describe pod geo-1 -n x", "describe"),
        ("kubectl logs geo-1 --tail 50 -p -c hotel-reserv-geo", "logs"),
        ("kubectl logs deploy/geo --since=5m", "logs"),
        ("kubectl top pods -n x", "top pod"),
        ("kubectl top node", "top node"),
        ("kubectl explain pods.spec", "explain"),
        ("kubectl api-resources", "api-resources"),
        ("kubectl api-versions", "api-versions"),
        ("kubectl version", "version"),
        ("kubectl cluster-info", "cluster-info"),
        ("kubectl events -n x --types=Warning", "events"),
        ("kubectl get events --sort-by=.lastTimestamp", "get"),
        ("kubectl auth can-i delete pods", "auth can-i"),
        ("kubectl rollout status deployment/geo -n x", "rollout status"),
        ("kubectl rollout status deployment/geo -w", "rollout status"),
        ("kubectl rollout history deploy geo", "rollout history"),
        ("kubectl -n delete get pods", "get"),
        ("kubectl -ndelete get pods", "get"),
        ("kubectl --namespace=x describe pods", "describe"),
        ("kubectl --namespace x -v 6 --request-timeout=5s get pods", "get"),
        ("kubectl", ""),
    ],
)
def test_kubectl_reads(command, verb):
    decision = _decide(command)

    assert decision.access is Access.READ
    assert (decision.program, decision.verb) == ("kubectl", verb)


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        ("helm get values url-shorten-mongodb -n test-social-network", "get values"),
        ("helm get all r", "get all"),
        ("helm get manifest r --revision 2", "get manifest"),
        ("helm get notes r", "get notes"),
        ("helm get hooks r", "get hooks"),
        ("helm get metadata r", "get metadata"),
        ("helm list -A", "list"),
        ("helm ls -n x", "list"),
        ("helm history r", "history"),
        ("helm hist r", "history"),
        ("helm status r --show-resources", "status"),
        ("helm show values bitnami/mongodb", "show values"),
        ("helm version", "version"),
        ("helm -n x --debug list", "list"),
    ],
)
def test_helm_reads(command, verb):
    decision = _decide(command)

    assert decision.access is Access.READ
    assert (decision.program, decision.verb) == ("helm", verb)


@pytest.mark.parametrize(
    "command",
    [
        "grep -i error",
        "awk '{print $1}'",
        "jq -r .items[].metadata.name",
        "sed -n 1p",
        "head -5",
        "echo hi",
        "cat",
        "base64 -d",
        "sleep 5",
    ],
)
def test_text_tools_read(command):
    decision = _decide(command)

    assert decision.access is Access.READ
    assert decision.verb == ""


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        ("kubectl patch svc user-service -p {}", "patch"),
        ("kubectl scale deploy user-service --replicas=0", "scale"),
        ("kubectl set image deploy/geo geo=img", "set image"),
        ("kubectl set env deploy/geo A=1", "set env"),
        ("kubectl rollout restart deploy/geo", "rollout restart"),
        ("kubectl rollout undo deploy/geo", "rollout undo"),
        ("kubectl rollout pause deploy/geo", "rollout pause"),
        ("kubectl rollout resume deploy/geo", "rollout resume"),
        ("kubectl -n x rollout restart deploy/geo", "rollout restart"),
        ("kubectl delete pod geo-1", "delete"),
        ("kubectl --namespace=x delete pod y", "delete"),
        ("kubectl apply -f -", "apply"),
        ("kubectl create namespace x", "create"),
        ("kubectl replace -f x.yaml", "replace"),
        ("kubectl edit svc x", "edit"),
        ("kubectl label pod x a=b", "label"),
        ("kubectl annotate pod x a=b", "annotate"),
        ("kubectl exec mongodb-geo-1 -- mongo --eval x", "exec"),
        ("kubectl cp x:/a /b", "cp"),
        ("kubectl run tmp --image=busybox", "run"),
        ("kubectl expose deploy x --port 80", "expose"),
        ("kubectl autoscale deploy x --max 3", "autoscale"),
        ("kubectl drain node-1", "drain"),
        ("kubectl cordon node-1", "cordon"),
        ("kubectl uncordon node-1", "uncordon"),
        ("kubectl taint nodes node-1 a=b:NoSchedule", "taint"),
        ("kubectl debug pod/x -it --image=busybox", "debug"),
        ("kubectl attach x", "attach"),
        ("kubectl port-forward svc/x 8080:80", "port-forward"),
        ("kubectl proxy", "proxy"),
        ("kubectl auth reconcile -f x.yaml", "auth reconcile"),
        ("kubectl config use-context other", "config"),
    ],
)
def test_kubectl_writes(command, verb):
    decision = _decide(command)

    assert decision.access is Access.WRITE
    assert (decision.program, decision.verb) == ("kubectl", verb)
    assert decision.reason


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        ("helm upgrade r chart --set a=b", "upgrade"),
        ("helm install r chart", "install"),
        ("helm uninstall r", "uninstall"),
        ("helm del r", "uninstall"),
        ("helm rollback r 1", "rollback"),
        ("helm test r", "test"),
        ("helm repo add x https://x", "repo"),
        ("helm -n x upgrade --install r chart", "upgrade"),
    ],
)
def test_helm_writes(command, verb):
    decision = _decide(command)

    assert decision.access is Access.WRITE
    assert (decision.program, decision.verb) == ("helm", verb)


@pytest.mark.parametrize(
    "command",
    [
        "sh -c 'kubectl delete pod x'",
        "bash -c 'kubectl get pods'",
        "eval kubectl get pods",
        "xargs kubectl delete pod",
        "env kubectl get pods",
        "sudo kubectl get pods",
        "timeout 5 kubectl get pods",
        "watch kubectl get pods",
        "tee out.txt",
        "curl http://user-service:8080",
        "mongo --eval db",
        "python -c 1",
        "/usr/bin/kubectl get pods",
        "KUBECTL get pods",
        "\u043aubectl get pods",
        "kubectl wait --for=delete pod/x",
        "kubectl diff -f x.yaml",
        "kubectl foo",
        "kubectl rollout",
        "kubectl rollout frobnicate deploy/x",
        "helm template x chart",
        "helm get bogus r",
        "helm search repo mongo",
        "",
    ],
)
def test_anything_not_known_to_read_is_unknown(command):
    decision = command_access(shlex.split(command)) if command else command_access([])

    assert decision.access is Access.UNKNOWN


@pytest.mark.parametrize(
    "command",
    [
        "kubectl --bogus get pods",
        "kubectl -o wide get pods",
        "kubectl -A get pods",
        "kubectl --match-server-version get pods",
        "kubectl -hn x get pods",
        "kubectl -- get pods",
        "kubectl rollout --bogus status deploy/x",
        "helm --burst-limit 5 list",
    ],
)
def test_unknown_flags_before_the_verb_are_refused(command):
    decision = _decide(command)

    assert decision.access is Access.UNKNOWN


@pytest.mark.parametrize(
    "flag",
    [
        "--kubeconfig=/tmp/admin",
        "--server=https://other:6443",
        "--token=abc",
        "--as=system:admin",
        "--as-group=system:masters",
        "--as-uid=0",
        "--user=admin",
        "--username=admin",
        "--password=x",
        "--context=prod",
        "--cluster=prod",
        "--certificate-authority=/ca",
        "--client-certificate=/c",
        "--client-key=/k",
        "--insecure-skip-tls-verify",
        "--tls-server-name=x",
    ],
)
@pytest.mark.parametrize("position", ["before", "after"])
def test_identity_and_cluster_flags_make_kubectl_not_read(flag, position):
    argv = ["kubectl", flag, "get", "pods"] if position == "before" else ["kubectl", "get", "pods", flag]

    decision = command_access(argv)

    assert decision.access is not Access.READ
    assert "switches identity or cluster" in decision.reason


@pytest.mark.parametrize(
    "argv",
    [
        ["kubectl", "get", "pods", "--kubeconfig", "/home/agent/admin.conf"],
        ["kubectl", "get", "pods", "-s", "https://other"],
        ["kubectl", "get", "pods", "-shttps://other"],
        ["kubectl", "-s", "https://other", "get", "pods"],
        ["kubectl", "get", "pods", "-As", "https://other"],
        ["kubectl", "logs", "x", "-ps", "https://other"],
        ["kubectl", "get", "pods", "-n", "-s"],
        ["kubectl", "get", "pods", "--", "--token=x"],
        ["helm", "list", "--kube-context", "prod"],
        ["helm", "--kubeconfig=/tmp/k", "get", "values", "r"],
        ["helm", "status", "r", "--kube-token=abc"],
        ["helm", "status", "r", "--kube-apiserver=https://x"],
    ],
)
def test_identity_flags_are_found_in_every_spelling(argv):
    assert command_access(argv).access is not Access.READ


def test_a_value_attached_to_a_short_flag_is_not_read_as_flags():
    decision = command_access(["kubectl", "get", "pods", "-ojsonpath={.items[*].status}", "-lapp=user-service"])

    assert decision.access is Access.READ


@pytest.mark.parametrize(
    "command",
    [
        "kubectl get pods -w",
        "kubectl get pods --watch",
        "kubectl get pods --watch-only",
        "kubectl get pods -Aw",
        "kubectl events -w",
        "kubectl logs x -f",
        "kubectl logs x --follow",
        "kubectl logs x -pf",
        "kubectl get --raw /api/v1/namespaces",
        "kubectl get pods --log-file=/tmp/x",
        "kubectl cluster-info dump --output-directory=/tmp/x",
        "helm list --repository-config=/tmp/r",
    ],
)
def test_streaming_raw_and_file_writing_flags_are_not_read(command):
    assert _decide(command).access is not Access.READ


def test_the_refusal_names_the_command_and_why():
    message = read_only_refusal(_decide("kubectl scale deploy x --replicas=0"))

    assert message.startswith("Error: read-only session: `kubectl scale` is a write (it changes replica counts). Only ")
    assert "kubectl get, describe, logs" in message
    assert message.endswith("ask for the change through the Executor.")


def test_the_refusal_of_an_unknown_command_says_it_is_not_allowed():
    message = read_only_refusal(_decide("xargs kubectl delete pod"))

    assert message.startswith("Error: read-only session: `xargs` is not allowed (`xargs` is not a command known")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("kubectl edit svc user-service", "Error: Cannot use `kubectl edit`. Use `kubectl patch` instead."),
        ("kubectl -n x edit deploy geo", "Error: Cannot use `kubectl edit`. Use `kubectl patch` instead."),
        (
            "kubectl port-forward svc/x 8080",
            "Error: Cannot use `kubectl port-forward` because it is an interactive command.",
        ),
        ("kubectl logs x -f", "Error: Cannot use `kubectl logs -f`. Use `kubectl logs` instead."),
        ("kubectl logs --follow x", "Error: Cannot use `kubectl logs -f`. Use `kubectl logs` instead."),
        (
            "kubectl get pods -w",
            "Error: Cannot use `kubectl get --watch` because it is an interactive command. Use `kubectl get`.",
        ),
    ],
)
def test_interactive_commands_are_blocked_with_aiopslabs_words(command, message):
    assert blocked_command_message(shlex.split(command)) == message


@pytest.mark.parametrize(
    "command", ["kubectl get pods", "kubectl logs x --tail 5", "helm list", "grep edit", "echo kubectl edit"]
)
def test_ordinary_commands_are_not_blocked(command):
    assert blocked_command_message(shlex.split(command)) is None
