"""The Executor's writes through the adapter: the exact requests and bodies, and what they change."""

from __future__ import annotations

import pytest

from tests.kube.conftest import GEO_POD, HR, SN

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
DELETE_OPTIONS = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
GEO = f"/apis/apps/v1/namespaces/{HR}/deployments/geo"


def _calls(standin):
    return [(r.method, r.path, r.content_type if r.method == "PATCH" else "", r.body) for r in standin.state.requests]


def test_patch_a_service_with_a_merge_patch(writer, standin):
    patch = '{"spec":{"ports":[{"name":"9090","port":9090,"protocol":"TCP","targetPort":9090}]}}'

    output = writer.exec_shell(f"kubectl patch svc user-service -n {SN} --type merge -p '{patch}'")

    path = f"/api/v1/namespaces/{SN}/services/user-service"
    assert output == "service/user-service patched\n"
    assert _calls(standin) == [
        ("GET", path, "", None),
        (
            "PATCH",
            path,
            MERGE,
            {"spec": {"ports": [{"name": "9090", "port": 9090, "protocol": "TCP", "targetPort": 9090}]}},
        ),
    ]
    assert standin.state.find("", "services", SN, "user-service")["spec"]["ports"][0]["targetPort"] == 9090
    assert {r.identity for r in standin.state.requests} == {"writer"}


def test_the_same_patch_again_is_no_change(writer):
    patch = '[{"op":"replace","path":"/spec/ports/0/targetPort","value":9090}]'
    command = f"kubectl patch service user-service -n {SN} --type=json -p '{patch}'"

    assert writer.exec_shell(command) == "service/user-service patched\n"
    assert writer.exec_shell(command) == "service/user-service patched (no change)\n"


def test_a_json_patch_is_sent_as_a_list(writer, standin):
    patch = '[{"op":"replace","path":"/spec/replicas","value":2}]'
    writer.exec_shell(f"kubectl patch deployment geo -n {HR} --type json -p '{patch}'")

    assert _calls(standin)[1] == ("PATCH", GEO, JSON_PATCH, [{"op": "replace", "path": "/spec/replicas", "value": 2}])


def test_a_strategic_patch_is_the_default_and_yaml_is_accepted(writer, standin):
    output = writer.exec_shell(f"kubectl patch deploy geo -n {HR} -p 'spec: {{replicas: 3}}'")

    assert output == "deployment.apps/geo patched\n"
    assert _calls(standin)[1] == ("PATCH", GEO, STRATEGIC, {"spec": {"replicas": 3}})


def test_an_unparsable_patch_sends_nothing(writer, standin):
    output = writer.exec_shell(f"kubectl patch deploy geo -n {HR} --type merge -p '[1, 2]'")

    assert output == 'error: unable to parse "[1, 2]": a merge patch is an object\n'
    assert standin.state.requests == []


def test_scale_patches_the_scale_subresource(writer, standin):
    output = writer.exec_shell(f"kubectl scale deployment user-service --replicas=0 -n {SN}")

    assert output == "deployment.apps/user-service scaled\n"
    assert _calls(standin) == [
        ("PATCH", f"/apis/apps/v1/namespaces/{SN}/deployments/user-service/scale", MERGE, {"spec": {"replicas": 0}})
    ]
    assert standin.state.find("apps", "deployments", SN, "user-service")["spec"]["replicas"] == 0


def test_scale_of_a_missing_deployment(writer):
    output = writer.exec_shell(f"kubectl scale deploy/nope --replicas=1 -n {SN}")

    assert output == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_set_image_patches_only_the_changed_container(writer, standin):
    output = writer.exec_shell(
        f"kubectl set image deployment/geo hotel-reserv-geo=yinfangchen/hotelreservation:latest -n {HR}"
    )

    assert output == "deployment.apps/geo image updated\n"
    body = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "hotel-reserv-geo", "image": "yinfangchen/hotelreservation:latest"}]}
            }
        }
    }
    assert _calls(standin) == [("GET", GEO, "", None), ("PATCH", GEO, STRATEGIC, body)]
    container = standin.state.find("apps", "deployments", HR, "geo")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "yinfangchen/hotelreservation:latest"
    assert container["command"] == ["geo"]


