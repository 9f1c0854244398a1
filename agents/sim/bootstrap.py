"""Build the cluster AIOpsLab would have deployed: nodes, namespaces, the application's objects, infra.

The result is a healthy cluster a minute or two after deployment. Faults are applied on top of it.
"""

from __future__ import annotations

import copy
import json

from agents.sim import engine
from agents.sim.apps import APP, HOTEL_RESERVATION, MONGODB, SOCIAL_NETWORK, AppSpec, Component
from agents.sim.state import JSON, ClusterState, HelmRelease, HelmRevision, MongoServer, MongoUser, SimClock, fake_uid

NODES = ("kind-control-plane", "kind-worker", "kind-worker2", "kind-worker3")
INFRA_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease", "observability")
DEPLOYED_AGO = 95.0  # seconds: agents meet young pods, as in real AIOpsLab runs
FLAG_NAMES = (
    "adFailure",
    "adHighCpu",
    "adManualGc",
    "cartFailure",
    "imageSlowLoad",
    "kafkaQueueProblems",
    "loadGeneratorFloodHomepage",
    "paymentFailure",
    "paymentUnreachable",
    "productCatalogFailure",
    "recommendationCacheFailure",
)


def meta(state: ClusterState, name: str, namespace: str | None, *, created: float, **extra: object) -> JSON:
    metadata: JSON = {
        "name": name,
        "uid": fake_uid(state.seed, namespace, name, created),
        "creationTimestamp": state.clock.stamp(created),
    }
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata.update(extra)
    return metadata


def container_name(app: AppSpec, component: Component) -> str:
    return f"hotel-reserv-{component.name}" if app.name == HOTEL_RESERVATION else component.name


def deployment_manifest(state: ClusterState, component: Component, *, created: float) -> JSON:
    """The Deployment as the application's manifests or chart declare it."""
    app = state.app
    labels = app.pod_labels(component.name)
    container: JSON = {
        "name": container_name(app, component),
        "image": component.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": component.port, "protocol": "TCP"}],
        "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "100m"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if component.command:
        container["command"] = list(component.command)
    if component.args:
        container["args"] = list(component.args)
    if component.env:
        container["env"] = [{"name": key, "value": value} for key, value in component.env]
    pod_spec: JSON = {
        "containers": [container],
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "terminationGracePeriodSeconds": 30,
    }
    if component.role == MONGODB and app.name == HOTEL_RESERVATION:
        volume = component.name.removeprefix("mongodb-")
        container["volumeMounts"] = [{"mountPath": "/data/db", "name": volume}]
        pod_spec["volumes"] = [{"name": volume, "persistentVolumeClaim": {"claimName": f"{volume}-pvc"}}]
        if component.args:
            container["volumeMounts"].append({"mountPath": "/scripts", "name": f"{volume}-script"})
            pod_spec["volumes"].append({"name": f"{volume}-script", "configMap": {"name": f"mongo-{volume}-script"}})
    annotations = {"deployment.kubernetes.io/revision": "1"}
    if app.helm_release:
        annotations.update(
            {"meta.helm.sh/release-name": app.helm_release, "meta.helm.sh/release-namespace": app.namespace}
        )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(
            state,
            component.name,
            app.namespace,
            created=created,
            labels=dict(labels),
            annotations=annotations,
            generation=1,
        ),
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": dict(labels)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
        },
        "status": {},
    }


def service_manifest(state: ClusterState, component: Component, *, created: float, index: int) -> JSON:
    app = state.app
    port: JSON = {"name": str(component.port), "port": component.port, "protocol": "TCP", "targetPort": component.port}
    if app.name == SOCIAL_NETWORK and component.protocol == "thrift":
        port["name"] = "9090"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(state, component.name, app.namespace, created=created, labels=app.pod_labels(component.name)),
        "spec": {
            "clusterIP": f"10.96.{(index * 37) % 250 + 1}.{(index * 91) % 250 + 2}",
            "ports": [port],
            "selector": app.pod_labels(component.name),
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
        "status": {"loadBalancer": {}},
    }


def cluster_build(app: AppSpec, *, seed: int, leaks: bool) -> ClusterState:
    """A healthy cluster running ``app``, its clock a little after the application's deployment."""
    state = ClusterState(seed=seed, app=app, leaks=leaks, clock=SimClock(now=0.0))
    created = -DEPLOYED_AGO - state.rng("deploy-age").uniform(0, 40)
    cluster_born = created - 86_400 * 3
    for index, node in enumerate(NODES):
        state.put("nodes", "", _node(state, node, index, cluster_born))
    for namespace in (*INFRA_NAMESPACES, app.namespace):
        born = created - 5 if namespace == app.namespace else cluster_born
        state.put(
            "namespaces",
            "",
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": meta(
                    state, namespace, None, created=born, labels={"kubernetes.io/metadata.name": namespace}
                ),
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            },
        )
    # The cluster's add-ons have run for days; the application arrives a minute or two before the agent.
    state.clock.now = cluster_born
    _infra(state, cluster_born)
    engine.reconcile(state)
    engine.advance(state, to=created)
    for index, component in enumerate(app.components):
        state.put("deployments", app.namespace, deployment_manifest(state, component, created=created))
        state.put("services", app.namespace, service_manifest(state, component, created=created, index=index))
    _mongo_data(state, created)
    config_objects(state, created)
    _helm(state, created)
    if app.name == HOTEL_RESERVATION:
        state.noisy_restart = "search"
    state.clock.now = created
    engine.reconcile(state)
    engine.advance(state, to=0.0)
    return state


