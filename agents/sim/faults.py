"""The fault library: each fault is a parameterised change to cluster state, with its graded answers.

A fault knows where it makes sense (which applications and which kind of target), how to inject itself
into a ``ClusterState``, what the four tasks' answers are, how AIOpsLab's lenient mitigation check and
our strict true-fix check read the state after ``submit()``, and what an expert (and a plausible wrong
expert) would type to fix it. Symptoms are never written here: they follow from the state (``rules``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.sim import engine, rules
from agents.sim.apps import APP, ASTRONOMY_SHOP, HOTEL_RESERVATION, MONGODB, AppSpec
from agents.sim.state import JSON, ClusterState, MongoUser, fake_uid

TASKS = ("detection", "localization", "analysis", "mitigation")
ALL_TASKS = frozenset(TASKS)
DETECT_LOCALIZE = frozenset(("detection", "localization"))


class UnknownFault(LookupError):
    """No fault by that name in the library."""


class FaultNotApplicable(ValueError):
    """The fault makes no sense for that application, target, task or parameters."""


@dataclass(frozen=True)
class Fault:
    """A fault type of the library. ``inject`` mutates state; the checks read it after submit."""

    name: str
    description: str
    tasks: frozenset[str]
    system_level: str | None
    fault_type: str | None
    inject: Callable[[ClusterState, str | None, Mapping[str, Any]], None]
    target_check: Callable[[AppSpec, str | None, Mapping[str, Any]], str | None]
    fix_commands: Callable[[AppSpec, str | None, Mapping[str, Any]], list[str]] = field(default=lambda *_: [])
    wrong_fix_commands: Callable[[AppSpec, str | None, Mapping[str, Any]], list[str]] = field(default=lambda *_: [])
    lenient: Callable[[ClusterState, str | None], bool] = field(default=lambda *_: False)
    strict: Callable[[ClusterState, str | None], bool] = field(default=lambda *_: False)
    alternates: Callable[[AppSpec, str | None], tuple[str, ...]] = field(default=lambda *_: ())
    detected: bool = True
    lenient_wait: float = 0.0

    def check(self, *, app: AppSpec, target: str | None, task: str, params: Mapping[str, Any]) -> None:
        """Raise ``FaultNotApplicable`` with the reason when this combination makes no sense."""
        if task not in TASKS:
            raise FaultNotApplicable(f"unknown task {task!r}; one of {', '.join(TASKS)}")
        if task not in self.tasks:
            raise FaultNotApplicable(
                f"{self.name} supports the tasks {', '.join(t for t in TASKS if t in self.tasks)}, not {task}"
            )
        reason = self.target_check(app, target, params)
        if reason:
            raise FaultNotApplicable(f"{self.name} on {app.name}: {reason}")

    def accepted_locations(self, app: AppSpec, target: str | None) -> tuple[str, ...]:
        return ((target,) if target else ()) + self.alternates(app, target)

    def expected_answer(self, *, task: str, app: AppSpec, target: str | None) -> str:
        """The answer in problems.csv's notation."""
        if task == "detection":
            return "Yes" if self.detected else "No"
        if task == "localization":
            return " or ".join(json.dumps([name]) for name in self.accepted_locations(app, target))
        if task == "analysis":
            return json.dumps({"system_level": self.system_level, "fault_type": self.fault_type}, separators=(",", ":"))
        return f"all containers ready; strict: the change undone ({self.description})"


# --- target checks --------------------------------------------------------------------------------
def _needs_component(
    roles: tuple[str, ...], what: str
) -> Callable[[AppSpec, str | None, Mapping[str, Any]], str | None]:
    def check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
        if not target:
            return f"needs a target ({what})"
        if not app.has(target):
            return f"{target!r} is not a service of {app.name}; its services: {', '.join(app.services)}"
        if app.component(target).role not in roles:
            return f"needs {what}; {target!r} is a {app.component(target).role} component"
        return None

    return check


