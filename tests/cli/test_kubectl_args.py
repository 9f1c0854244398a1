"""kubectl and helm command lines as data, and the real tools' refusals of malformed ones."""

import shlex

import pytest

from agents.cli.kubectl_args import (
    RESOURCE_TYPES,
    HelmUsageError,
    KubectlCommand,
    KubectlUsageError,
    ResourceRef,
    parse_helm,
    parse_kubectl,
    resource_type,
)


def _kubectl(command: str) -> KubectlCommand:
    return parse_kubectl(shlex.split(command))


def _refs(command: str) -> list[tuple[str, str | None]]:
    return [(ref.type.plural, ref.name) for ref in _kubectl(command).resources]


@pytest.mark.parametrize(
    ("name", "plural"),
    [
        ("pods", "pods"),
        ("pod", "pods"),
        ("po", "pods"),
        ("Pod", "pods"),
        ("svc", "services"),
        ("deploy", "deployments"),
        ("deployments.apps", "deployments"),
        ("deployment.v1.apps", "deployments"),
        ("rs", "replicasets"),
        ("sts", "statefulsets"),
        ("ds", "daemonsets"),
        ("ep", "endpoints"),
        ("cm", "configmaps"),
        ("ev", "events"),
        ("ns", "namespaces"),
        ("no", "nodes"),
        ("pv", "persistentvolumes"),
        ("pvc", "persistentvolumeclaims"),
        ("sa", "serviceaccounts"),
        ("ing", "ingresses"),
        ("netpol", "networkpolicies"),
        ("podchaos", "podchaos"),
        ("NetworkChaos", "networkchaos"),
        ("stresschaos.chaos-mesh.org", "stresschaos"),
    ],
)
def test_resource_types_resolve_by_every_name(name, plural):
    assert resource_type(name).plural == plural


def test_resource_types_carry_their_api():
    assert resource_type("deploy").api_version == "apps/v1"
    assert resource_type("iochaos").api_version == "chaos-mesh.org/v1alpha1"
    assert resource_type("nodes").namespaced is False
    assert resource_type("deployments").qualified_name == "deployment.apps"
    assert resource_type("pods").qualified_name == "pod"
    assert len({t.plural for t in RESOURCE_TYPES}) == len(RESOURCE_TYPES)


@pytest.mark.parametrize("name", ["foos", "deployments.batch", "pods.apps", ""])
def test_an_unknown_resource_type_is_kubectls_error(name):
    with pytest.raises(KubectlUsageError) as raised:
        resource_type(name)
    assert str(raised.value) == f'error: the server doesn\'t have a resource type "{name}"'


def test_get_with_namespace_output_and_selector():
    command = _kubectl("kubectl get pods -n test-hotel-reservation -o wide -l io.kompose.service=geo")

    assert (command.verb, command.subverb) == ("get", None)
    assert command.resources == (ResourceRef(resource_type("pods"), None),)
    assert command.namespace == "test-hotel-reservation"
    assert command.output == "wide"
    assert command.selector == "io.kompose.service=geo"
    assert command.all_namespaces is False
    assert dict(command.flags) == {}


@pytest.mark.parametrize(
    ("command", "refs"),
    [
        ("kubectl get pods,svc", [("pods", None), ("services", None)]),
        ("kubectl get pod/geo-1 svc/geo", [("pods", "geo-1"), ("services", "geo")]),
        ("kubectl get deploy geo user", [("deployments", "geo"), ("deployments", "user")]),
        ("kubectl get pods,svc geo", [("pods", "geo"), ("services", "geo")]),
        ("kubectl get deployment.apps/geo", [("deployments", "geo")]),
        ("kubectl describe svc user-service", [("services", "user-service")]),
    ],
)
def test_resource_arguments_read_as_kubectls_builder_reads_them(command, refs):
    assert _refs(command) == refs


def test_get_all_expands_the_workload_category():
    assert [plural for plural, _ in _refs("kubectl get all -n x")] == [
        "pods",
        "replicationcontrollers",
        "services",
        "daemonsets",
        "deployments",
        "replicasets",
        "statefulsets",
        "horizontalpodautoscalers",
        "cronjobs",
        "jobs",
    ]