def _node(state: ClusterState, name: str, index: int, born: float) -> JSON:
    labels = {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    spec: JSON = {"podCIDR": f"10.244.{index}.0/24", "providerID": f"kind://docker/kind/{name}"}
    if name.endswith("control-plane"):
        labels["node-role.kubernetes.io/control-plane"] = ""
        spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(state, name, None, created=born, labels=labels),
        "spec": spec,
        "status": {
            "addresses": [
                {"address": f"172.18.0.{index + 2}", "type": "InternalIP"},
                {"address": name, "type": "Hostname"},
            ],
            "allocatable": {"cpu": "8", "memory": "32827012Ki", "pods": "110"},
            "capacity": {"cpu": "8", "memory": "32827012Ki", "pods": "110"},
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                }
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.32.2",
                "containerRuntimeVersion": "containerd://2.0.2",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "kernelVersion": "6.8.0-45-generic",
                "architecture": "amd64",
                "operatingSystem": "linux",
            },
        },
    }


def _infra(state: ClusterState, born: float) -> None:
    """The noise around the application: cluster add-ons, observability, the load generator's job."""
    infra = (
        ("kube-system", "coredns", "registry.k8s.io/coredns/coredns:v1.11.3", 53),
        ("kube-system", "local-path-provisioner", "docker.io/kindest/local-path-provisioner:v20241212", 0),
        ("observability", "prometheus-server", "quay.io/prometheus/prometheus:v2.54.1", 9090),
        ("observability", "grafana", "docker.io/grafana/grafana:11.2.0", 3000),
    )
    for namespace, name, image, port in infra:
        labels = {"app.kubernetes.io/name": name}
        container: JSON = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent"}
        if port:
            container["ports"] = [{"containerPort": port, "protocol": "TCP"}]
        state.put(
            "deployments",
            namespace,
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": meta(
                    state,
                    name,
                    namespace,
                    created=born,
                    labels=labels,
                    generation=1,
                    annotations={"deployment.kubernetes.io/revision": "1"},
                ),
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": labels},
                    "strategy": {"type": "RollingUpdate"},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {"containers": [container], "restartPolicy": "Always"},
                    },
                },
                "status": {},
            },
        )
    state.put(
        "jobs",
        "default",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": meta(state, "wrk2-job", "default", created=-70.0, labels={"job-name": "wrk2-job"}),
            "spec": {
                "backoffLimit": 0,
                "completions": 1,
                "parallelism": 1,
                "template": {
                    "metadata": {"labels": {"job-name": "wrk2-job"}},
                    "spec": {
                        "containers": [{"name": "wrk2", "image": "deathstarbench/wrk2-client:latest"}],
                        "restartPolicy": "Never",
                    },
                },
            },
            "status": {},
        },
    )


def _mongo_data(state: ClusterState, created: float) -> None:
    app = state.app
    for component in app.components:
        if component.role != MONGODB:
            continue
        server = MongoServer()
        server.users["root"] = MongoUser("root", "root", [("root", "admin")])
        clients = [client for client in app.components if client.database == component.name]
        if "--auth" in component.args:
            roles = [("readWrite", client.db_name or "") for client in clients]
            server.users["admin"] = MongoUser("admin", "admin", [("userAdminAnyDatabase", "admin"), *roles])
        state.mongo[component.name] = server
        if app.name != HOTEL_RESERVATION:
            continue
        volume = component.name.removeprefix("mongodb-")
        pvc_uid = fake_uid(state.seed, "pvc", volume, created)
        state.put("persistentvolumeclaims", app.namespace, pvc_manifest(state, volume, created, pvc_uid))
        state.put("persistentvolumes", "", _pv(state, volume, created, pvc_uid))


def pvc_manifest(state: ClusterState, volume: str, created: float, uid: str) -> JSON:
    metadata = meta(state, f"{volume}-pvc", state.app.namespace, created=created)
    metadata["uid"] = uid
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": f"{volume}-storage",
            "volumeMode": "Filesystem",
            "volumeName": f"{volume}-pv",
        },
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}},
    }


def _pv(state: ClusterState, volume: str, created: float, claim_uid: str) -> JSON:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": meta(state, f"{volume}-pv", None, created=created, labels={"type": "local"}),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": "1Gi"},
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "name": f"{volume}-pvc",
                "namespace": state.app.namespace,
                "uid": claim_uid,
            },
            "hostPath": {"path": f"/mnt/data/{volume}-pv", "type": ""},
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": f"{volume}-storage",
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Bound"},
    }


