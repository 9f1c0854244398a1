"""``kubectl describe``: sections, alignment, events and what must never be shown."""

from typing import Any

from agents.cli.describe import render_describe
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


def crashloop_events() -> list[dict[str, Any]]:
    backoff = event(
        "BackOff",
        "Back-off restarting failed container user-service in pod user-service-6d5f8b7c9-x2x4q",
        name="user-service-6d5f8b7c9-x2x4q",
        type_="Warning",
        source={"component": "kubelet", "host": "kind-worker"},
        firstTimestamp="2026-11-21T10:01:00Z",
        lastTimestamp="2026-11-21T10:02:50Z",
        count=5,
    )
    backoff["involvedObject"]["fieldPath"] = "spec.containers{user-service}"
    scheduled = event(
        "Scheduled",
        "Successfully assigned test-social-network/user-service-6d5f8b7c9-x2x4q to kind-worker",
        name="user-service-6d5f8b7c9-x2x4q",
        source={"component": "default-scheduler"},
        firstTimestamp="2026-11-21T10:00:00Z",
        lastTimestamp="2026-11-21T10:00:00Z",
    )
    return [backoff, scheduled]


def test_crashlooping_pod() -> None:
    out = render_describe("pods", crashloop_pod(), now=NOW, events=crashloop_events())
    assert out == lines(
        "Name:             user-service-6d5f8b7c9-x2x4q",
        "Namespace:        test-social-network",
        "Service Account:  default",
        "Node:             kind-worker/172.18.0.3",
        "Start Time:       Sat, 21 Nov 2026 10:00:00 +0000",
        "Labels:           app=user-service",
        "                  service=user-service",
        "Annotations:      <none>",
        "Status:           Running",
        "IP:               10.244.1.12",
        "IPs:",
        "  IP:           10.244.1.12",
        "Controlled By:  ReplicaSet/user-service-6d5f8b7c9",
        "Containers:",
        "  user-service:",
        "    Container ID:  containerd://4f2a",
        "    Image:         deathstarbench/social-network-microservices:latest",
        "    Image ID:      docker.io/deathstarbench/social-network-microservices@sha256:9e1f",
        "    Port:          9090/TCP",
        "    Host Port:     0/TCP",
        "    Command:",
        "      UserService",
        "    State:          Waiting",
        "      Reason:       CrashLoopBackOff",
        "    Last State:     Terminated",
        "      Reason:       Error",
        "      Exit Code:    1",
        "      Started:      Sat, 21 Nov 2026 10:04:10 +0000",
        "      Finished:     Sat, 21 Nov 2026 10:04:15 +0000",
        "    Ready:          False",
        "    Restart Count:  3",
        "    Environment:    <none>",
        "    Mounts:         <none>",
        "Conditions:",
        "  Type              Status",
        "  Initialized       True ",
        "  Ready             False ",
        "  ContainersReady   False ",
        "  PodScheduled      True ",
        "Volumes:            <none>",
        "QoS Class:          BestEffort",
        "Node-Selectors:     <none>",
        "Tolerations:        <none>",
        "Events:",
        "  Type     Reason     Age                 From               Message",
        "  ----     ------     ----                ----               -------",
        "  Normal   Scheduled  5m                  default-scheduler  "
        "Successfully assigned test-social-network/user-service-6d5f8b7c9-x2x4q to kind-worker",
        "  Warning  BackOff    2m10s (x5 over 4m)  kubelet            "
        "spec.containers{user-service}: Back-off restarting failed container user-service in pod "
        "user-service-6d5f8b7c9-x2x4q",
    )


