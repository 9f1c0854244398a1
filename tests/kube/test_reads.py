"""A Probe's reads through the adapter: the API paths they hit and kubectl's output for them."""

from __future__ import annotations

import json

from tests.kube.conftest import GEO_POD, HR, SN

HR_API = f"/api/v1/namespaces/{HR}"


def _requests(standin):
    return [(r.method, r.path, r.query, r.identity) for r in standin.state.requests]


def test_get_pods_lists_the_namespace(reader, standin):
    output = reader.exec_shell(f"kubectl get pods -n {HR}")

    lines = output.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [line.split()[0] for line in lines[1:]] == [
        "frontend-thgslhrlk-x2k9p",
        GEO_POD,
        "mongodb-geo-pjlrmcnrg-x2k9p",
    ]
    assert lines[2].split()[1:4] == ["0/1", "CrashLoopBackOff", "4"]
    assert _requests(standin) == [("GET", f"{HR_API}/pods", {}, "reader")]


def test_get_across_namespaces_with_a_label_selector(reader, standin):
    output = reader.exec_shell("kubectl get pods -A -l app=user-service")

    assert output.splitlines()[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert output.splitlines()[1].split()[:2] == [SN, "user-service-clktjmmmc-x2k9p"]
    assert _requests(standin) == [("GET", "/api/v1/pods", {"labelSelector": ["app=user-service"]}, "reader")]


def test_get_one_object_as_json(reader, standin):
    output = reader.exec_shell(f"kubectl get deployment geo -n {HR} -o json")

    deployment = json.loads(output)
    assert deployment["kind"] == "Deployment"
    assert deployment["apiVersion"] == "apps/v1"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "yinfangchen/geo:app3"
    assert _requests(standin) == [("GET", f"/apis/apps/v1/namespaces/{HR}/deployments/geo", {}, "reader")]


def test_get_a_list_as_yaml_carries_the_item_kinds(reader):
    output = reader.exec_shell(f"kubectl get svc -n {SN} -o yaml")

    assert output.startswith("apiVersion: v1\nitems:\n")
    assert output.count("kind: Service\n") == 2


def test_get_several_types_prints_a_table_each(reader, standin):
    output = reader.exec_shell(f"kubectl get svc,endpoints -n {SN}")

    assert "service/user-service" in output
    assert "endpoints/user-service" in output
    assert ":9999" in output
    assert [r.path for r in standin.state.requests] == [
        f"/api/v1/namespaces/{SN}/services",
        f"/api/v1/namespaces/{SN}/endpoints",
    ]


def test_get_with_a_field_selector_and_jsonpath(reader, standin):
    output = reader.exec_shell(
        f"kubectl get pods -n {HR} --field-selector metadata.name={GEO_POD} -o jsonpath='{{.items[0].status.phase}}'"
    )

    assert output == "Running"
    assert standin.state.requests[0].query == {"fieldSelector": [f"metadata.name={GEO_POD}"]}


def test_get_a_missing_object_is_kubectls_not_found(reader):
    assert reader.exec_shell(f"kubectl get pod nope -n {HR}") == 'Error from server (NotFound): pods "nope" not found\n'


def test_get_in_an_empty_namespace(reader):
    assert reader.exec_shell("kubectl get pods -n kube-system") == "No resources found in kube-system namespace.\n"


def test_get_cluster_scoped_types_ignore_the_namespace(reader, standin):
    output = reader.exec_shell(f"kubectl get nodes -n {HR}")

    assert output.splitlines()[1].split()[:2] == ["kind-worker", "Ready"]
    assert standin.state.requests[0].path == "/api/v1/nodes"


def test_get_events_sorted_by_last_timestamp(reader, standin):
    output = reader.exec_shell(f"kubectl get events -n {HR} --sort-by=.lastTimestamp")

    reasons = [line.split()[2] for line in output.splitlines()[1:]]
    assert reasons[-1] == "BackOff"
    assert reasons.count("Scheduled") == 3
    assert standin.state.requests[0].path == f"{HR_API}/events"


def test_kubectl_events_for_one_object(reader, standin):
    output = reader.exec_shell(f"kubectl events -n {HR} --for pod/{GEO_POD} --types Warning")

    assert [line.split()[2] for line in output.splitlines()[1:]] == ["BackOff"]
    assert standin.state.requests[0].query == {
        "fieldSelector": [f"involvedObject.kind=Pod,involvedObject.name={GEO_POD}"]
    }


def test_logs_of_a_pod_with_tail(reader, standin):
    output = reader.exec_shell(f"kubectl logs {GEO_POD} -n {HR} --tail 2")

    assert output == "2025-04-24T10:01:45Z PNC cmd/geo/db.go:26 > no reachable servers\npanic: no reachable servers\n"
    assert _requests(standin) == [
        ("GET", f"{HR_API}/pods/{GEO_POD}", {}, "reader"),
        ("GET", f"{HR_API}/pods/{GEO_POD}/log", {"container": ["hotel-reserv-geo"], "tailLines": ["2"]}, "reader"),
    ]


def test_logs_of_the_previous_container(reader, standin):
    output = reader.exec_shell(f"kubectl logs -p {GEO_POD} -c hotel-reserv-geo -n {HR}")

    assert output.startswith('{"level":"info","time":"2025-04-24T10:00:55Z"')
    assert standin.state.requests[-1].query == {"container": ["hotel-reserv-geo"], "previous": ["true"]}


def test_logs_of_a_deployment_take_its_first_pod(reader, standin):
    output = reader.exec_shell(f"kubectl logs deploy/frontend -n {HR}")

    assert "Read target port: 5000" in output
    assert [(r.path, r.query) for r in standin.state.requests] == [
        (f"/apis/apps/v1/namespaces/{HR}/deployments/frontend", {}),
        (f"{HR_API}/pods", {"labelSelector": ["io.kompose.service=frontend"]}),
        (f"{HR_API}/pods/frontend-thgslhrlk-x2k9p/log", {"container": ["hotel-reserv-frontend"]}),
    ]


def test_logs_by_selector_default_to_ten_lines_each(reader, standin):
    output = reader.exec_shell(f"kubectl logs -l io.kompose.service=frontend -n {HR} --prefix")

    assert output.splitlines()[0] == (
        "[pod/frontend-thgslhrlk-x2k9p/hotel-reserv-frontend] 2025-04-24T10:00:31Z INF cmd/frontend/main.go:23 > "
        "Reading config..."
    )
    assert standin.state.requests[-1].query == {"container": ["hotel-reserv-frontend"], "tailLines": ["10"]}


def test_logs_of_an_invalid_container_is_the_servers_error(reader):
    output = reader.exec_shell(f"kubectl logs {GEO_POD} -c sidecar -n {HR}")

    assert output == f"Error from server (BadRequest): container sidecar is not valid for pod {GEO_POD}\n"


def test_top_pods_from_the_metrics_api(reader, standin):
    output = reader.exec_shell(f"kubectl top pods -n {HR}")

    assert output.splitlines() == [
        "NAME                          CPU(cores)   MEMORY(bytes)",
        "frontend-thgslhrlk-x2k9p      24m          18Mi",
        "geo-ftjftqlhd-x2k9p           2m           6Mi",
        "mongodb-geo-pjlrmcnrg-x2k9p   24m          18Mi",
    ]
    assert standin.state.requests[0].path == f"/apis/metrics.k8s.io/v1beta1/namespaces/{HR}/pods"


def test_top_without_the_metrics_api(tmp_path):
    from agents.kube.config import KubeSettings
    from agents.kube.environment import KubernetesEnvironment
    from tests.kube.standin import serve

    for running in serve(tmp_path, serve_metrics=False):
        settings = KubeSettings.from_mapping(
            {
                "reader": {"kubeconfig": str(running.kubeconfig), "context": "aoi-reader"},
                "writer": {"kubeconfig": str(running.kubeconfig), "context": "aoi-writer"},
            }
        )
        reader = KubernetesEnvironment(settings, read_only=True)

        assert reader.exec_shell(f"kubectl top pods -n {HR}") == "error: Metrics API not available\n"


def test_a_pipeline_feeds_kubectl_output_to_text_tools(reader):
    assert reader.exec_shell(f"kubectl get pods -n {HR} --no-headers | grep geo-ftj | wc -l").strip() == "1"


def test_the_reader_is_refused_secrets_by_the_server(reader, standin):
    output = reader.exec_shell(f"kubectl get secrets -n {HR}")

    assert output == (
        'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:aoi-system:aoi-reader" '
        f'cannot list resource "secrets" in API group "" in the namespace "{HR}"\n'
    )


def test_helm_is_not_available(reader, standin):
    assert reader.exec_shell(f"helm list -n {HR}") == "Error: helm is not available through the Kubernetes adapter\n"
    assert standin.state.requests == []


def test_unsupported_reads_and_flags_say_so_without_a_request(reader, standin):
    assert (
        reader.exec_shell("kubectl explain pods") == "error: explain is not available through the Kubernetes adapter\n"
    )
    assert reader.exec_shell(f"kubectl get pods -n {HR} -L app") == (
        "error: --label-columns is not supported through the Kubernetes adapter\n"
    )
    assert standin.state.requests == []


def test_top_nodes_as_a_share_of_allocatable(reader, standin):
    output = reader.exec_shell("kubectl top nodes")

    assert output.splitlines() == [
        "NAME          CPU(cores)   CPU%   MEMORY(bytes)   MEMORY%",
        "kind-worker   413m         5%     3072Mi          19%",
    ]
    assert [r.path for r in standin.state.requests] == ["/apis/metrics.k8s.io/v1beta1/nodes", "/api/v1/nodes"]


def test_describe_pod_reads_the_pod_and_its_events(reader, standin):
    output = reader.exec_shell(f"kubectl describe pod {GEO_POD} -n {HR}")

    assert output.startswith(f"Name:             {GEO_POD}\nNamespace:        {HR}\n")
    assert "Reason:       CrashLoopBackOff" in output
    assert "Back-off restarting failed container hotel-reserv-geo" in output
    assert _requests(standin) == [
        ("GET", f"{HR_API}/pods/{GEO_POD}", {}, "reader"),
        (
            "GET",
            f"{HR_API}/events",
            {
                "fieldSelector": [
                    f"involvedObject.name={GEO_POD},involvedObject.namespace={HR},involvedObject.kind=Pod,"
                    f"involvedObject.uid=uid-{HR}-{GEO_POD}"
                ]
            },
            "reader",
        ),
    ]


def test_describe_deployment_looks_up_its_replica_sets(reader, standin):
    output = reader.exec_shell(f"kubectl describe deployment geo -n {HR}")

    assert "OldReplicaSets:  geo-fnjhpmnrq (0/0 replicas created)" in output
    assert "NewReplicaSet:   geo-ftjftqlhd (1/1 replicas created)" in output
    assert "Scaled up replica set geo-ftjftqlhd to 1" in output
    assert [(r.path, r.query) for r in standin.state.requests[:2]] == [
        (f"/apis/apps/v1/namespaces/{HR}/deployments/geo", {}),
        (f"/apis/apps/v1/namespaces/{HR}/replicasets", {"labelSelector": ["io.kompose.service=geo"]}),
    ]


def test_describe_service_shows_its_endpoints(reader, standin):
    output = reader.exec_shell(f"kubectl describe svc user-service -n {SN}")

    assert "TargetPort:               9999/TCP" in output
    assert "Endpoints:                10.244.1.19:9999" in output
    assert standin.state.requests[1].path == f"/api/v1/namespaces/{SN}/endpoints/user-service"


def test_describe_by_selector_and_a_missing_name(reader):
    assert reader.exec_shell(f"kubectl describe pods -l io.kompose.service=geo -n {HR}").startswith(
        f"Name:             {GEO_POD}\n"
    )
    assert reader.exec_shell(f"kubectl describe pod nope -n {HR}") == (
        'Error from server (NotFound): pods "nope" not found\n'
    )
    assert reader.exec_shell("kubectl describe pods -n kube-system") == "No resources found in kube-system namespace.\n"


def test_get_by_name_across_namespaces_is_refused(reader, standin):
    output = reader.exec_shell(f"kubectl get pod {GEO_POD} -A")

    assert output == "error: a resource cannot be retrieved by name across all namespaces\n"
    assert standin.state.requests == []


def test_rollout_status_and_history_are_reads(reader):
    assert reader.exec_shell(f"kubectl rollout status deployment/geo -n {HR}") == (
        'Waiting for deployment "geo" rollout to finish: 0 of 1 updated replicas are available...\n'
    )
    assert reader.exec_shell(f"kubectl rollout status deployment/frontend -n {HR}") == (
        'deployment "frontend" successfully rolled out\n'
    )
    assert reader.exec_shell(f"kubectl rollout history deployment/geo -n {HR}") == (
        "deployment.apps/geo \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n"
    )
