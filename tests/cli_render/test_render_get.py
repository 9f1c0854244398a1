"""``kubectl get`` tables: columns, cell formats, alignment and the empty-result message."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.cli.render import render_get, tabwrite
from tests.cli_render import (
    NOW,
    SN,
    container_status,
    crashloop_pod,
    deployment,
    endpoints,
    event,
    meta,
    pending_claim,
    pending_pod,
    pod,
    running,
    service,
)


def lines(*rows: str) -> str:
    return "".join(row + "\n" for row in rows)


def three_pods() -> list[dict[str, Any]]:
    return [crashloop_pod(), pod("text-service-5c8f7d9b4-abcde", created="2026-11-21T09:58:48Z"), pending_pod()]


def status_of(obj: dict[str, Any]) -> str:
    out, _ = render_get("pods", [obj], now=NOW, no_headers=True)
    return out.split()[2]


def test_pods_table_is_aligned_like_kubectl() -> None:
    out, err = render_get("pods", three_pods(), now=NOW)
    assert err == ""
    assert out == lines(
        "NAME                           READY   STATUS             RESTARTS      AGE",
        "geo-84fbc958c7-p8wq6           0/1     Pending            0             2m",
        "text-service-5c8f7d9b4-abcde   1/1     Running            0             6m12s",
        "user-service-6d5f8b7c9-x2x4q   0/1     CrashLoopBackOff   3 (45s ago)   5m",
    )


def test_pods_wide_adds_ip_node_nominated_node_and_readiness_gates() -> None:
    out, _ = render_get("pods", three_pods(), now=NOW, output="wide")
    assert out.splitlines()[0] == (
        "NAME                           READY   STATUS             RESTARTS      AGE     IP            NODE"
        "          NOMINATED NODE   READINESS GATES"
    )
    assert out.splitlines()[1] == (
        "geo-84fbc958c7-p8wq6           0/1     Pending            0             2m      <none>        <none>"
        "        <none>           <none>"
    )
    assert out.splitlines()[3].split()[-4:] == ["10.244.1.12", "kind-worker", "<none>", "<none>"]


def test_all_namespaces_puts_namespace_first_and_sorts_by_it() -> None:
    out, _ = render_get("pods", three_pods(), now=NOW, all_namespaces=True)
    assert out == lines(
        "NAMESPACE                NAME                           READY   STATUS             RESTARTS      AGE",
        "test-hotel-reservation   geo-84fbc958c7-p8wq6           0/1     Pending            0             2m",
        "test-social-network      text-service-5c8f7d9b4-abcde   1/1     Running            0             6m12s",
        "test-social-network      user-service-6d5f8b7c9-x2x4q   0/1     CrashLoopBackOff   3 (45s ago)   5m",
    )


def test_show_labels_appends_sorted_labels() -> None:
    out, _ = render_get("pods", [crashloop_pod(), pending_pod()], now=NOW, show_labels=True)
    assert out.splitlines()[0].endswith("AGE   LABELS")
    assert out.splitlines()[1].endswith("2m    <none>")
    assert out.splitlines()[2].endswith("5m    app=user-service,service=user-service")


def test_no_headers_keeps_kubectls_six_column_minimum() -> None:
    out, _ = render_get("pods", three_pods(), now=NOW, no_headers=True)
    assert out.splitlines()[0] == "geo-84fbc958c7-p8wq6           0/1   Pending            0             2m"


def test_presorted_keeps_the_callers_order() -> None:
    out, _ = render_get("pods", three_pods(), now=NOW, no_headers=True, presorted=True)
    assert [row.split()[0] for row in out.splitlines()] == [
        "user-service-6d5f8b7c9-x2x4q",
        "text-service-5c8f7d9b4-abcde",
        "geo-84fbc958c7-p8wq6",
    ]


def terminated(reason: str | None, exit_code: int, signal: int = 0) -> dict[str, Any]:
    state: dict[str, Any] = {"exitCode": exit_code}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {"terminated": state}


@pytest.mark.parametrize(
    ("state", "phase", "expected"),
    [
        ({"waiting": {"reason": "ContainerCreating"}}, "Pending", "ContainerCreating"),
        ({"waiting": {"reason": "ImagePullBackOff"}}, "Pending", "ImagePullBackOff"),
        (terminated("Completed", 0), "Succeeded", "Completed"),
        (terminated("Error", 1), "Running", "Error"),
        (terminated("OOMKilled", 137), "Running", "OOMKilled"),
        (terminated(None, 2), "Failed", "ExitCode:2"),
        (terminated(None, 137, signal=9), "Failed", "Signal:9"),
        ({"waiting": {}}, "Pending", "Pending"),
    ],
)
def test_pod_status_comes_from_the_container_state(state: dict[str, Any], phase: str, expected: str) -> None:
    obj = pod("api-0", phase=phase, statuses=[container_status("app", state, ready=False)])
    assert status_of(obj) == expected


def test_terminating_pod_shows_terminating() -> None:
    obj = pod("api-0")
    obj["metadata"]["deletionTimestamp"] = "2026-11-21T10:04:30Z"
    assert status_of(obj) == "Terminating"


def test_evicted_pod_shows_its_reason() -> None:
    obj = pod("api-0", phase="Failed", statuses=[], reason="Evicted")
    assert status_of(obj) == "Evicted"


def with_init(obj: dict[str, Any], init_state: dict[str, Any]) -> dict[str, Any]:
    obj["spec"]["initContainers"] = [{"name": "wait-for-db", "image": "busybox"}]
    obj["status"]["initContainerStatuses"] = [container_status("wait-for-db", init_state, ready=False, restarts=2)]
    return obj


@pytest.mark.parametrize(
    ("init_state", "expected"),
    [
        (running(), "Init:0/1"),
        ({"waiting": {"reason": "CrashLoopBackOff"}}, "Init:CrashLoopBackOff"),
        (terminated("Error", 1), "Init:Error"),
        (terminated(None, 3), "Init:ExitCode:3"),
    ],
)
def test_init_container_progress(init_state: dict[str, Any], expected: str) -> None:
    waiting = [container_status("app", {"waiting": {"reason": "PodInitializing"}}, ready=False)]
    obj = with_init(pod("api-0", phase="Pending", statuses=waiting), init_state)
    out, _ = render_get("pods", [obj], now=NOW, no_headers=True)
    assert out.split()[1:4] == ["0/1", expected, "2"]


def test_completed_container_beside_a_ready_one_reads_running() -> None:
    statuses = [
        container_status("app", running(), ready=True),
        container_status("migrate", terminated("Completed", 0), ready=False),
    ]
    obj = pod(
        "api-0", statuses=statuses, containers=("app", "migrate"), conditions=[{"type": "Ready", "status": "True"}]
    )
    out, _ = render_get("pods", [obj], now=NOW, no_headers=True)
    assert out.split()[1:3] == ["1/2", "Running"]


def test_restarts_sum_all_containers_and_age_the_latest_restart() -> None:
    older = {"terminated": {"exitCode": 1, "finishedAt": "2026-11-21T09:00:00Z"}}
    newer = {"terminated": {"exitCode": 1, "finishedAt": "2026-11-21T10:03:00Z"}}
    statuses = [
        container_status("app", running(), ready=True, restarts=2, lastState=older),
        container_status("proxy", running(), ready=True, restarts=1, lastState=newer),
    ]
    out, _ = render_get("pods", [pod("api-0", statuses=statuses, containers=("app", "proxy"))], now=NOW)
    assert "2/2     Running   3 (2m ago)   5m" in out


def test_services_ports_external_ips_and_wide_selector() -> None:
    node_port = service("frontend", type="NodePort", ports=[{"port": 80, "nodePort": 30001, "protocol": "TCP"}])
    balancer = service("nginx-thrift", type="LoadBalancer")
    headless = service("mongodb-geo", clusterIP="None", clusterIPs=["None"], ports=[])
    out, _ = render_get("services", [node_port, balancer, headless, service("user-service")], now=NOW, output="wide")
    assert out == lines(
        "NAME           TYPE           CLUSTER-IP    EXTERNAL-IP   PORT(S)        AGE   SELECTOR",
        "frontend       NodePort       10.96.12.34   <none>        80:30001/TCP   15m   service=frontend",
        "mongodb-geo    ClusterIP      None          <none>        <none>         15m   service=mongodb-geo",
        "nginx-thrift   LoadBalancer   10.96.12.34   <pending>     9090/TCP       15m   service=nginx-thrift",
        "user-service   ClusterIP      10.96.12.34   <none>        9090/TCP       15m   service=user-service",
    )


def test_service_with_wrong_target_port_still_shows_only_the_port() -> None:
    out, _ = render_get("services", [service("user-service", target_port=9999)], now=NOW)
    assert out.splitlines()[1].split()[4] == "9090/TCP"


def test_endpoints_show_three_addresses_then_a_count() -> None:
    many = endpoints("user-service", ["10.244.1.12", "10.244.1.13", "10.244.2.4", "10.244.2.5"], port=9999)
    none = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta("text-service")}
    out, _ = render_get("endpoints", [many, none], now=NOW)
    assert out == lines(
        "NAME           ENDPOINTS                                                       AGE",
        "text-service   <none>                                                          5m",
        "user-service   10.244.1.12:9999,10.244.1.13:9999,10.244.2.4:9999 + 1 more...   5m",
    )


def test_endpoints_list_only_ready_addresses() -> None:
    out, _ = render_get("endpoints", [endpoints("user-service", [], not_ready=["10.244.1.12"])], now=NOW)
    assert out.splitlines()[1] == "user-service   " + " " * len("ENDPOINTS   ") + "5m"


def test_deployment_scaled_to_zero() -> None:
    out, _ = render_get("deployments", [deployment("user-service", replicas=0)], now=NOW, output="wide")
    assert out == lines(
        "NAME           READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS     IMAGES"
        "                                               SELECTOR",
        "user-service   0/0     0            0           15m   user-service   "
        "deathstarbench/social-network-microservices:latest   service=user-service",
    )


def test_deployment_ready_counts() -> None:
    ready = deployment("compose-post-service", replicas=2, ready=1, updatedReplicas=2, availableReplicas=1)
    out, _ = render_get("deployments", [ready], now=NOW)
    assert out.splitlines()[1] == "compose-post-service   1/2     2            1           15m"


def test_replicasets_statefulsets_configmaps_and_secrets() -> None:
    replica_set = {
        "kind": "ReplicaSet",
        "metadata": meta("geo-84fbc958c7"),
        "spec": {"replicas": 1},
        "status": {"replicas": 1},
    }
    stateful = {
        "kind": "StatefulSet",
        "metadata": meta("kafka"),
        "spec": {"replicas": 1},
        "status": {"readyReplicas": 1},
    }
    config = {
        "kind": "ConfigMap",
        "metadata": meta("flagd-config"),
        "data": {"demo.flagd.json": "{}"},
        "binaryData": {"x": ""},
    }
    secret = {"kind": "Secret", "metadata": meta("mongodb-geo"), "type": "Opaque", "data": {"password": "YWRtaW4="}}
    assert render_get("replicasets", [replica_set], now=NOW)[0] == lines(
        "NAME             DESIRED   CURRENT   READY   AGE", "geo-84fbc958c7   1         1         0       5m"
    )
    assert render_get("statefulsets", [stateful], now=NOW)[0] == lines("NAME    READY   AGE", "kafka   1/1     5m")
    assert render_get("configmaps", [config], now=NOW)[0] == lines(
        "NAME           DATA   AGE", "flagd-config   2      5m"
    )
    assert render_get("secrets", [secret], now=NOW)[0] == lines(
        "NAME          TYPE     DATA   AGE", "mongodb-geo   Opaque   1      5m"
    )


def test_pending_claim_and_bound_volume() -> None:
    volume = {
        "kind": "PersistentVolume",
        "metadata": meta("pv-geo", namespace=None),
        "spec": {
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "claimRef": {"namespace": "test-hotel-reservation", "name": "geo-pvc"},
            "storageClassName": "geo-storage",
        },
        "status": {"phase": "Bound"},
    }
    assert render_get("persistentvolumeclaims", [pending_claim()], now=NOW)[0] == lines(
        "NAME      STATUS    VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE",
        "geo-pvc   Pending                                      geo-storage    <unset>                 5m",
    )
    out, _ = render_get("persistentvolumes", [volume], now=NOW)
    assert out == lines(
        "NAME     CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS   CLAIM                            STORAGECLASS"
        "   VOLUMEATTRIBUTESCLASS   REASON   AGE",
        "pv-geo   10Gi       RWO,RWX        Retain           Bound    test-hotel-reservation/geo-pvc   geo-storage"
        "    <unset>                          5m",
    )


def test_events_table_names_the_object_kind_slash_name() -> None:
    scheduling = event(
        "FailedScheduling",
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
        name="geo-84fbc958c7-p8wq6",
        type_="Warning",
        firstTimestamp="2026-11-21T10:03:00Z",
        lastTimestamp="2026-11-21T10:04:30Z",
        count=3,
    )
    scaled = event(
        "ScalingReplicaSet",
        "Scaled up replica set geo-84fbc958c7 to 1\n",
        kind="Deployment",
        name="geo",
        eventTime="2026-11-21T10:02:58.000000Z",
    )
    out, _ = render_get("events", [scaled, scheduling], now=NOW)
    assert out.splitlines() == [
        "LAST SEEN   TYPE      REASON              OBJECT                     MESSAGE",
        "30s         Warning   FailedScheduling    pod/geo-84fbc958c7-p8wq6   "
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
        "2m2s        Normal    ScalingReplicaSet   deployment/geo             "
        "Scaled up replica set geo-84fbc958c7 to 1",
    ]


def test_events_wide_adds_source_first_seen_count_and_name() -> None:
    backoff = event(
        "BackOff",
        "Back-off restarting failed container",
        name="user-service-6d5f8b7c9-x2x4q",
        type_="Warning",
        source={"component": "kubelet", "host": "kind-worker"},
        firstTimestamp="2026-11-21T10:01:00Z",
        lastTimestamp="2026-11-21T10:02:50Z",
        count=5,
    )
    out, _ = render_get("events", [backoff], now=NOW, output="wide")
    header, row = out.splitlines()
    assert header.split() == [
        "LAST",
        "SEEN",
        "TYPE",
        "REASON",
        "OBJECT",
        "SUBOBJECT",
        "SOURCE",
        "MESSAGE",
        "FIRST",
        "SEEN",
        "COUNT",
        "NAME",
    ]
    assert header.endswith("MESSAGE                                FIRST SEEN   COUNT   NAME")
    assert row.endswith(
        "kubelet, kind-worker   Back-off restarting failed container   4m           5       "
        "user-service-6d5f8b7c9-x2x4q.17a1b2c3d4e5f6a7"
    )


def test_table_cells_stop_at_the_first_newline() -> None:
    multi = event(
        "Unhealthy", "Readiness probe failed:\nconnection refused", name="api-0", lastTimestamp="2026-11-21T10:04:00Z"
    )
    out, _ = render_get("events", [multi], now=NOW)
    assert out.splitlines()[1].endswith("pod/api-0   Readiness probe failed:...")


def test_nodes_status_roles_and_wide_columns() -> None:
    node = {
        "kind": "Node",
        "metadata": meta(
            "kind-worker",
            namespace=None,
            created="2026-11-20T09:00:00Z",
            labels={"node-role.kubernetes.io/worker": "", "kubernetes.io/role": "db"},
        ),
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "Ready", "status": "False"}],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.3"}],
            "nodeInfo": {"kubeletVersion": "v1.30.0", "osImage": "Debian GNU/Linux 12 (bookworm)"},
        },
    }
    out, _ = render_get("nodes", [node], now=NOW, output="wide")
    assert out == lines(
        "NAME          STATUS                        ROLES       AGE   VERSION   INTERNAL-IP   EXTERNAL-IP"
        "   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME",
        "kind-worker   NotReady,SchedulingDisabled   db,worker   25h   v1.30.0   172.18.0.3    <none>"
        "        Debian GNU/Linux 12 (bookworm)   <unknown>        <unknown>",
    )


def test_chaos_experiments_use_their_printer_columns() -> None:
    kill = {
        "apiVersion": "chaos-mesh.org/v1alpha1",
        "kind": "PodChaos",
        "metadata": meta("pod-kill"),
        "spec": {"action": "pod-kill", "mode": "one"},
    }
    stress = {
        "apiVersion": "chaos-mesh.org/v1alpha1",
        "kind": "StressChaos",
        "metadata": meta("cpu-stress"),
        "spec": {"duration": "200s"},
    }
    assert render_get("podchaos", [kill], now=NOW)[0] == lines(
        "NAME       ACTION     DURATION", "pod-kill   pod-kill   "
    )
    assert render_get("stresschaos", [stress], now=NOW)[0] == lines("NAME         DURATION", "cpu-stress   200s")


def test_unknown_kinds_print_name_and_age() -> None:
    release = {"apiVersion": "example.io/v1", "kind": "Widget", "metadata": meta("w-1")}
    assert render_get("widgets", [release], now=NOW)[0] == lines("NAME   AGE", "w-1    5m")


def test_several_kinds_print_kind_slash_name_tables_separated_by_a_blank_line() -> None:
    out, err = render_get("pods,services", [service("user-service"), crashloop_pod()], now=NOW)
    assert err == ""
    assert out == lines(
        "NAME                               READY   STATUS             RESTARTS      AGE",
        "pod/user-service-6d5f8b7c9-x2x4q   0/1     CrashLoopBackOff   3 (45s ago)   5m",
        "",
        "NAME                   TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)    AGE",
        "service/user-service   ClusterIP   10.96.12.34   <none>        9090/TCP   15m",
    )


def test_show_kind_uses_the_api_group() -> None:
    out, _ = render_get("deployments", [deployment("geo", replicas=1)], now=NOW, show_kind=True, no_headers=True)
    assert out.startswith("deployment.apps/geo   0/1")


def test_several_kinds_with_only_one_present_still_print_kinds() -> None:
    out, _ = render_get("pods,services", [service("user-service")], now=NOW, no_headers=True)
    assert out.startswith("service/user-service   ClusterIP")


def test_empty_namespaced_result_names_the_namespace_on_stderr() -> None:
    assert render_get("pods", [], now=NOW, namespace=SN) == (
        "",
        "No resources found in test-social-network namespace.\n",
    )
    assert render_get("pods", [], now=NOW) == ("", "No resources found in default namespace.\n")


def test_empty_cluster_scoped_or_all_namespaces_result() -> None:
    assert render_get("nodes", [], now=NOW, namespace=SN) == ("", "No resources found\n")
    assert render_get("pods", [], now=NOW, namespace=SN, all_namespaces=True) == ("", "No resources found\n")
    assert render_get("pods,nodes", [], now=NOW, namespace=SN) == ("", "No resources found\n")


def test_tabwriter_aligns_blocks_of_consecutive_tabbed_lines() -> None:
    text = "Name:\tx\nLonger label:\ty\nIPs:\n  IP:\tz\n"
    assert tabwrite(text, minwidth=0, padding=2) == "Name:          x\nLonger label:  y\nIPs:\n  IP:  z\n"


cells = st.text(alphabet=st.characters(exclude_characters="\t\n\r\v\f", exclude_categories=["Cs"]), max_size=12)


@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda n: st.lists(st.lists(cells, min_size=n, max_size=n), min_size=1)
    )
)
def test_tabwriter_starts_every_column_at_the_same_offset(rows: list[list[str]]) -> None:
    out = tabwrite("".join("\t".join(row) + "\n" for row in rows))
    widths = [max(6, max(len(row[i]) for row in rows) + 3) for i in range(len(rows[0]) - 1)]
    for row, line in zip(rows, out.split("\n")[:-1], strict=True):
        offset = 0
        for index, cell in enumerate(row[:-1]):
            assert line[offset : offset + widths[index]] == cell.ljust(widths[index])
            offset += widths[index]
        assert line[offset:] == row[-1]