def test_pending_pod_with_failed_scheduling_event() -> None:
    failed = event(
        "FailedScheduling",
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
        name="geo-84fbc958c7-p8wq6",
        namespace="test-hotel-reservation",
        type_="Warning",
        source={"component": "default-scheduler"},
        firstTimestamp="2026-11-21T10:03:00Z",
        lastTimestamp="2026-11-21T10:04:00Z",
        count=2,
    )
    out = render_describe("pods", pending_pod(), now=NOW, events=[failed])
    assert out == lines(
        "Name:         geo-84fbc958c7-p8wq6",
        "Namespace:    test-hotel-reservation",
        "Node:         <none>",
        "Labels:       <none>",
        "Annotations:  <none>",
        "Status:       Pending",
        "IP:           ",
        "IPs:          <none>",
        "Containers:",
        "  hotel-reserv-geo:",
        "    Image:        yinfangchen/geo:app3",
        "    Port:         <none>",
        "    Host Port:    <none>",
        "    Environment:  <none>",
        "    Mounts:       <none>",
        "Conditions:",
        "  Type           Status",
        "  PodScheduled   False ",
        "Volumes:         <none>",
        "QoS Class:       Burstable",
        "Node-Selectors:  kubernetes.io/hostname=extra-node",
        "Tolerations:     <none>",
        "Events:",
        "  Type     Reason            Age               From               Message",
        "  ----     ------            ----              ----               -------",
        "  Warning  FailedScheduling  60s (x2 over 2m)  default-scheduler  "
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
    )