@pytest.mark.parametrize(
    ("command", "namespace", "verb"),
    [
        ("kubectl -n delete get pods", "delete", "get"),
        ("kubectl --namespace=x get pods", "x", "get"),
        ("kubectl -nx get pods", "x", "get"),
        ("kubectl -n=x get pods", "x", "get"),
        ("kubectl get -n x pods", "x", "get"),
        ("kubectl get pods --namespace x", "x", "get"),
    ],
)
def test_global_flags_are_skipped_to_find_the_verb(command, namespace, verb):
    parsed = _kubectl(command)

    assert (parsed.verb, parsed.namespace) == (verb, namespace)


def test_output_forms():
    assert _kubectl("kubectl get pods -ojson").output == "json"
    assert _kubectl("kubectl get pods -o=yaml").output == "yaml"
    assert _kubectl("kubectl get pods --output=name").output == "name"
    jsonpath = _kubectl("kubectl get pods -o jsonpath='{.items[*].metadata.name}'")
    assert jsonpath.output == "jsonpath={.items[*].metadata.name}"
    columns = _kubectl("kubectl get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName")
    assert columns.output == "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName"


def test_template_flag_gives_the_template_of_a_template_format():
    assert _kubectl("kubectl get pods --template='{{.kind}}'").output == "go-template={{.kind}}"
    assert _kubectl("kubectl get pods -o template --template='{{.kind}}'").output == "template={{.kind}}"
    assert _kubectl("kubectl get pods -o jsonpath --template='{.kind}'").output == "jsonpath={.kind}"
    columns = _kubectl("kubectl get pods -o custom-columns --template=N:.metadata.name")
    assert columns.output == "custom-columns=N:.metadata.name"
    assert _kubectl("kubectl get pods -o json --template='{{.kind}}'").output == "json"
    assert _kubectl("kubectl get pods -o go-template='{{.kind}}'").output == "go-template={{.kind}}"


def test_template_flag_beside_a_template_already_given_is_refused():
    with pytest.raises(KubectlUsageError) as refused:
        _kubectl("kubectl get pods -o go-template='{{.kind}}' --template='{{.apiVersion}}'")
    assert str(refused.value).startswith(
        'error: unable to match a printer suitable for the output format "go-template={{.kind}}", allowed formats'
    )


def test_events_sorted_and_the_events_command():
    events = _kubectl("kubectl get events -n x --sort-by=.lastTimestamp --field-selector type=Warning")
    assert _refs("kubectl get events") == [("events", None)]
    assert dict(events.flags) == {"sort-by": ".lastTimestamp"}
    assert events.field_selector == "type=Warning"

    command = _kubectl("kubectl events -A --for pod/geo-1 --types=Warning,Normal")
    assert (command.verb, command.all_namespaces) == ("events", True)
    assert dict(command.flags) == {"for": "pod/geo-1", "types": ("Warning", "Normal")}


def test_logs_pod_container_tail_previous():
    command = _kubectl("kubectl logs geo-1 hotel-reserv-geo --tail 50 -p --timestamps -n x")

    assert command.verb == "logs"
    assert _refs("kubectl logs geo-1") == [("pods", "geo-1")]
    assert dict(command.flags) == {"container": "hotel-reserv-geo", "tail": 50, "previous": True, "timestamps": True}
    assert dict(_kubectl("kubectl logs deploy/geo -c geo --tail=-1").flags) == {"container": "geo", "tail": -1}
    assert _refs("kubectl logs deploy/geo") == [("deployments", "geo")]
    assert _kubectl("kubectl logs -l app=geo --all-containers").selector == "app=geo"


def test_exec_keeps_the_command_after_the_double_dash():
    command = _kubectl("kubectl exec -it mongodb-geo-1 -n x -c mongo -- mongo admin -u admin --eval 'db.getUsers()'")

    assert command.verb == "exec"
    assert _refs("kubectl exec mongodb-geo-1 -- ls") == [("pods", "mongodb-geo-1")]
    assert dict(command.flags) == {"stdin": True, "tty": True, "container": "mongo"}
    assert command.args == ("mongo", "admin", "-u", "admin", "--eval", "db.getUsers()")


