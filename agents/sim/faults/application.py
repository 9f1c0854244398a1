"""Application faults of Hotel Reservation's Go services: a build whose baked-in config points at the wrong
database port, and a container that runs another service's binary.

Both change the Deployment's pod template; the simulator's rules read the image and the command to
decide what the service does (``rules.image_config``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.sim import rules
from agents.sim.apps import APP, HOTEL_RESERVATION, AppSpec
from agents.sim.faults.base import ALL_TASKS, Fault, bump, changed, container, needs_component, restart_wrong_fix
from agents.sim.faults.health import all_containers_ready, app_healthy
from agents.sim.state import ClusterState

_needs_app_service = needs_component((APP,), "an application service")


# --- misconfigured image --------------------------------------------------------------------------
def _hotel_db_client_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    reason = _needs_app_service(app, target, params)
    if reason:
        return reason
    if app.name != HOTEL_RESERVATION or not app.component(target or "").database:
        return f"needs a Hotel Reservation service whose build bakes in a database address; {target!r} has none"
    return None


def _misconfig_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    deployment = state.deployment(target or "")
    assert deployment is not None
    container(deployment)["image"] = str(params.get("image", f"yinfangchen/{target}:app3"))
    bump(deployment)
    changed(state)


def _original_image(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    return deployment is not None and not rules.image_config(container(deployment).get("image", ""))


def _misconfig_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [
        f"kubectl set image deployment/{target} hotel-reserv-{target}={app.component(target or '').image} "
        f"-n {app.namespace}",
        f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=120s",
    ]


def _misconfig_wrong_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [f"kubectl delete pod -l io.kompose.service={target} -n {app.namespace}"]


MISCONFIG_APP = Fault(
    "misconfig_app_hotel_res",
    "the service runs a build whose baked-in config points at the wrong database port",
    ALL_TASKS,
    "Application",
    "Misconfiguration",
    parameters=("image",),
    inject=_misconfig_inject,
    target_check=_hotel_db_client_check,
    fix_commands=_misconfig_fix,
    wrong_fix_commands=_misconfig_wrong_fix,
    lenient=lambda state, target: all_containers_ready(state),
    strict=lambda state, target: _original_image(state, target) and app_healthy(state),
    lenient_wait=60.0,
)


# --- wrong binary ---------------------------------------------------------------------------------
def _other_binary(app: AppSpec, target: str | None) -> str:
    return "profile" if target == "geo" else "geo"


def _wrong_binary_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    reason = _needs_app_service(app, target, params)
    if reason:
        return reason
    if app.name != HOTEL_RESERVATION:
        return "needs an image that ships several services' binaries (Hotel Reservation's does)"
    binary = str(params.get("binary", _other_binary(app, target)))
    if binary == target or not app.has(binary) or app.component(binary).role != APP or binary == "frontend":
        return f"params.binary must name another service's binary, got {binary!r}"
    return None


def _wrong_bin_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    deployment = state.deployment(target or "")
    assert deployment is not None
    container(deployment)["command"] = [str(params.get("binary", _other_binary(state.app, target)))]
    bump(deployment)
    changed(state)


def _command_mentions_target(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    return deployment is not None and (target or "") in " ".join(container(deployment).get("command") or [])


def _command_is_target(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    command = container(deployment).get("command") if deployment else None
    return bool(command) and str(command[0]).rsplit("/", 1)[-1] == target  # type: ignore[index]


def _wrong_bin_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [
        f"kubectl patch deployment {target} -n {app.namespace} --type=json "
        f'-p=\'[{{"op": "replace", "path": "/spec/template/spec/containers/0/command", '
        f'"value": ["{target}"]}}]\'',
        f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=120s",
    ]


WRONG_BIN_USAGE = Fault(
    "wrong_bin_usage",
    "the container runs another service's binary",
    ALL_TASKS,
    "Application",
    "Network/Storage Issue",
    parameters=("binary",),
    inject=_wrong_bin_inject,
    target_check=_wrong_binary_check,
    fix_commands=_wrong_bin_fix,
    wrong_fix_commands=restart_wrong_fix,
    lenient=lambda state, target: all_containers_ready(state) and _command_mentions_target(state, target),
    strict=lambda state, target: _command_is_target(state, target) and app_healthy(state),
)