def test_set_image_to_the_current_image_sends_no_patch(writer, standin):
    assert writer.exec_shell(f"kubectl set image deployment/geo '*=yinfangchen/geo:app3' -n {HR}") == ""
    assert standin.state.methods() == ["GET"]


def test_set_image_of_an_unknown_container(writer, standin):
    output = writer.exec_shell(f"kubectl set image deployment/geo geo=x:1 -n {HR}")

    assert output == 'error: unable to find container named "geo"\n'
    assert standin.state.methods() == ["GET"]


def test_set_env_sets_and_removes_variables(writer, standin):
    writer.exec_shell(f"kubectl set env deployment/geo JAEGER_SAMPLE_RATIO=1 -n {HR}")
    output = writer.exec_shell(f"kubectl set env deployment/geo DB=mongodb-geo:27017 JAEGER_SAMPLE_RATIO- -n {HR}")

    assert output == "deployment.apps/geo env updated\n"
    last = standin.state.requests[-1]
    assert (last.method, last.content_type) == ("PATCH", STRATEGIC)
    assert last.body == {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "hotel-reserv-geo",
                            "env": [
                                {"name": "DB", "value": "mongodb-geo:27017"},
                                {"name": "JAEGER_SAMPLE_RATIO", "$patch": "delete"},
                            ],
                        }
                    ]
                }
            }
        }
    }
    container = standin.state.find("apps", "deployments", HR, "geo")["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "DB", "value": "mongodb-geo:27017"}]


def test_rollout_restart_stamps_the_template(writer, standin):
    output = writer.exec_shell(f"kubectl rollout restart deployment geo -n {HR}")

    assert output == "deployment.apps/geo restarted\n"
    body = {
        "spec": {
            "template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2025-04-24T10:02:00Z"}}}
        }
    }
    assert _calls(standin) == [("GET", GEO, "", None), ("PATCH", GEO, STRATEGIC, body)]


def test_rollout_undo_restores_the_previous_revision_template(writer, standin):
    output = writer.exec_shell(f"kubectl rollout undo deployment/geo -n {HR}")

    assert output == "deployment.apps/geo rolled back\n"
    calls = _calls(standin)
    assert calls[:2] == [
        ("GET", GEO, "", None),
        ("GET", f"/apis/apps/v1/namespaces/{HR}/replicasets", "", None),
    ]
    assert standin.state.requests[1].query == {"labelSelector": ["io.kompose.service=geo"]}
    method, path, content_type, body = calls[2]
    assert (method, path, content_type) == ("PATCH", GEO, JSON_PATCH)
    assert [op["path"] for op in body] == ["/spec/template", "/metadata/annotations"]
    template = body[0]["value"]
    assert template["metadata"]["labels"] == {"io.kompose.service": "geo"}
    assert template["spec"]["containers"][0]["image"] == "yinfangchen/hotelreservation:latest"
    assert body[1]["value"] == {"deployment.kubernetes.io/revision": "2"}
    restored = standin.state.find("apps", "deployments", HR, "geo")["spec"]["template"]
    assert restored["spec"]["containers"][0]["image"] == "yinfangchen/hotelreservation:latest"


def test_rollout_undo_to_the_current_revision_is_skipped(writer, standin):
    output = writer.exec_shell(f"kubectl rollout undo deployment/geo --to-revision=2 -n {HR}")

    assert output == "deployment.apps/geo skipped rollback (current template already matches revision 2)\n"
    assert "PATCH" not in standin.state.methods()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            f"kubectl rollout undo deployment/frontend -n {HR}",
            "error: unable to find specified revision 0 in history\n",
        ),
        (
            f"kubectl rollout undo deployment/geo --to-revision=7 -n {HR}",
            "error: unable to find specified revision 7 in history\n",
        ),
    ],
)
def test_rollout_undo_without_that_revision(writer, standin, command, message):
    assert writer.exec_shell(command) == message
    assert "PATCH" not in standin.state.methods()