def test_patch_scale_set_and_rollout():
    patch = _kubectl('kubectl patch svc user-service -n x --type merge -p \'{"spec":{"ports":[]}}\'')
    assert dict(patch.flags) == {"type": "merge", "patch": '{"spec":{"ports":[]}}'}
    assert _refs("kubectl patch deploy/geo -p {}") == [("deployments", "geo")]

    scale = _kubectl("kubectl scale deployment user-service --replicas=1")
    assert dict(scale.flags) == {"replicas": 1}

    image = _kubectl("kubectl set image deploy/geo hotel-reserv-geo=yinfangchen/geo:app3")
    assert (image.verb, image.subverb, image.args) == ("set", "image", ("hotel-reserv-geo=yinfangchen/geo:app3",))

    env = _kubectl("kubectl set env deployment/geo DB=mongodb-geo:27017 OLD-")
    assert (env.subverb, env.args) == ("env", ("DB=mongodb-geo:27017", "OLD-"))

    undo = _kubectl("kubectl rollout undo deployment geo --to-revision=1")
    assert (undo.verb, undo.subverb, dict(undo.flags)) == ("rollout", "undo", {"to-revision": 1})
    assert _kubectl("kubectl rollout restart deploy").resources == (ResourceRef(resource_type("deployments"), None),)


def test_top_normalises_its_subcommand():
    pods = _kubectl("kubectl top pods -n x --containers")
    nodes = _kubectl("kubectl top no")

    assert (pods.subverb, pods.resources, dict(pods.flags)) == (
        "pod",
        (ResourceRef(resource_type("pods"), None),),
        {"containers": True},
    )
    assert nodes.subverb == "node"


def test_delete_apply_create_explain():
    delete = _kubectl("kubectl delete pod geo-1 --grace-period=0 --force")
    assert dict(delete.flags) == {"grace-period": 0, "force": True}
    assert _kubectl("kubectl delete pods --all -n x").resources == (ResourceRef(resource_type("pods"), None),)
    assert dict(_kubectl("kubectl apply -f -").flags) == {"filename": ("-",)}
    create = _kubectl("kubectl create ns chaos")
    assert (create.subverb, create.resources) == ("namespace", (ResourceRef(resource_type("namespaces"), "chaos"),))
    explain = _kubectl("kubectl explain deployment.spec.replicas")
    assert (explain.resources, explain.args) == (
        (ResourceRef(resource_type("deployments"), None),),
        ("deployment.spec.replicas",),
    )


def test_bare_kubectl_is_help():
    assert _kubectl("kubectl").verb == "help"
    assert dict(_kubectl("kubectl --help").flags) == {"help": True}


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("kubectl foo", 'error: unknown command "foo" for "kubectl"'),
        ("kubectl gte pods", 'error: unknown command "gte" for "kubectl"\n\nDid you mean this?\n\tget'),
        ("kubectl get pods --bogus", "error: unknown flag: --bogus\nSee 'kubectl get --help' for usage."),
        ("kubectl get pods -Z", "error: unknown shorthand flag: 'Z' in -Z\nSee 'kubectl get --help' for usage."),
        ("kubectl get pods -n", "error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for usage."),
        (
            "kubectl delete pod x --grace-period",
            "error: flag needs an argument: --grace-period\nSee 'kubectl delete --help' for usage.",
        ),
        (
            "kubectl logs x --tail abc",
            'error: invalid argument "abc" for "--tail" flag: strconv.ParseInt: parsing "abc": invalid syntax\n'
            "See 'kubectl logs --help' for usage.",
        ),
        ("kubectl get foos", 'error: the server doesn\'t have a resource type "foos"'),
        ("kubectl delete pods", "error: resource(s) were provided, but no name was specified"),
        ("kubectl scale deploy --replicas=1", "error: resource(s) were provided, but no name was specified"),
        ("kubectl patch svc -p {}", "error: resource(s) were provided, but no name was specified"),
        ("kubectl scale deploy x", 'error: required flag(s) "replicas" not set'),
        ("kubectl patch svc x", "error: must specify --patch or --patch-file containing the contents of the patch"),
        ("kubectl patch svc x -p {} --type foo", 'error: --type must be one of [json merge strategic], not "foo"'),
        ("kubectl get pods deploy/x", "error: there is no need to specify a resource type as a separate argument"),
        ("kubectl get pod/x y", "error: arguments in resource/name form must have a single resource and name"),
        ("kubectl get all x", "error: you must specify only one resource"),
        ("kubectl get pods -o foo", 'error: unable to match a printer suitable for the output format "foo", allowed'),
        ("kubectl get pods -o jsonpath", "error: template format specified but no template given"),
        (
            "kubectl logs",
            "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
            "POD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples",
        ),
        (
            "kubectl exec x ls",
            "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead",
        ),
        ("kubectl exec x", "error: you must specify at least one command for the container"),
        ("kubectl apply", "error: must specify one of -f and -k"),
        ("kubectl rollout status deploy", "error: rollout status is only supported on individual resources"),
        (
            "kubectl rollout frob deploy/x",
            "error: unknown command \"frob\"\nSee 'kubectl rollout -h' for help and examples",
        ),
        ("kubectl set image deploy/x", "error: at least one image update is required"),
        ("kubectl delete", "error: You must provide one or more resources by argument or filename."),
    ],
)
def test_malformed_lines_get_kubectls_own_error(command, message):
    with pytest.raises(KubectlUsageError) as raised:
        _kubectl(command)
    assert str(raised.value).startswith(message)


