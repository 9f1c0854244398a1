"""Pods: not ready, crash loops, restarts, the last termination, Pending and why, image pulls, OOM kills.

Kubernetes semantics only: a container waiting in ``CrashLoopBackOff`` is failing now; one that restarted
once during its first minute and has run since is start-up noise; a restart well into a container's life
is a sign (a kill, an OOM, a crash) even when the pod is ready again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agents.analyzers.findings import CRITICAL, NOTICE, WARNING, Finding
from agents.analyzers.objects import JSON, Services, ago, meta, parse_time, seconds_between, spec, status

IMAGE_PULL_REASONS = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")
STARTUP_WINDOW_S = 90.0  # a restart this soon after the pod started is part of its start-up
RECENT_S = 600.0


def pods_analyze(pods: list[JSON], services: Services, *, source: str, now: datetime | None) -> list[Finding]:
    """Findings about ``pods`` (the items of ``kubectl get pods -o json``)."""
    found: list[Finding] = []
    for pod in pods:
        phase = status(pod).get("phase", "")
        if phase in ("Succeeded", "Failed") and meta(pod).get("ownerReferences", [{}])[0].get("kind") == "Job":
            continue
        service = services.of_pod(pod)
        name = str(meta(pod).get("name", ""))
        if phase == "Pending":
            found += _pending(pod, service, name, source)
        for container in status(pod).get("containerStatuses") or []:
            found += _container(pod, container, service, name, source, now)
    return found


def _pending(pod: JSON, service: str, name: str, source: str) -> list[Finding]:
    conditions = {str(c.get("type")): c for c in status(pod).get("conditions") or [] if isinstance(c, dict)}
    scheduled = conditions.get("PodScheduled")
    if scheduled is not None and scheduled.get("status") == "False":
        reason = scheduled.get("message") or scheduled.get("reason") or "not scheduled"
        selector = spec(pod).get("nodeSelector")
        wanted = f"; nodeSelector {_labels_text(selector)}" if selector else ""
        return [Finding(service, "unschedulable", f"pod {name} Pending: {reason}{wanted}", source, CRITICAL)]
    if not status(pod).get("containerStatuses"):
        return [Finding(service, "pending", f"pod {name} Pending, no container started", source, CRITICAL)]
    return []


def _container(
    pod: JSON, container: Mapping[str, Any], service: str, pod_name: str, source: str, now: datetime | None
) -> list[Finding]:
    state = container.get("state") or {}
    waiting = state.get("waiting") or {}
    reason = str(waiting.get("reason", ""))
    restarts = int(container.get("restartCount") or 0)
    last = (container.get("lastState") or {}).get("terminated") or {}
    ended = _termination(last, now)
    where = f"pod {pod_name} container {container.get('name', '?')}"
    if reason == "CrashLoopBackOff":
        detail = f"{where} CrashLoopBackOff, {restarts} restart(s){ended}"
        return [Finding(service, "crash_loop", detail, source, CRITICAL), *_oom(last, service, where, source)]
    if reason in IMAGE_PULL_REASONS:
        image = container.get("image", "")
        message = waiting.get("message") or reason
        return [Finding(service, "image_pull", f"{where} {reason} for image {image}: {message}", source, CRITICAL)]
    found = _oom(last, service, where, source) + _oom(state.get("terminated") or {}, service, where, source)
    if reason:
        found.append(Finding(service, "pending", f"{where} waiting: {reason}", source, WARNING))
    elif not container.get("ready", False) and status(pod).get("phase") == "Running":
        found.append(Finding(service, "not_ready", f"{where} running but not ready", source, CRITICAL))
    if restarts and reason != "CrashLoopBackOff":
        found.append(
            Finding(
                service, "restarts", f"{where} {restarts} restart(s){ended}", source, _restart_severity(pod, last, now)
            )
        )
    return found


def _oom(terminated: Mapping[str, Any], service: str, where: str, source: str) -> list[Finding]:
    if terminated.get("reason") != "OOMKilled":
        return []
    return [
        Finding(
            service, "oom_killed", f"{where} was OOMKilled (exit code {terminated.get('exitCode')})", source, CRITICAL
        )
    ]


def _termination(last: Mapping[str, Any], now: datetime | None) -> str:
    if not last:
        return ""
    when = ago(parse_time(last.get("finishedAt")), now)
    return f"; last exit code {last.get('exitCode')} ({last.get('reason', 'Error')}){' ' + when if when else ''}"


def _restart_severity(pod: JSON, last: Mapping[str, Any], now: datetime | None) -> int:
    """A restart in the pod's first minute or so, long ago, is start-up noise; a recent one well into the
    container's life is a sign."""
    started = parse_time(status(pod).get("startTime"))
    finished = parse_time(last.get("finishedAt"))
    into_life = seconds_between(started, finished)
    since = seconds_between(finished, now)
    if into_life is not None and into_life <= STARTUP_WINDOW_S and (since is None or since > STARTUP_WINDOW_S):
        return NOTICE
    if since is not None and since > RECENT_S:
        return NOTICE
    return WARNING


def _labels_text(labels: Any) -> str:
    if not isinstance(labels, dict):
        return str(labels)
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