def test_pod_details_env_probes_resources_mounts_volumes_tolerations() -> None:
    obj = pod("frontend-7b9c", statuses=[container_status("frontend", running(), ready=True)], containers=("frontend",))
    obj["spec"]["containers"][0].update(
        env=[
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "MONGO_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "mongo", "key": "password"}}},
            {"name": "LOG_LEVEL", "value": "debug"},
        ],
        readinessProbe={"httpGet": {"path": "/healthz", "port": 5000, "scheme": "HTTP"}},
        livenessProbe={"tcpSocket": {"port": 5000}, "initialDelaySeconds": 10},
        resources={"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        volumeMounts=[{"name": "config", "mountPath": "/etc/app", "readOnly": True}],
    )
    obj["spec"]["volumes"] = [
        {"name": "config", "configMap": {"name": "frontend-config"}},
        {"name": "scratch", "emptyDir": {}},
    ]
    obj["spec"]["tolerations"] = [
        {
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    ]
    out = render_describe("pods", obj, now=NOW)
    assert (
        lines(
            "    Limits:",
            "      cpu:     1",
            "      memory:  512Mi",
            "    Requests:",
            "      cpu:      100m",
            "      memory:   128Mi",
            "    Liveness:   tcp-socket :5000 delay=10s timeout=1s period=10s #success=1 #failure=3",
            "    Readiness:  http-get http://:5000/healthz delay=0s timeout=1s period=10s #success=1 #failure=3",
            "    Environment:",
            "      POD_NAME:        frontend-7b9c (v1:metadata.name)",
            "      MONGO_PASSWORD:  <set to the key 'password' in secret 'mongo'>  Optional: false",
            "      LOG_LEVEL:       debug",
            "    Mounts:",
            "      /etc/app from config (ro)",
            "Volumes:",
            "  config:",
            "    Type:      ConfigMap (a volume populated by a ConfigMap)",
            "    Name:      frontend-config",
            "    Optional:  false",
            "  scratch:",
            "    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)",
            "    Medium:      ",
            "    SizeLimit:   <unset>",
            "QoS Class:       Burstable",
            "Node-Selectors:  <none>",
            "Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
            "                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
            "Events:          <none>",
        )
        in out
    )


def test_service_shows_target_port_and_endpoints() -> None:
    related = {"endpoints": endpoints("user-service", ["10.244.1.12"], port=9999)}
    out = render_describe("services", service("user-service", target_port=9999), now=NOW, related=related)
    assert out == lines(
        "Name:              user-service",
        "Namespace:         test-social-network",
        "Labels:            app=user-service",
        "Annotations:       <none>",
        "Selector:          service=user-service",
        "Type:              ClusterIP",
        "IP Families:       <none>",
        "IP:                10.96.12.34",
        "IPs:               10.96.12.34",
        "Port:              9090  9090/TCP",
        "TargetPort:        9999/TCP",
        "Endpoints:         10.244.1.12:9999",
        "Session Affinity:  None",
        "Events:            <none>",
    )


def test_service_without_endpoints_object_and_unnamed_port() -> None:
    svc = service("frontend", ports=[{"port": 5000, "protocol": "TCP"}])
    out = render_describe("services", svc, now=NOW)
    assert "Port:              <unset>  5000/TCP\nTargetPort:        5000/TCP\nEndpoints:         <none>\n" in out


def test_deployment_scaled_to_zero_with_replica_sets() -> None:
    obj = deployment("user-service", replicas=0)
    obj["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "2"}
    obj["status"]["conditions"] = [
        {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
    ]
    old = {
        "metadata": meta("user-service-5c8f", annotations={"deployment.kubernetes.io/revision": "1"}),
        "spec": {"replicas": 0},
    }
    new = {
        "metadata": meta("user-service-6d5f", annotations={"deployment.kubernetes.io/revision": "2"}),
        "spec": {"replicas": 0},
    }
    out = render_describe("deployments", obj, now=NOW, related={"replicasets": [old, new]})
    assert out == lines(
        "Name:                   user-service",
        "Namespace:              test-social-network",
        "CreationTimestamp:      Sat, 21 Nov 2026 09:50:00 +0000",
        "Labels:                 app=user-service",
        "Annotations:            deployment.kubernetes.io/revision: 2",
        "Selector:               service=user-service",
        "Replicas:               0 desired | 0 updated | 0 total | 0 available | 0 unavailable",
        "StrategyType:           RollingUpdate",
        "MinReadySeconds:        0",
        "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
        "Pod Template:",
        "  Labels:  service=user-service",
        "  Containers:",
        "   user-service:",
        "    Image:      deathstarbench/social-network-microservices:latest",
        "    Port:       9090/TCP",
        "    Host Port:  0/TCP",
        "    Command:",
        "      UserService",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        "Conditions:",
        "  Type           Status  Reason",
        "  ----           ------  ------",
        "  Available      True    MinimumReplicasAvailable",
        "  Progressing    True    NewReplicaSetAvailable",
        "OldReplicaSets:  user-service-5c8f (0/0 replicas created)",
        "NewReplicaSet:   user-service-6d5f (0/0 replicas created)",
        "Events:          <none>",
    )


def test_replicaset_counts_its_pods_by_phase() -> None:
    owner = [{"kind": "ReplicaSet", "name": "geo-84fbc958c7", "uid": "uid-geo-84fbc958c7", "controller": True}]
    mine = [pod("geo-84fbc958c7-a"), pending_pod(), pod("other")]
    for item in mine[:2]:
        item["metadata"]["ownerReferences"] = owner
    replica_set = {
        "kind": "ReplicaSet",
        "metadata": meta("geo-84fbc958c7", ownerReferences=[{"kind": "Deployment", "name": "geo", "controller": True}]),
        "spec": {"replicas": 2, "selector": {"matchLabels": {"io.kompose.service": "geo"}}, "template": {}},
        "status": {"replicas": 2},
    }
    out = render_describe("replicasets", replica_set, now=NOW, related={"pods": mine})
    assert "Selector:       io.kompose.service=geo\n" in out
    assert "Controlled By:  Deployment/geo\nReplicas:       2 current / 2 desired\n" in out
    assert "Pods Status:    1 Running / 1 Waiting / 0 Succeeded / 0 Failed\n" in out


def test_pending_claim() -> None:
    failed = event(
        "ProvisioningFailed",
        'storageclass.storage.k8s.io "geo-storage" not found',
        kind="PersistentVolumeClaim",
        name="geo-pvc",
        namespace="test-hotel-reservation",
        type_="Warning",
        source={"component": "persistentvolume-controller"},
        firstTimestamp="2026-11-21T10:00:05Z",
        lastTimestamp="2026-11-21T10:04:50Z",
        count=20,
    )
    out = render_describe(
        "persistentvolumeclaims", pending_claim(), now=NOW, events=[failed], related={"pods": [pending_pod()]}
    )
    assert out == lines(
        "Name:          geo-pvc",
        "Namespace:     test-hotel-reservation",
        "StorageClass:  geo-storage",
        "Status:        Pending",
        "Volume:        ",
        "Labels:        <none>",
        "Annotations:   <none>",
        "Finalizers:    [kubernetes.io/pvc-protection]",
        "Capacity:      ",
        "Access Modes:  ",
        "VolumeMode:    Filesystem",
        "Used By:       geo-84fbc958c7-p8wq6",
        "Events:",
        "  Type     Reason              Age                   From                         Message",
        "  ----     ------              ----                  ----                         -------",
        "  Warning  ProvisioningFailed  10s (x20 over 4m55s)  persistentvolume-controller  "
        'storageclass.storage.k8s.io "geo-storage" not found',
    )


def test_configmap_data_is_shown_under_dashes() -> None:
    config = {
        "kind": "ConfigMap",
        "metadata": meta("flagd-config", "astronomy-shop"),
        "data": {"b": "2", "a": "one\ntwo"},
    }
    assert render_describe("configmaps", config, now=NOW) == lines(
        "Name:         flagd-config",
        "Namespace:    astronomy-shop",
        "Labels:       <none>",
        "Annotations:  <none>",
        "",
        "Data",
        "====",
        "a:",
        "----",
        "one",
        "two",
        "",
        "b:",
        "----",
        "2",
        "",
        "",
        "BinaryData",
        "====",
        "",
        "Events:  <none>",
    )


def test_secret_shows_sizes_never_values() -> None:
    secret = {
        "kind": "Secret",
        "metadata": meta("mongodb-geo", "test-hotel-reservation"),
        "type": "Opaque",
        "data": {"password": "c2VjcmV0LXBhc3N3b3Jk", "username": "YWRtaW4="},
    }
    out = render_describe("secrets", secret, now=NOW)
    assert out == lines(
        "Name:         mongodb-geo",
        "Namespace:    test-hotel-reservation",
        "Labels:       <none>",
        "Annotations:  <none>",
        "",
        "Type:  Opaque",
        "",
        "Data",
        "====",
        "password:  15 bytes",
        "username:  5 bytes",
    )
    for hidden in ("c2VjcmV0LXBhc3N3b3Jk", "secret-password", "YWRtaW4=", "admin"):
        assert hidden not in out


def test_annotations_skip_last_applied_and_wrap_long_values() -> None:
    annotations = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"v1"}',
        "note": "x" * 150,
    }
    config = {"kind": "ConfigMap", "metadata": meta("c", annotations=annotations)}
    out = render_describe("configmaps", config, now=NOW)
    assert "last-applied" not in out
    assert f"Annotations:  note:\n                {'x' * 138}...\n" in out


def test_endpoints_subsets() -> None:
    out = render_describe("endpoints", endpoints("user-service", ["10.244.1.12"], not_ready=["10.244.1.13"]), now=NOW)
    assert out == lines(
        "Name:         user-service",
        "Namespace:    test-social-network",
        "Labels:       <none>",
        "Annotations:  <none>",
        "Subsets:",
        "  Addresses:          10.244.1.12",
        "  NotReadyAddresses:  10.244.1.13",
        "  Ports:",
        "    Name  Port  Protocol",
        "    ----  ----  --------",
        "    9090  9090  TCP",
        "",
        "Events:  <none>",
    )


def test_namespace() -> None:
    namespace = {
        "kind": "Namespace",
        "metadata": meta(SN, namespace=None, labels={"kubernetes.io/metadata.name": SN}),
        "status": {"phase": "Active"},
    }
    assert render_describe("namespaces", namespace, now=NOW) == lines(
        "Name:         test-social-network",
        "Labels:       kubernetes.io/metadata.name=test-social-network",
        "Annotations:  <none>",
        "Status:       Active",
        "",
        "No resource quota.",
        "",
        "No LimitRange resource.",
    )


def test_node_sections_and_allocated_resources() -> None:
    node = {
        "kind": "Node",
        "metadata": meta(
            "kind-worker", namespace=None, created="2026-11-20T09:00:00Z", labels={"node-role.kubernetes.io/worker": ""}
        ),
        "spec": {"taints": [{"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"}]},
        "status": {
            "addresses": [{"type": "InternalIP", "address": "172.18.0.3"}],
            "allocatable": {"cpu": "4", "memory": "8Gi", "ephemeral-storage": "100Gi", "pods": "110"},
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": "2026-11-21T10:04:00Z",
                    "lastTransitionTime": "2026-11-20T09:00:30Z",
                }
            ],
            "nodeInfo": {"kubeletVersion": "v1.30.0"},
        },
    }
    busy = pod("api-0")
    busy["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": "500m", "memory": "1Gi"},
        "limits": {"memory": "2Gi"},
    }
    out = render_describe("nodes", node, now=NOW, related={"pods": [busy, pod("api-1")]})
    assert "Roles:              worker\n" in out
    assert "Taints:             node.kubernetes.io/disk-pressure:NoSchedule\nUnschedulable:      false\n" in out
    renew = "Sat, 21 Nov 2026 10:04:00 +0000"
    assert f"  HolderIdentity:  kind-worker\n  AcquireTime:     <unset>\n  RenewTime:       {renew}\n" in out
    assert (
        lines(
            "Conditions:",
            "  Type    Status  LastHeartbeatTime                 LastTransitionTime                "
            "Reason         Message",
            "  ----    ------  -----------------                 ------------------                "
            "------         -------",
            "  Ready   True    Sat, 21 Nov 2026 10:04:00 +0000   Fri, 20 Nov 2026 09:00:30 +0000   KubeletReady   "
            "kubelet is posting ready status",
        )
        in out
    )
    assert "Non-terminated Pods:          (2 in total)\n" in out
    assert (
        "  test-social-network         api-0    500m (12%)    0 (0%)      1Gi (12%)        2Gi (25%)      5m\n" in out
    )
    assert (
        lines(
            "  Resource           Requests    Limits",
            "  --------           --------    ------",
            "  cpu                500m (12%)  0 (0%)",
            "  memory             1Gi (12%)   2Gi (25%)",
            "  ephemeral-storage  0 (0%)      0 (0%)",
            "Events:              <none>",
        )
        in out
    )