def test_get_without_a_type_prints_kubectls_guidance():
    with pytest.raises(KubectlUsageError) as raised:
        _kubectl("kubectl get")

    assert str(raised.value) == (
        'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported '
        "resources.\n\nerror: Required resource not specified.\n"
        'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
        "See 'kubectl get -h' for help and examples"
    )


def test_parse_kubectl_wants_a_kubectl_argv():
    with pytest.raises(ValueError, match="kubectl"):
        parse_kubectl(["helm", "list"])


def test_helm_get_values():
    command = parse_helm(shlex.split("helm get values url-shorten-mongodb -n test-social-network --all -o yaml"))

    assert (command.verb, command.subverb, command.release, command.chart) == (
        "get",
        "values",
        "url-shorten-mongodb",
        None,
    )
    assert command.namespace == "test-social-network"
    assert dict(command.flags) == {"all": True, "output": "yaml"}


def test_helm_upgrade_splits_set_values():
    command = parse_helm(
        shlex.split(
            "helm upgrade url-shorten-mongodb bitnami/mongodb -n x --reuse-values "
            "--set tls.mode=disabled,auth.enabled=false --set 'arr={a,b}' --set-string image.tag=4.4 --set 'k=a\\,b'"
        )
    )

    assert (command.verb, command.release, command.chart) == ("upgrade", "url-shorten-mongodb", "bitnami/mongodb")
    assert command.set_values == (
        ("tls.mode", "disabled"),
        ("auth.enabled", "false"),
        ("arr", "{a,b}"),
        ("k", "a,b"),
        ("image.tag", "4.4"),
    )
    assert command.flags["reuse-values"] is True
    assert command.flags["set-string"] == ("image.tag=4.4",)


@pytest.mark.parametrize(
    ("command", "verb", "release"),
    [
        ("helm ls -A", "list", None),
        ("helm hist r --max 5", "history", "r"),
        ("helm status r", "status", "r"),
        ("helm uninstall r", "uninstall", "r"),
        ("helm del r", "uninstall", "r"),
        ("helm -n x history r", "history", "r"),
    ],
)
def test_helm_aliases_and_releases(command, verb, release):
    parsed = parse_helm(shlex.split(command))

    assert (parsed.verb, parsed.release) == (verb, release)


def test_helm_rollback_revision_and_install_generate_name():
    assert parse_helm(["helm", "rollback", "r", "2"]).flags["revision"] == 2
    install = parse_helm(["helm", "install", "bitnami/mongodb", "--generate-name"])
    assert (install.release, install.chart) == (None, "bitnami/mongodb")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("helm bogus", 'Error: unknown command "bogus" for "helm"\nRun \'helm --help\' for usage.'),
        ("helm list --bogus", "Error: unknown flag: --bogus"),
        (
            "helm get values",
            'Error: "helm get values" requires 1 argument\n\nUsage:  helm get values RELEASE_NAME [flags]',
        ),
        (
            "helm upgrade r",
            'Error: "helm upgrade" requires 2 arguments\n\nUsage:  helm upgrade [RELEASE] [CHART] [flags]',
        ),
        ("helm list x", 'Error: "helm list" accepts no arguments\n\nUsage:  helm list [flags]'),
        ("helm rollback", 'Error: "helm rollback" requires at least 1 argument'),
        ("helm get nope r", 'Error: unknown command "nope" for "helm get"'),
        ("helm upgrade r c --set novalue", 'Error: failed parsing --set data: key "novalue" has no value'),
        ("helm rollback r two", 'Error: could not convert revision to a number: strconv.Atoi: parsing "two"'),
    ],
)
def test_malformed_helm_lines_get_helms_own_error(command, message):
    with pytest.raises(HelmUsageError) as raised:
        parse_helm(shlex.split(command))
    assert str(raised.value).startswith(message)