def test_delete_a_pod_by_name(writer, standin):
    output = writer.exec_shell(f"kubectl delete pod {GEO_POD} -n {HR}")

    assert output == f'pod "{GEO_POD}" deleted\n'
    assert _calls(standin) == [("DELETE", f"/api/v1/namespaces/{HR}/pods/{GEO_POD}", "", DELETE_OPTIONS)]
    assert standin.state.find("", "pods", HR, GEO_POD) is None


def test_delete_pods_by_selector_with_a_grace_period(writer, standin):
    output = writer.exec_shell(f"kubectl delete pods -l io.kompose.service=geo --grace-period=5 -n {HR}")

    assert output == f'pod "{GEO_POD}" deleted\n'
    assert _calls(standin) == [
        ("GET", f"/api/v1/namespaces/{HR}/pods", "", None),
        ("DELETE", f"/api/v1/namespaces/{HR}/pods/{GEO_POD}", "", DELETE_OPTIONS | {"gracePeriodSeconds": 5}),
    ]


def test_forced_delete_warns_as_kubectl_does(writer, standin):
    output = writer.exec_shell(f"kubectl delete pod {GEO_POD} --force -n {HR}")

    assert output.startswith("Warning: Immediate deletion does not wait for confirmation")
    assert standin.state.requests[0].body == DELETE_OPTIONS | {"gracePeriodSeconds": 0}


def test_delete_a_missing_pod(writer):
    assert (
        writer.exec_shell(f"kubectl delete pod nope -n {HR}") == 'Error from server (NotFound): pods "nope" not found\n'
    )
    assert writer.exec_shell(f"kubectl delete pod nope --ignore-not-found -n {HR}") == ""


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            f"kubectl delete deployment geo -n {HR}",
            "error: delete of deployments is not permitted through this adapter",
        ),
        (
            f"kubectl patch configmap x -n {HR} -p '{{}}'",
            "error: patch of configmaps is not permitted through this adapter",
        ),
        (
            f"kubectl scale statefulset x --replicas=1 -n {HR}",
            "error: scale of statefulsets is not permitted through this adapter",
        ),
        (
            f"kubectl rollout restart daemonset x -n {HR}",
            "error: rollout restart of daemonsets is not permitted through this adapter",
        ),
        (f"kubectl rollout pause deployment geo -n {HR}", "error: rollout pause is not permitted through this adapter"),
        (
            f"kubectl set resources deployment geo --limits=cpu=1 -n {HR}",
            "error: set resources is not permitted through this adapter",
        ),
        (f"kubectl apply -f deploy.yaml -n {HR}", "error: apply is not permitted through this adapter"),
        ("kubectl create namespace x", "error: create is not permitted through this adapter"),
        (f"kubectl label pod {GEO_POD} a=b -n {HR}", "error: label is not permitted through this adapter"),
        (
            f"kubectl exec {GEO_POD} -n {HR} -- mongo --eval 'db.x()'",
            "error: exec is not permitted through this adapter",
        ),
        (
            f"kubectl scale deployment -l app=x --replicas=1 -n {HR}",
            "error: scale through this adapter needs object names, not a selection",
        ),
        (
            f"kubectl delete pod {GEO_POD} -n {HR} --context aoi-admin",
            "error: --context is not permitted: the platform chooses the cluster and the identity",
        ),
        (
            f"kubectl patch deploy geo -n {HR} -p '{{}}' --dry-run=server",
            "error: --dry-run is not supported through the Kubernetes adapter",
        ),
        (
            f"kubectl scale deploy geo --replicas=1 -n {HR} -o name",
            "error: --output is not supported for scale through the Kubernetes adapter",
        ),
    ],
)
def test_writes_outside_the_adapter_verbs_are_refused_before_any_request(writer, standin, command, message):
    assert writer.exec_shell(command) == f"{message}\n"
    assert standin.state.requests == []


def test_writer_reads_are_limited_by_its_role(writer):
    output = writer.exec_shell(f"kubectl get configmaps -n {HR}")

    assert output.startswith("Error from server (Forbidden): configmaps is forbidden: User ")
    assert "aoi-writer" in output