def config_objects(state: ClusterState, created: float) -> None:
    """ConfigMaps and Secrets of the application (fault scripts and flags are leaks, hidden on request)."""
    app = state.app
    if app.name == HOTEL_RESERVATION:
        for component in app.components:
            if component.role != MONGODB or "--auth" not in component.args:
                continue
            volume = component.name.removeprefix("mongodb-")
            scripts = {
                f"k8s-{volume}-mongo.sh": _init_script(volume),
            }
            if state.leaks:
                scripts.update(_fault_scripts(volume))
            state.put(
                "configmaps",
                app.namespace,
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": meta(state, f"mongo-{volume}-script", app.namespace, created=created),
                    "data": scripts,
                },
            )
    if app.name == "AstronomyShop":
        flags = {
            name: {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off"}
            for name in FLAG_NAMES
        }
        state.put(
            "configmaps",
            app.namespace,
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": meta(state, "flagd-config", app.namespace, created=created),
                "data": {
                    "demo.flagd.json": json.dumps(
                        {"$schema": "https://flagd.dev/schema/v0/flags.json", "flags": flags}, indent=2
                    )
                },
            },
        )
    state.put(
        "configmaps",
        app.namespace,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta(state, "kube-root-ca.crt", app.namespace, created=created),
            "data": {
                "ca.crt": (
                    "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAV\n"
                    "-----END CERTIFICATE-----\n"
                )
            },
        },
    )
    if app.helm_release:
        state.put(
            "secrets",
            app.namespace,
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": meta(
                    state,
                    f"sh.helm.release.v1.{app.helm_release}.v1",
                    app.namespace,
                    created=created,
                    labels={"owner": "helm", "name": app.helm_release},
                ),
                "type": "helm.sh/release.v1",
                "data": {"release": "SDRzSUFBQUFBQUFDLyt5OWEzUGJPTFlnK0ZkWW1vKzlVMWwwSEdlVHZsdmxZV3Y="},
            },
        )


def _init_script(volume: str) -> str:
    return (
        "#!/bin/bash\n"
        'ADMIN_USER="admin"\nADMIN_PWD="admin"\nROOT_USER="root"\nROOT_PWD="root"\n'
        f'TARGET_DB="{volume}-db"\nREAD_WRITE_ROLE="readWrite"\n'
        'echo "Waiting for MongoDB to start..."\n'
        "until mongo --eval \"print('waited for connection')\" >/dev/null 2>&1; do sleep 1; done\n"
        "mongo admin --eval \"db.createUser({user: '$ADMIN_USER', pwd: '$ADMIN_PWD', roles: "
        "[{role: 'userAdminAnyDatabase', db: 'admin'}]});\"\n"
        "mongo admin -u $ADMIN_USER -p $ADMIN_PWD --authenticationDatabase admin --eval "
        "\"db.grantRolesToUser('$ADMIN_USER', [{role: '$READ_WRITE_ROLE', db: '$TARGET_DB'}]);\"\n"
    )


def _fault_scripts(volume: str) -> dict[str, str]:
    login = "mongo admin -u root -p root --authenticationDatabase admin --eval"
    role = f"[{{role: 'readWrite', db: '{volume}-db'}}]"
    return {
        f"revoke-admin-{volume}-mongo.sh": f"#!/bin/bash\n{login} \"db.revokeRolesFromUser('admin', {role});\"\n",
        f"revoke-mitigate-admin-{volume}-mongo.sh": f"#!/bin/bash\n{login} \"db.grantRolesToUser('admin', {role});\"\n",
        "remove-admin-mongo.sh": f"#!/bin/bash\n{login} \"db.dropUser('admin');\"\n",
        f"remove-mitigate-admin-{volume}-mongo.sh": (
            f"#!/bin/bash\n{login} \"db.createUser({{user: 'admin', pwd: 'admin', roles: "
            f"[{{role: 'userAdminAnyDatabase', db: 'admin'}}, {{role: 'readWrite', db: '{volume}-db'}}]}});\"\n"
        ),
    }


def _helm(state: ClusterState, created: float) -> None:
    app = state.app
    if not app.helm_release or not app.helm_chart:
        return
    values: JSON = {"global": {"replicas": 1, "imagePullPolicy": "IfNotPresent"}}
    for component in app.components:
        if component.role == MONGODB:
            values[component.name] = {"tls": {"enabled": False}, "replicas": 1}
        elif component.role == APP:
            values[component.name] = {"replicas": 1}
    release = HelmRelease(
        app.helm_release, app.namespace, app.helm_chart, app_version="0.1.0" if app.name == SOCIAL_NETWORK else "2.0.2"
    )
    release.revisions.append(HelmRevision(1, copy.deepcopy(values), created, "deployed", "Install complete"))
    state.helm[(app.namespace, app.helm_release)] = release