def test_chaos_experiment_uses_the_generic_describer() -> None:
    chaos = {
        "apiVersion": "chaos-mesh.org/v1alpha1",
        "kind": "PodChaos",
        "metadata": meta(
            "pod-kill",
            "test-hotel-reservation",
            generation=1,
            resourceVersion="1234",
            managedFields=[{"manager": "chaos-controller-manager"}],
        ),
        "spec": {
            "action": "pod-kill",
            "mode": "one",
            "selector": {"labelSelectors": {"io.kompose.service": "user"}, "namespaces": ["test-hotel-reservation"]},
        },
        "status": {"conditions": [{"type": "Selected", "status": "True"}], "experiment": {"desiredPhase": "Run"}},
    }
    assert render_describe("podchaos", chaos, now=NOW) == lines(
        "Name:         pod-kill",
        "Namespace:    test-hotel-reservation",
        "Labels:       <none>",
        "Annotations:  <none>",
        "API Version:  chaos-mesh.org/v1alpha1",
        "Kind:         PodChaos",
        "Metadata:",
        "  Creation Timestamp:  2026-11-21T10:00:00Z",
        "  Generation:          1",
        "  Resource Version:    1234",
        "  UID:                 uid-pod-kill",
        "Spec:",
        "  Action:  pod-kill",
        "  Mode:    one",
        "  Selector:",
        "    Label Selectors:",
        "      io.kompose.service:  user",
        "    Namespaces:",
        "      test-hotel-reservation",
        "Status:",
        "  Conditions:",
        "    Status:  True",
        "    Type:    Selected",
        "  Experiment:",
        "    Desired Phase:  Run",
        "Events:             <none>",
    )


def test_events_describe_generically() -> None:
    warning = event("BackOff", "Back-off restarting failed container", name="api-0", type_="Warning", count=3)
    out = render_describe("events", warning, now=NOW)
    assert (
        lines(
            "Name:         api-0.17a1b2c3d4e5f6a7",
            "Namespace:    test-social-network",
            "Labels:       <none>",
            "Annotations:  <none>",
            "API Version:  v1",
            "Count:        3",
            "Involved Object:",
            "  Kind:   Pod",
            "  Name:   api-0",
            "Kind:     Event",
            "Message:  Back-off restarting failed container",
            "Metadata:",
        )
        in out
    )
    assert out.endswith(
        "Reason:                BackOff\nType:                  Warning\nEvents:                <none>\n"
    )