def _no_target(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    return f"takes no target (the fault is namespace-wide or nothing), got {target!r}" if target else None


def _database_client_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    reason = _needs_component((MONGODB,), "a MongoDB database")(app, target, params)
    if reason:
        return reason
    if not any(component.database == target for component in app.components):
        return f"no service of {app.name} uses {target!r}"
    if app.name != HOTEL_RESERVATION:
        return "the database's clients must authenticate with a user at start-up (Hotel Reservation's Go services do)"
    return None


def _hotel_db_client_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    reason = _needs_component((APP,), "an application service")(app, target, params)
    if reason:
        return reason
    if app.name != HOTEL_RESERVATION or not app.component(target or "").database:
        return f"needs a Hotel Reservation service whose build bakes in a database address; {target!r} has none"
    return None


def _wrong_binary_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    reason = _needs_component((APP,), "an application service")(app, target, params)
    if reason:
        return reason
    if app.name != HOTEL_RESERVATION:
        return "needs an image that ships several services' binaries (Hotel Reservation's does)"
    binary = str(params.get("binary", _other_binary(app, target)))
    if binary == target or not app.has(binary) or app.component(binary).role != APP or binary == "frontend":
        return f"params.binary must name another service's binary, got {binary!r}"
    return None


def _other_binary(app: AppSpec, target: str | None) -> str:
    return "profile" if target == "geo" else "geo"


def _flag_check(flag: str, default_target: str) -> Callable[[AppSpec, str | None, Mapping[str, Any]], str | None]:
    def check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
        if app.name != ASTRONOMY_SHOP:
            return f"the {flag} feature flag exists only in the Astronomy Shop (flagd)"
        if target not in (None, default_target):
            return f"the {flag} flag breaks {default_target!r}; target {target!r} makes no sense"
        return None

    return check


def _pv_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    if target:
        return f"takes no target (the whole namespace is redeployed), got {target!r}"
    if not any(component.role == MONGODB for component in app.components) or app.name != HOTEL_RESERVATION:
        return "needs an application whose databases keep PersistentVolumes (Hotel Reservation)"
    return None


# --- state helpers --------------------------------------------------------------------------------
def _changed(state: ClusterState) -> None:
    engine.reconcile(state)
    engine.retry_pending(state)


def _restart_pods(state: ClusterState, owner: str) -> None:
    for pod in state.pods_of(owner):
        engine.pod_delete(state, pod)


def _clients(app: AppSpec, database: str) -> list[str]:
    return [component.name for component in app.components if component.database == database]


def _container(deployment: JSON) -> JSON:
    container: JSON = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


def _bump(deployment: JSON) -> None:
    deployment["metadata"]["generation"] = int(deployment["metadata"].get("generation", 1)) + 1


def _ensure_auth(state: ClusterState, database: str) -> None:
    """Turn on ``--auth`` with the admin user the clients log in as (a database that had none)."""
    deployment = state.deployment(database)
    assert deployment is not None
    container = _container(deployment)
    args = list(container.get("args") or [])
    if "--auth" not in args:
        container["args"] = [*args, "--auth"]
        _bump(deployment)
    server = state.mongo[database]
    if "admin" not in server.users:
        roles = [("readWrite", state.app.component(client).db_name or "") for client in _clients(state.app, database)]
        server.users["admin"] = MongoUser("admin", "admin", [("userAdminAnyDatabase", "admin"), *roles])
    _changed(state)


def all_containers_ready(state: ClusterState) -> bool:
    """AIOpsLab's readiness check: every container of every pod of the application's namespace is ready."""
    pods = list(state.live_pods(state.app.namespace))
    return bool(pods) and all(engine.container_ready(pod) for pod in pods)


def healthy_with_statuses(state: ClusterState) -> bool:
    """AIOpsLab's check for the scheduling fault: pods that have container statuses are healthy (Pending passes)."""
    return all(engine.container_ready(pod) for pod in state.live_pods(state.app.namespace) if pod.node is not None)


def requests_succeed(state: ClusterState) -> bool:
    """Every call edge of the workload works: what users would see if the fault is truly gone."""
    at = state.clock.now
    for operation in state.app.operations:
        for caller, callee in operation.edges:
            status = rules.edge_status(state, caller, callee, at)
            if not status.ok or status.error_rate > 0 or status.extra_latency_ms > 0:
                return False
    return True


def app_healthy(state: ClusterState) -> bool:
    return (
        all_containers_ready(state)
        and requests_succeed(state)
        and not any(pod.waiting_reason for pod in state.live_pods(state.app.namespace))
    )


def _ns(app: AppSpec) -> str:
    return app.namespace


# --- Kubernetes-level faults ----------------------------------------------------------------------
def _target_port_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    service = state.service(target or "")
    assert service is not None
    service["spec"]["ports"][0]["targetPort"] = int(params.get("port", 9999))
    _changed(state)


def _target_port_fixed(state: ClusterState, target: str | None) -> bool:
    service = state.service(target or "")
    if service is None:
        return False
    port = state.app.component(target or "").port
    return rules.service_reachable(state, target or "", port)[0] and all(
        str(entry.get("targetPort")) == str(port) for entry in service["spec"]["ports"][:1]
    )


def _scale_zero_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    deployment = state.deployment(target or "")
    assert deployment is not None
    deployment["spec"]["replicas"] = 0
    _bump(deployment)
    _changed(state)


def _scaled_back(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    if deployment is None or int(deployment["spec"].get("replicas", 0)) != 1:
        return False
    return sum(1 for pod in state.pods_of(target or "") if engine.container_ready(pod)) == 1


def _node_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    deployment = state.deployment(target or "")
    assert deployment is not None
    node = str(params.get("node", "extra-node"))
    deployment["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/hostname": node}
    _bump(deployment)
    _changed(state)


def _node_lenient(state: ClusterState, target: str | None) -> bool:
    return bool(state.pods_of(target or "")) and healthy_with_statuses(state)


def _node_fixed(state: ClusterState, target: str | None) -> bool:
    pods = state.pods_of(target or "")
    return bool(pods) and all(pod.node is not None and engine.container_ready(pod) for pod in pods)


# --- MongoDB faults -------------------------------------------------------------------------------
def _revoke_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    database = target or ""
    _ensure_auth(state, database)
    user = state.mongo[database].users["admin"]
    dbs = {state.app.component(client).db_name for client in _clients(state.app, database)}
    user.roles = [(role, db) for role, db in user.roles if not (role == "readWrite" and db in dbs)]
    for client in _clients(state.app, database):
        _restart_pods(state, client)


def _roles_restored(state: ClusterState, target: str | None) -> bool:
    user = state.mongo[target or ""].users.get("admin")
    if user is None:
        return False
    granted = set(user.roles)
    return all(
        ("readWrite", state.app.component(client).db_name) in granted for client in _clients(state.app, target or "")
    )


def _unregister_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    database = target or ""
    _ensure_auth(state, database)
    state.mongo[database].users.pop("admin", None)
    for client in _clients(state.app, database):
        _restart_pods(state, client)


def _mongo_fix(app: AppSpec, target: str | None, *, recreate: bool) -> list[str]:
    database = target or ""
    client = _clients(app, database)[0]
    db_name = app.component(client).db_name
    role = f"[{{role: 'readWrite', db: '{db_name}'}}]"
    if recreate:
        script = (
            f"db.createUser({{user: 'admin', pwd: 'admin', roles: [{{role: 'userAdminAnyDatabase', db: 'admin'}}, "
            f"{{role: 'readWrite', db: '{db_name}'}}]}})"
        )
    else:
        script = f"db.grantRolesToUser('admin', {role})"
    namespace = _ns(app)
    return [
        f"kubectl exec deployment/{database} -n {namespace} -- mongo admin -u root -p root "
        f'--authenticationDatabase admin --eval "{script}"',
        f"kubectl rollout restart deployment/{client} -n {namespace}",
        f"kubectl rollout status deployment/{client} -n {namespace} --timeout=120s",
    ]


def _mongo_wrong_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    client = _clients(app, target or "")[0]
    return [
        f"kubectl rollout restart deployment/{client} -n {_ns(app)}",
        f"kubectl rollout status deployment/{client} -n {_ns(app)} --timeout=60s",
    ]


def _tls_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    from agents.sim import helm

    database = target or ""
    if state.leaks and state.app.helm_release:
        helm.upgrade(state, {f"{database}.tls.enabled": "true"}, description="Upgrade complete")
    else:
        helm.set_mongod_tls(state, database, enabled=True)
        _changed(state)
    for client in _clients(state.app, database):
        _restart_pods(state, client)


def _tls_disabled(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    return deployment is not None and "requireTLS" not in json.dumps(_container(deployment))


def _tls_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    database = target or ""
    client = _clients(app, database)[0]
    namespace = _ns(app)
    first = (
        f"helm upgrade {app.helm_release} ./{(app.helm_chart or '').rsplit('-', 1)[0]} -n {namespace} --reuse-values "
        f"--set {database}.tls.enabled=false"
        if app.helm_release
        else f'kubectl patch deployment {database} -n {namespace} --type=json -p=\'[{{"op": "remove", '
        f'"path": "/spec/template/spec/containers/0/args"}}]\''
    )
    return [
        first,
        f"kubectl rollout restart deployment/{client} -n {namespace}",
        f"kubectl rollout status deployment/{client} -n {namespace} --timeout=120s",
    ]


def _tls_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    reason = _needs_component((MONGODB,), "a MongoDB database")(app, target, params)
    if reason:
        return reason
    if not _clients(app, target or ""):
        return f"no service of {app.name} uses {target!r}"
    return None


# --- application faults ---------------------------------------------------------------------------
def _misconfig_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    deployment = state.deployment(target or "")
    assert deployment is not None
    _container(deployment)["image"] = str(params.get("image", f"yinfangchen/{target}:app3"))
    _bump(deployment)
    _changed(state)


def _original_image(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    return deployment is not None and not rules.image_config(_container(deployment).get("image", ""))


def _wrong_bin_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    deployment = state.deployment(target or "")
    assert deployment is not None
    _container(deployment)["command"] = [str(params.get("binary", _other_binary(state.app, target)))]
    _bump(deployment)
    _changed(state)


def _command_mentions_target(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    return deployment is not None and (target or "") in " ".join(_container(deployment).get("command") or [])


def _command_is_target(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    command = _container(deployment).get("command") if deployment else None
    return bool(command) and str(command[0]).rsplit("/", 1)[-1] == target  # type: ignore[index]


def _redeploy_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    """Delete the namespace and apply it again: new objects, new claims; the volumes still point at the old ones."""
    from agents.sim import bootstrap

    app = state.app
    now = state.clock.now
    for pod in list(state.live_pods(app.namespace)):
        pod.deleted_at = now
    for key in [key for key in state.objects if key[1] == app.namespace]:
        del state.objects[key]
    state.history = {key: value for key, value in state.history.items() if key[0] != app.namespace}
    state.events = [event for event in state.events if event.namespace != app.namespace]
    for index, component in enumerate(app.components):
        state.put("deployments", app.namespace, bootstrap.deployment_manifest(state, component, created=now))
        state.put("services", app.namespace, bootstrap.service_manifest(state, component, created=now, index=index))
    for volume in state.find("persistentvolumes"):
        claim_name = volume["spec"]["claimRef"]["name"]
        claim = bootstrap.pvc_manifest(
            state, claim_name.removesuffix("-pvc"), now, fake_uid(state.seed, "pvc2", claim_name)
        )
        claim["status"] = {"phase": "Pending"}
        state.put("persistentvolumeclaims", app.namespace, claim)
        volume["status"] = {"phase": "Released"}
    bootstrap.config_objects(state, now)
    _changed(state)


def _claims_bound(state: ClusterState, target: str | None) -> bool:
    claims = state.find("persistentvolumeclaims", state.app.namespace)
    return bool(claims) and all(claim.get("status", {}).get("phase") == "Bound" for claim in claims)


def _redeploy_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    volumes = [c.name.removeprefix("mongodb-") for c in app.components if c.role == MONGODB]
    commands = [
        f'kubectl patch pv {volume}-pv --type=merge -p \'{{"spec":{{"claimRef":null}}}}\'' for volume in volumes
    ]
    commands += [
        f"kubectl rollout restart deployment -n {app.namespace}",
        f"kubectl rollout status deployment/geo -n {app.namespace} --timeout=300s",
    ]
    return commands


def _redeploy_wrong_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [f"kubectl delete pods --all -n {app.namespace}"]


# --- chaos experiments ----------------------------------------------------------------------------
def _chaos_inject(
    kind: str, action: str, spec_extra: Mapping[str, Any]
) -> Callable[[ClusterState, str | None, Mapping[str, Any]], None]:
    def inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
        from agents.sim.bootstrap import meta

        app = state.app
        duration = str(params.get("duration", "200s"))
        spec: JSON = {
            "action": action,
            "mode": "all",
            "duration": duration,
            "selector": {"namespaces": [app.namespace], "labelSelectors": {app.label_key: target}},
            **json.loads(json.dumps(spec_extra)),
        }
        deployment = state.deployment(target or "")
        if action == "container-kill" and deployment is not None:
            spec["containerNames"] = [deployment["spec"]["template"]["spec"]["containers"][0]["name"]]
        if action == "delay" and "latency" in params:
            spec["delay"]["latency"] = str(params["latency"])
        if action == "loss" and "loss" in params:
            spec["loss"]["loss"] = str(params["loss"])
        plural = "podchaos" if kind == "PodChaos" else "networkchaos"
        name = f"{action}-{target}"
        chaos = {
            "apiVersion": "chaos-mesh.org/v1alpha1",
            "kind": kind,
            "metadata": meta(state, name, app.namespace, created=state.clock.now),
            "spec": spec,
            "status": {"experiment": {"desiredPhase": "Run"}},
        }
        if state.leaks:
            state.put(plural, app.namespace, chaos)
        else:
            state.hidden_objects.append(chaos)
        pods = state.pods_of(target or "")
        if action == "pod-kill":
            for pod in pods:
                engine.pod_delete(state, pod)
        elif action in ("container-kill", "pod-failure"):
            for pod in pods:
                engine.container_kill(state, pod)

    return inject


def _chaos_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    return _needs_component((APP,), "an application service")(app, target, params)


# --- Astronomy Shop flags -------------------------------------------------------------------------
def _flag_inject(flag: str) -> Callable[[ClusterState, str | None, Mapping[str, Any]], None]:
    def inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
        if state.leaks:
            config = state.get("configmaps", state.app.namespace, "flagd-config")
            assert config is not None
            document = json.loads(config["data"]["demo.flagd.json"])
            document["flags"][flag]["defaultVariant"] = "on"
            config["data"]["demo.flagd.json"] = json.dumps(document, indent=2)
        else:
            state.hidden_flags.add(flag)
        _restart_pods(state, "flagd")

    return inject


def _noop(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    return None


def _db_alternates(app: AppSpec, target: str | None) -> tuple[str, ...]:
    return tuple(_clients(app, target or ""))


def _restart_wrong(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [
        f"kubectl rollout restart deployment/{target} -n {app.namespace}",
        f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=60s",
    ]


def _library() -> dict[str, Fault]:
    any_service = _needs_component((APP, MONGODB, "memcached", "redis", "infra"), "a service")
    deployment = _needs_component((APP, MONGODB, "memcached", "redis", "infra"), "a Deployment")
    faults = [
        Fault(
            "k8s_target_port-misconfig",
            "the Service's targetPort no longer matches the container port",
            ALL_TASKS,
            "Virtualization",
            "Misconfiguration",
            inject=_target_port_inject,
            target_check=any_service,
            fix_commands=lambda app, target, params: [
                f"kubectl patch service {target} -n {app.namespace} --type=json "
                f'-p=\'[{{"op": "replace", "path": "/spec/ports/0/targetPort", '
                f'"value": {app.component(target or "").port}}}]\'',
            ],
            wrong_fix_commands=_restart_wrong,
            lenient=lambda state, target: _target_port_fixed(state, target) and all_containers_ready(state),
            strict=lambda state, target: _target_port_fixed(state, target) and app_healthy(state),
        ),
        Fault(
            "auth_miss_mongodb",
            "the database requires TLS while its clients still connect in plain text",
            ALL_TASKS,
            "Application",
            "Misconfiguration",
            inject=_tls_inject,
            target_check=_tls_check,
            fix_commands=_tls_fix,
            wrong_fix_commands=_mongo_wrong_fix,
            lenient=lambda state, target: all_containers_ready(state),
            strict=lambda state, target: _tls_disabled(state, target) and app_healthy(state),
        ),
        Fault(
            "revoke_auth_mongodb",
            "the readWrite role of the clients' database user is revoked",
            ALL_TASKS,
            "Application",
            "Authentication Issue",
            inject=_revoke_inject,
            target_check=_database_client_check,
            fix_commands=lambda app, target, params: _mongo_fix(app, target, recreate=False),
            wrong_fix_commands=_mongo_wrong_fix,
            lenient=lambda state, target: all_containers_ready(state),
            strict=lambda state, target: _roles_restored(state, target) and app_healthy(state),
            alternates=_db_alternates,
        ),
        Fault(
            "user_unregistered_mongodb",
            "the clients' database user is dropped",
            ALL_TASKS,
            "Application",
            "Network/Storage Issue",
            inject=_unregister_inject,
            target_check=_database_client_check,
            fix_commands=lambda app, target, params: _mongo_fix(app, target, recreate=True),
            wrong_fix_commands=_mongo_wrong_fix,
            lenient=lambda state, target: all_containers_ready(state),
            strict=lambda state, target: _roles_restored(state, target) and app_healthy(state),
            alternates=_db_alternates,
        ),
        Fault(
            "misconfig_app_hotel_res",
            "the service runs a build whose baked-in config points at the wrong database port",
            ALL_TASKS,
            "Application",
            "Misconfiguration",
            inject=_misconfig_inject,
            target_check=_hotel_db_client_check,
            fix_commands=lambda app, target, params: [
                f"kubectl set image deployment/{target} hotel-reserv-{target}={app.component(target or '').image} "
                f"-n {app.namespace}",
                f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=120s",
            ],
            wrong_fix_commands=lambda app, target, params: [
                f"kubectl delete pod -l io.kompose.service={target} -n {app.namespace}"
            ],
            lenient=lambda state, target: all_containers_ready(state),
            strict=lambda state, target: _original_image(state, target) and app_healthy(state),
            lenient_wait=60.0,
        ),
        Fault(
            "scale_pod_zero_social_net",
            "the Deployment is scaled to zero replicas",
            ALL_TASKS,
            "Virtualization",
            "Operation Error",
            inject=_scale_zero_inject,
            target_check=deployment,
            fix_commands=lambda app, target, params: [
                f"kubectl scale deployment {target} --replicas=1 -n {app.namespace}",
                f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=120s",
            ],
            wrong_fix_commands=_restart_wrong,
            lenient=lambda state, target: _scaled_back(state, target) and all_containers_ready(state),
            strict=lambda state, target: _scaled_back(state, target) and app_healthy(state),
        ),
        Fault(
            "assign_to_non_existent_node_social_net",
            "the pod template selects a node that does not exist",
            ALL_TASKS,
            "Virtualization",
            "Dependency Problem",
            inject=_node_inject,
            target_check=deployment,
            fix_commands=lambda app, target, params: [
                f"kubectl patch deployment {target} -n {app.namespace} --type=json "
                '-p=\'[{"op": "remove", "path": "/spec/template/spec/nodeSelector"}]\'',
                f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=120s",
            ],
            wrong_fix_commands=lambda app, target, params: [
                f"kubectl delete pod -l {app.label_key}={target} -n {app.namespace}"
            ],
            lenient=_node_lenient,
            strict=lambda state, target: _node_fixed(state, target) and app_healthy(state),
        ),
        Fault(
            "wrong_bin_usage",
            "the container runs another service's binary",
            ALL_TASKS,
            "Application",
            "Network/Storage Issue",
            inject=_wrong_bin_inject,
            target_check=_wrong_binary_check,
            fix_commands=lambda app, target, params: [
                f"kubectl patch deployment {target} -n {app.namespace} --type=json "
                f'-p=\'[{{"op": "replace", "path": "/spec/template/spec/containers/0/command", '
                f'"value": ["{target}"]}}]\'',
                f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=120s",
            ],
            wrong_fix_commands=_restart_wrong,
            lenient=lambda state, target: all_containers_ready(state) and _command_mentions_target(state, target),
            strict=lambda state, target: _command_is_target(state, target) and app_healthy(state),
        ),
        Fault(
            "redeploy_without_PV",
            "the namespace is redeployed while the volumes keep their old claims",
            frozenset(("detection", "analysis", "mitigation")),
            "Virtualization",
            "Operation Error",
            inject=_redeploy_inject,
            target_check=_pv_check,
            fix_commands=_redeploy_fix,
            wrong_fix_commands=_redeploy_wrong_fix,
            lenient=lambda state, target: all_containers_ready(state),
            strict=lambda state, target: _claims_bound(state, target) and app_healthy(state),
        ),
    ]
    chaos: tuple[tuple[str, str, str, JSON, str], ...] = (
        ("container_kill", "PodChaos", "container-kill", {}, "a container of the service is killed"),
        (
            "pod_failure_hotel_res",
            "PodChaos",
            "pod-failure",
            {},
            "the service's pod fails for the experiment's duration",
        ),
        ("pod_kill_hotel_res", "PodChaos", "pod-kill", {}, "the service's pod is killed"),
        (
            "network_loss_hotel_res",
            "NetworkChaos",
            "loss",
            {"loss": {"loss": "99", "correlation": "100"}, "direction": "to"},
            "99% of the packets to the service are lost",
        ),
        (
            "network_delay_hotel_res",
            "NetworkChaos",
            "delay",
            {"delay": {"latency": "10s", "correlation": "100", "jitter": "0ms"}, "direction": "to"},
            "packets to the service are delayed by 10 s",
        ),
    )
    for name, kind, action, extra, description in chaos:
        faults.append(
            Fault(
                name,
                description,
                DETECT_LOCALIZE,
                None,
                None,
                inject=_chaos_inject(kind, action, extra),
                target_check=_chaos_check,
            )
        )
    flags = (
        ("astronomy_shop_ad_service_failure", "adFailure", "ad"),
        ("astronomy_shop_ad_service_high_cpu", "adHighCpu", "ad"),
        ("astronomy_shop_ad_service_manual_gc", "adManualGc", "ad"),
        ("astronomy_shop_cart_service_failure", "cartFailure", "cart"),
        ("astronomy_shop_image_slow_load", "imageSlowLoad", "frontend"),
        ("astronomy_shop_kafka_queue_problems", "kafkaQueueProblems", "kafka"),
        ("astronomy_shop_loadgenerator_flood_homepage", "loadGeneratorFloodHomepage", "frontend"),
        ("astronomy_shop_payment_service_failure", "paymentFailure", "payment"),
        ("astronomy_shop_payment_service_unreachable", "paymentUnreachable", "checkout"),
        ("astronomy_shop_product_catalog_service_failure", "productCatalogFailure", "product-catalog"),
        ("astronomy_shop_recommendation_service_cache_failure", "recommendationCacheFailure", "recommendation"),
    )
    for name, flag, service in flags:
        faults.append(
            Fault(
                name,
                f"the {flag} feature flag is turned on",
                DETECT_LOCALIZE,
                None,
                None,
                inject=_flag_inject(flag),
                target_check=_flag_check(flag, service),
            )
        )
    for name in (
        "noop",
        "noop_detection_hotel_reservation",
        "noop_detection_social_network",
        "noop_detection_astronomy_shop",
    ):
        faults.append(
            Fault(
                name,
                "nothing is injected",
                frozenset(("detection",)),
                None,
                None,
                inject=_noop,
                target_check=_no_target,
                detected=False,
            )
        )
    return {fault.name: fault for fault in faults}


FAULTS: Mapping[str, Fault] = _library()


def fault_names() -> tuple[str, ...]:
    return tuple(FAULTS)


def fault_get(name: str) -> Fault:
    """The fault called ``name``; ``UnknownFault`` naming the known ones otherwise."""
    try:
        return FAULTS[name]
    except KeyError:
        raise UnknownFault(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}") from None


FAULT_TYPES_FOR_TWINS = ("Code Defect", "Misconfiguration", "Operation Error")
