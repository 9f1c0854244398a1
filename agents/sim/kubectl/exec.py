"""``kubectl exec`` into a simulated pod: the mongo shell of a MongoDB pod (``agents.sim.mongo``), ``ls`` and
``cat`` of the files mounted from ConfigMaps, and ``env``. Anything else is "not found" in the container."""

from __future__ import annotations

from agents.cli.kubectl_args import KubectlCommand
from agents.cli.shell import ProgramResult
from agents.sim import engine, mongo, rules
from agents.sim.kubectl.lookup import resolve_pod
from agents.sim.kubectl.replies import fail, ok
from agents.sim.state import ClusterState, PodRecord

_ROOT = "bin\nboot\ndata\ndev\netc\nhome\nlib\nproc\nroot\nrun\nsys\ntmp\nusr\nvar"
_ROOT_WITH_SCRIPTS = "bin\nboot\ndata\ndev\netc\nhome\nlib\nproc\nroot\nrun\nscripts\nsys\ntmp\nusr\nvar"


def run_exec(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    if not command.resources:
        return fail("error: pod, type/name or --filename must be specified")
    pod, error = resolve_pod(state, command.resources[0], command)
    if pod is None:
        return fail(error)
    if (not engine.container_ready(pod) and pod.current_run is None) or pod.node is None:
        return fail(
            "error: unable to upgrade connection: container not found "
            f'("{pod.template["spec"]["containers"][0]["name"]}")'
        )
    args = list(command.args)
    if not args:
        return fail("error: you must specify at least one command for the container")
    program = args[0].rsplit("/", 1)[-1]
    component = rules.component_of(state, pod)
    if program in ("mongo", "mongosh") and component is not None and component.role == "mongodb":
        out, err, code = mongo.run_mongo_shell(state, component.name, args)
        return ProgramResult(stdout=out, stderr=err, exit_code=code)
    if program in ("cat", "ls") and component is not None:
        return _files(state, pod, args)
    if program in ("env", "printenv"):
        return ok(_environment(pod))
    return fail(mongo.exec_not_found(args[0]), 126)


def _environment(pod: PodRecord) -> str:
    container = pod.template["spec"]["containers"][0]
    lines = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", f"HOSTNAME={pod.name}"]
    lines += [f"{item['name']}={item.get('value', '')}" for item in container.get("env", [])]
    return "\n".join(lines)


def _files(state: ClusterState, pod: PodRecord, args: list[str]) -> ProgramResult:
    """Files mounted from ConfigMaps can be listed and read (the fault scripts of AIOpsLab's Mongo pods)."""
    mounts = _mounts(state, pod)
    paths = [arg for arg in args[1:] if not arg.startswith("-")] or ["."]
    listing = args[0].endswith("ls")
    out, err = [], []
    for path in paths:
        text, error = _ls(path, mounts) if listing else _cat(path, mounts)
        if text is not None:
            out.append(text)
        if error is not None:
            err.append(error)
    stderr = "\n".join(err)
    if err:
        stderr += "\ncommand terminated with exit code 1"
    return ProgramResult(
        stdout="\n".join(out) + ("\n" if out else ""),
        stderr=stderr + ("\n" if stderr else ""),
        exit_code=1 if err else 0,
    )


def _mounts(state: ClusterState, pod: PodRecord) -> dict[str, dict[str, str]]:
    """The container's ConfigMap mounts: mount path (no trailing slash) to the ConfigMap's files."""
    mounts: dict[str, dict[str, str]] = {}
    spec = pod.template["spec"]
    for volume in spec.get("volumes", []):
        config = volume.get("configMap", {}).get("name")
        if not config:
            continue
        data = (state.get("configmaps", pod.namespace, config) or {}).get("data", {})
        for mount in spec["containers"][0].get("volumeMounts", []):
            if mount["name"] == volume["name"]:
                mounts[mount["mountPath"].rstrip("/")] = data
    return mounts


def _ls(path: str, mounts: dict[str, dict[str, str]]) -> tuple[str | None, str | None]:
    clean = path.rstrip("/")
    if clean in mounts:
        return "\n".join(sorted(mounts[clean])), None
    if clean in (".", "/"):
        return (_ROOT_WITH_SCRIPTS if "/scripts" in mounts else _ROOT), None
    return None, f"ls: cannot access '{path}': No such file or directory"


def _cat(path: str, mounts: dict[str, dict[str, str]]) -> tuple[str | None, str | None]:
    folder, _, name = path.rstrip("/").rpartition("/")
    content = mounts.get(folder, {}).get(name)
    if content is None:
        return None, f"cat: {path}: No such file or directory"
    return content.rstrip("\n"), None
