"""The controllers and the kubelet of the simulated cluster: Deployments to pods, pods through their lives.

``reconcile`` does what the Deployment, ReplicaSet and PVC controllers do (pods for the current template,
old ones terminated, claims bound); ``advance`` moves every pod through scheduling, start-up, crash and
back-off up to a time. Whether a container starts cleanly is decided by ``rules.start_outcome`` from the
state at that moment, so a fix takes effect at the pod's next start, as on a real cluster.
"""

from __future__ import annotations

import json
from datetime import datetime

from agents.sim import rules
from agents.sim.state import EPOCH, JSON, ClusterState, ContainerRun, PodRecord, fake_uid, short_hash

PULL_SECONDS = 3.0
BACKOFF_START = 10.0
BACKOFF_CAP = 300.0


def template_hash(template: JSON) -> str:
    return short_hash(json.dumps(template, sort_keys=True), 10)


def reconcile(state: ClusterState, *, at: float | None = None) -> None:
    """Make pods match Deployments and Jobs, and bind claims, as the controllers would at ``at``."""
    when = state.clock.now if at is None else at
    _bind_claims(state)
    for deployment in state.find("deployments"):
        _reconcile_deployment(state, deployment, when)
    for job in state.find("jobs"):
        name = job["metadata"]["name"]
        namespace = job["metadata"]["namespace"]
        if not any(pod.owner == name for pod in state.pods.values() if pod.namespace == namespace):
            _pod_create(
                state,
                namespace,
                name,
                job["spec"]["template"],
                _created(job, state),
                template_hash(job["spec"]["template"]),
            )


def _created(obj: JSON, state: ClusterState) -> float:
    stamp = datetime.fromisoformat(obj["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
    return (stamp - EPOCH).total_seconds()


def _reconcile_deployment(state: ClusterState, deployment: JSON, when: float) -> None:
    name = deployment["metadata"]["name"]
    namespace = deployment["metadata"]["namespace"]
    template = deployment["spec"]["template"]
    digest = template_hash(template)
    _remember_revision(state, deployment, digest)
    desired = int(deployment["spec"].get("replicas", 1) or 0)
    pods = state.pods_of(name, namespace)
    for pod in pods:
        if pod.template_hash != digest:
            _pod_terminate(state, pod, when)
    current = [pod for pod in pods if pod.template_hash == digest]
    for pod in current[desired:]:
        _pod_terminate(state, pod, when)
    for _ in range(desired - len(current)):
        _pod_create(state, namespace, name, template, when, digest)


def _remember_revision(state: ClusterState, deployment: JSON, digest: str) -> None:
    key = (deployment["metadata"]["namespace"], deployment["metadata"]["name"])
    history = state.history.setdefault(key, [])
    if history and history[-1][1] == digest:
        return
    history[:] = [entry for entry in history if entry[1] != digest]
    revision = (max((entry[0] for entry in history), default=0)) + 1
    history.append((revision, digest, json.loads(json.dumps(deployment["spec"]["template"]))))
    annotations = deployment["metadata"].setdefault("annotations", {})
    annotations["deployment.kubernetes.io/revision"] = str(revision)
    if revision > 1:
        state.record_event(
            namespace=key[0],
            kind="Deployment",
            name=key[1],
            uid=deployment["metadata"]["uid"],
            reason="ScalingReplicaSet",
            message=f"Scaled up replica set {key[1]}-{digest} to 1",
            source="deployment-controller",
        )


def _pod_create(state: ClusterState, namespace: str, owner: str, template: JSON, when: float, digest: str) -> PodRecord:
    state.pod_serial += 1
    rng = state.rng("pod", namespace, owner, state.pod_serial)
    suffix = "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
    name = f"{owner}-{suffix}" if template["spec"].get("restartPolicy") == "Never" else f"{owner}-{digest}-{suffix}"
    pod = PodRecord(
        name=name,
        namespace=namespace,
        owner=owner,
        template_hash=digest,
        template=json.loads(json.dumps(template)),
        created_at=when,
        uid=fake_uid(state.seed, namespace, name),
        ip=f"10.244.{rng.randint(1, 3)}.{rng.randint(2, 250)}",
        labels=dict(template.get("metadata", {}).get("labels", {})),
    )
    if template["spec"].get("restartPolicy") != "Never":
        pod.labels["pod-template-hash"] = digest
    state.pods[(namespace, name)] = pod
    state.record_event(
        namespace=namespace,
        kind="ReplicaSet",
        name=f"{owner}-{digest}",
        uid=fake_uid(state.seed, namespace, owner, digest),
        reason="SuccessfulCreate",
        message=f"Created pod: {name}",
        source="replicaset-controller",
        at=when,
    )
    return pod


def _pod_terminate(state: ClusterState, pod: PodRecord, when: float) -> None:
    pod.deleted_at = when
    run = pod.current_run
    if run is not None and run.finished_at is None:
        run.finished_at, run.exit_code, run.reason = when, 0, "Completed"
    _pod_event(
        state,
        pod,
        reason="Killing",
        message=f"Stopping container {pod.template['spec']['containers'][0]['name']}",
        source="kubelet",
        at=when,
    )


def _pod_event(
    state: ClusterState,
    pod: PodRecord,
    *,
    reason: str,
    message: str,
    source: str,
    type_: str = "Normal",
    at: float | None = None,
) -> None:
    """Record an event about ``pod`` (the kubelet's and the scheduler's reports)."""
    state.record_event(
        namespace=pod.namespace,
        kind="Pod",
        name=pod.name,
        uid=pod.uid,
        reason=reason,
        message=message,
        source=source,
        type_=type_,
        at=at,
    )


def pod_delete(state: ClusterState, pod: PodRecord) -> None:
    """Delete a pod (kubectl delete pod, chaos pod-kill); its controller creates a replacement."""
    _pod_terminate(state, pod, state.clock.now)
    reconcile(state)


def container_kill(state: ClusterState, pod: PodRecord) -> None:
    """Kill the running container (chaos): it exits 137 and the kubelet restarts it at once."""
    run = pod.current_run
    if run is None or run.finished_at is not None:
        return
    now = state.clock.now
    run.finished_at, run.exit_code, run.reason = now, 137, "Error"
    pod.next_start_at = now + 1.0
    container = pod.template["spec"]["containers"][0]["name"]
    _pod_event(
        state,
        pod,
        reason="Killing",
        message=f"Container {container} failed, will be restarted",
        source="kubelet",
    )


def _bind_claims(state: ClusterState) -> None:
    """A pending claim binds to the volume named for it once the volume is free (no stale claimRef)."""
    for claim in state.find("persistentvolumeclaims"):
        if claim.get("status", {}).get("phase") == "Bound":
            continue
        volume_name = claim["spec"].get("volumeName")
        volume = state.get("persistentvolumes", "", volume_name) if volume_name else None
        if volume is None:
            continue
        ref = volume["spec"].get("claimRef")
        if ref and ref.get("uid") not in (None, claim["metadata"]["uid"]):
            continue
        volume["spec"]["claimRef"] = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "name": claim["metadata"]["name"],
            "namespace": claim["metadata"]["namespace"],
            "uid": claim["metadata"]["uid"],
        }
        volume["status"] = {"phase": "Bound"}
        claim["status"] = {
            "phase": "Bound",
            "accessModes": claim["spec"]["accessModes"],
            "capacity": {"storage": "1Gi"},
        }


def advance(state: ClusterState, *, to: float) -> None:
    """Move every live pod through its life up to ``to``, transitions in time order; then set the clock.

    Time order matters: a client that starts before its database is ready fails, one that starts after
    does not, exactly as on a cluster.
    """
    for _ in range(100_000):
        due = [
            (when, pod.namespace, pod.name)
            for pod in state.live_pods()
            if (when := _next_transition(state, pod)) is not None
        ]
        due = [entry for entry in due if entry[0] <= to]
        if not due:
            break
        when, namespace, name = min(due)
        pod = state.pods[(namespace, name)]
        state.clock.now = max(state.clock.now, when)
        _step_pod(state, pod, when)
    state.clock.now = max(state.clock.now, to)


def _next_transition(state: ClusterState, pod: PodRecord) -> float | None:
    if pod.node is None:
        return None if pod.pending_reason is not None or not pod.image_ok else max(pod.created_at, state.clock.now)
    run = pod.current_run
    if run is not None and run.finished_at is None:
        crash_after = run.outcome.crash_after
        return None if crash_after is None else run.started_at + crash_after
    return pod.next_start_at


def _step_pod(state: ClusterState, pod: PodRecord, when: float) -> None:
    if pod.node is None:
        _schedule(state, pod, when)
        return
    run = pod.current_run
    if run is not None and run.finished_at is None:
        _crash(state, pod, run)
        return
    _start(state, pod, when)


def retry_pending(state: ClusterState) -> None:
    """After a change, pending pods get another scheduling attempt (the scheduler's retry queue)."""
    for pod in state.live_pods():
        if pod.node is None and pod.pending_reason is not None:
            node, _ = rules.schedule(state, pod)
            if node is not None:
                pod.pending_reason = None


def _schedule(state: ClusterState, pod: PodRecord, when: float) -> bool:
    node, reason = rules.schedule(state, pod)
    if node is None:
        if pod.pending_reason != reason:
            pod.pending_reason = reason
            _pod_event(
                state,
                pod,
                reason="FailedScheduling",
                message=reason or "",
                source="default-scheduler",
                type_="Warning",
                at=when,
            )
        return False
    pod.node, pod.pending_reason, pod.scheduled_at = node, None, when
    pod.waiting_reason = "ContainerCreating"
    image = pod.template["spec"]["containers"][0]["image"]
    _pod_event(
        state,
        pod,
        reason="Scheduled",
        message=f"Successfully assigned {pod.namespace}/{pod.name} to {node}",
        source="default-scheduler",
        at=when,
    )
    if not rules.image_known(state, image):
        pod.image_ok = False
        pod.waiting_reason = "ImagePullBackOff"
        _pod_event(
            state,
            pod,
            reason="Failed",
            type_="Warning",
            message=f'Failed to pull image "{image}": rpc error: code = NotFound desc = '
            f"failed to pull and unpack image "
            f'"{image}": failed to resolve reference "{image}": not found',
            source="kubelet",
            at=when + 1,
        )
        return False
    _pod_event(
        state,
        pod,
        reason="Pulled",
        message=f'Container image "{image}" already present on machine',
        source="kubelet",
        at=when + 1,
    )
    pod.next_start_at = when + PULL_SECONDS + rules.start_delay(state, pod)
    return True


def _start(state: ClusterState, pod: PodRecord, when: float) -> None:
    outcome = rules.start_outcome(state, pod, when)
    if pod.runs:
        pod.restarts += 1
    pod.runs.append(ContainerRun(started_at=when, outcome=outcome))
    pod.next_start_at, pod.waiting_reason = None, None
    container = pod.template["spec"]["containers"][0]["name"]
    for reason, message in (
        ("Created", f"Created container: {container}"),
        ("Started", f"Started container {container}"),
    ):
        _pod_event(
            state,
            pod,
            reason=reason,
            message=message,
            source="kubelet",
            at=when,
        )


def _crash(state: ClusterState, pod: PodRecord, run: ContainerRun) -> None:
    outcome = run.outcome
    run.finished_at = run.started_at + (outcome.crash_after or 0.0)
    run.exit_code, run.reason = outcome.exit_code, outcome.exit_reason
    if pod.template["spec"].get("restartPolicy") == "Never":
        return
    failures = sum(1 for previous in pod.runs if previous.exit_code not in (None, 0) or previous.reason == "Error")
    backoff = min(BACKOFF_CAP, BACKOFF_START * 2 ** max(0, failures - 1))
    if outcome.restart_immediately:
        backoff = 1.0
    pod.next_start_at = run.finished_at + backoff
    pod.waiting_reason = "CrashLoopBackOff" if not outcome.restart_immediately else None
    if not outcome.restart_immediately:
        container = pod.template["spec"]["containers"][0]["name"]
        _pod_event(
            state,
            pod,
            reason="BackOff",
            type_="Warning",
            message=f"Back-off restarting failed container {container} in pod {pod.name}_{pod.namespace}({pod.uid})",
            source="kubelet",
            at=run.finished_at + 1,
        )


def container_ready(pod: PodRecord) -> bool:
    run = pod.current_run
    return pod.node is not None and run is not None and run.finished_at is None and run.outcome.ready


def pod_phase(pod: PodRecord) -> str:
    if pod.node is None or not pod.runs:
        return "Pending"
    run = pod.runs[-1]
    if pod.template["spec"].get("restartPolicy") == "Never" and run.finished_at is not None:
        return "Succeeded" if run.exit_code == 0 else "Failed"
    return "Running"
