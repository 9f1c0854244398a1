"""kubectl against the simulated cluster: reads render the state, writes change it and the engine follows.

The argv is parsed by the shared parser (``agents.cli.kubectl_args``), rendered by the shared printers
(``agents.cli.render`` / ``describe``), exactly as the real-cluster adapter does. A read-only handle's
kubectl refuses writes itself too (the shell refuses them first): two locks on one door.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import yaml

from agents.cli import access
from agents.cli.describe import render_describe
from agents.cli.errors import KubectlUsageError
from agents.cli.kubectl_args import KubectlCommand, ResourceRef, parse_kubectl
from agents.cli.render import render_get
from agents.cli.shell import ProgramResult
from agents.sim import engine, mongo, objects, observability, patching, rules
from agents.sim.state import JSON, ClusterState, PodRecord

READ_VERBS = {
    "get",
    "describe",
    "logs",
    "top",
    "explain",
    "events",
    "version",
    "cluster-info",
    "api-resources",
    "api-versions",
    "auth",
}
EXECUTOR = 'User "system:serviceaccount:aoi:executor"'


def _fail(message: str, code: int = 1) -> ProgramResult:
    return ProgramResult(stdout="", stderr=message if message.endswith("\n") else message + "\n", exit_code=code)


def _ok(text: str) -> ProgramResult:
    return ProgramResult(stdout=text if not text or text.endswith("\n") else text + "\n")


class SimKubectl:
    """The `kubectl` program of one session handle."""

    def __init__(self, state: ClusterState, *, read_only: bool) -> None:
        self.state = state
        self.read_only = read_only

    def __call__(self, argv: Sequence[str], stdin: str) -> ProgramResult:
        if self.read_only and access.command_access(argv).access is not access.Access.READ:
            return _fail(access.read_only_refusal(access.command_access(argv)))
        try:
            command = parse_kubectl(argv)
        except KubectlUsageError as error:
            return _fail(str(error))
        handler = getattr(self, "_" + command.verb.replace("-", "_"), None)
        if handler is None:
            return self._forbidden(command)
        try:
            result: ProgramResult = handler(command, stdin)
        except patching.PatchError as error:
            return _fail(f"error: {error}")
        return result

    # --- helpers -----------------------------------------------------------------------------------
    def _namespace(self, command: KubectlCommand) -> str:
        return command.namespace or "default"

    def _forbidden(self, command: KubectlCommand) -> ProgramResult:
        plural = command.resources[0].type.plural if command.resources else command.verb
        return _fail(
            f"Error from server (Forbidden): {plural} is forbidden: {EXECUTOR} cannot {command.verb} resource "
            f'"{plural}" in the namespace "{self._namespace(command)}"'
        )

    def _select(self, ref: ResourceRef, command: KubectlCommand) -> tuple[list[JSON], str]:
        """Objects named by ``ref`` (or all of its kind, filtered by -l/--field-selector); an error text."""
        plural = ref.type.plural
        namespace = None if command.all_namespaces or not ref.type.namespaced else self._namespace(command)
        if ref.name is not None:
            one = (
                objects.object_named(self.state, plural, namespace or "", ref.name)
                if namespace is not None or not ref.type.namespaced
                else None
            )
            match = [one] if one is not None else []
            if not match:
                return (
                    [],
                    f'Error from server (NotFound): {_api_name(ref)} "{ref.name}" not found',
                )
            return match, ""
        found = objects.objects_of(self.state, plural, namespace)
        if command.selector:
            found = [obj for obj in found if selector_matches(command.selector, obj["metadata"].get("labels") or {})]
        if command.field_selector:
            found = [obj for obj in found if _field_matches(command.field_selector, obj)]
        return found, ""

    def _pod_record(self, name: str, namespace: str) -> PodRecord | None:
        pod = self.state.pods.get((namespace, name))
        return pod if pod is not None and pod.deleted_at is None else None

    def _resolve_pod(self, ref: ResourceRef, command: KubectlCommand) -> tuple[PodRecord | None, str]:
        namespace = self._namespace(command)
        if ref.type.plural == "pods":
            pod = self._pod_record(ref.name or "", namespace)
            return pod, "" if pod else f'Error from server (NotFound): pods "{ref.name}" not found'
        if ref.type.plural in ("deployments", "replicasets", "services", "jobs", "statefulsets"):
            owner = ref.name or ""
            if ref.type.plural == "replicasets":
                owner = owner.rsplit("-", 1)[0]
            if (
                self.state.get("deployments", namespace, owner) is None
                and self.state.get(ref.type.plural, namespace, ref.name or "") is None
            ):
                return (
                    None,
                    f'Error from server (NotFound): {ref.type.plural}.{ref.type.group or "v1"} "{ref.name}" not found',
                )
            pods = self.state.pods_of(owner, namespace)
            if ref.type.plural == "services":
                service = self.state.get("services", namespace, ref.name or "")
                selector = (service or {}).get("spec", {}).get("selector") or {}
                pods = [
                    p
                    for p in self.state.live_pods(namespace)
                    if selector and all(p.labels.get(k) == v for k, v in selector.items())
                ]
            if not pods:
                return (
                    None,
                    f"error: no pods found for {ref.type.singular} {ref.name}"
                    if ref.type.plural != "services"
                    else f"error: cannot attach to *v1.Service: selector for service {ref.name} has no pods",
                )
            return pods[0], ""
        return None, f"error: cannot exec into or get logs of a {ref.type.kind}"

    # --- reads -------------------------------------------------------------------------------------
    def _get(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        outputs, errors = [], []
        groups: dict[str, list[JSON]] = {}
        order: list[str] = []
        for ref in command.resources:
            found, error = self._select(ref, command)
            if error:
                errors.append(error)
                continue
            if ref.type.plural not in groups:
                groups[ref.type.plural] = []
                order.append(ref.type.plural)
            groups[ref.type.plural].extend(found)
        show_kind = len(order) > 1 or any(ref.type.plural == "all" for ref in command.resources)
        stderr_parts = []
        single = len(command.resources) == 1 and command.resources[0].name is not None
        if (
            command.output
            and command.output.split("=")[0] in ("yaml", "json", "jsonpath", "custom-columns", "name")
            and len(order) > 1
        ):
            merged = [obj for plural in order for obj in groups[plural]]
            out, err = render_get(
                order[0],
                merged,
                now=self.state.clock.datetime,
                output=command.output,
                all_namespaces=command.all_namespaces,
                namespace=self._namespace(command),
            )
            outputs.append(out)
            stderr_parts.append(err)
        else:
            for plural in order:
                if single and command.output in ("yaml", "json"):
                    items = groups[plural]
                    text = (
                        yaml.safe_dump(items[0], sort_keys=True)
                        if command.output == "yaml"
                        else json.dumps(items[0], indent=4, sort_keys=True) + "\n"
                    )
                    outputs.append(text)
                    continue
                out, err = render_get(
                    plural,
                    groups[plural],
                    now=self.state.clock.datetime,
                    output=command.output,
                    all_namespaces=command.all_namespaces,
                    show_kind=show_kind,
                    show_labels=bool(command.flags.get("show-labels")),
                    no_headers=bool(command.flags.get("no-headers")),
                    namespace=self._namespace(command),
                )
                if out:
                    outputs.append(out)
                if err and not show_kind:
                    stderr_parts.append(err)
        stdout = "\n".join(part.rstrip("\n") for part in outputs if part) + ("\n" if any(outputs) else "")
        if show_kind and not stdout:
            stderr_parts.append(f"No resources found in {self._namespace(command)} namespace.")
        stderr = "\n".join(part.rstrip("\n") for part in [*stderr_parts, *errors] if part)
        return ProgramResult(stdout=stdout, stderr=stderr + ("\n" if stderr else ""), exit_code=1 if errors else 0)

    def _describe(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        texts, errors = [], []
        for ref in command.resources:
            found, error = self._select(ref, command)
            if error:
                errors.append(error)
                continue
            for obj in found:
                texts.append(self._describe_one(ref.type.plural, obj))
        if not texts and not errors:
            return _fail(f"No resources found in {self._namespace(command)} namespace.", 0)
        stderr = "\n".join(errors)
        return ProgramResult(
            stdout="\n\n".join(texts) + ("\n" if texts else ""),
            stderr=stderr + ("\n" if stderr else ""),
            exit_code=1 if errors else 0,
        )

    def _describe_one(self, plural: str, obj: JSON) -> str:
        metadata = obj["metadata"]
        namespace = metadata.get("namespace", "")
        kind = obj.get("kind", "")
        events = objects.events_for(self.state, kind, metadata["name"], namespace) if namespace else []
        related: dict[str, Any] = {}
        if plural == "services":
            related["endpoints"] = objects.endpoints_object(
                self.state, self.state.get("services", namespace, metadata["name"]) or obj
            )
        if plural == "deployments":
            sets = [
                rs
                for rs in objects.replicasets(self.state, namespace)
                if rs["metadata"]["ownerReferences"][0]["name"] == metadata["name"]
            ]
            current = f"{metadata['name']}-{engine.template_hash(obj['spec']['template'])}"
            related["new_replicaset"] = next((rs for rs in sets if rs["metadata"]["name"] == current), None)
            related["old_replicasets"] = [
                rs for rs in sets if rs["metadata"]["name"] != current and rs["status"]["replicas"]
            ]
        return render_describe(plural, obj, now=self.state.clock.datetime, events=events, related=related)

    def _logs(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        namespace = self._namespace(command)
        if command.selector and not command.resources:
            pods = [pod for pod in self.state.live_pods(namespace) if selector_matches(command.selector, pod.labels)]
            if not pods:
                return _fail(f"No resources found in {namespace} namespace.", 0)
        else:
            if not command.resources:
                return _fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.")
            pod, error = self._resolve_pod(command.resources[0], command)
            if pod is None:
                return _fail(error)
            pods = [pod]
        container = command.flags.get("container")
        out, err = [], []
        for pod in pods[:5]:
            name = pod.template["spec"]["containers"][0]["name"]
            if container and container != name:
                err.append(f"error: container {container} is not valid for pod {pod.name}")
                continue
            tail = command.flags.get("tail")
            if tail is None and command.selector:
                tail = 10
            text, error = observability.pod_logs(
                self.state,
                pod,
                previous=bool(command.flags.get("previous")),
                tail=int(tail) if isinstance(tail, int) and tail >= 0 else None,
            )
            out.append(text)
            if error:
                err.append(error)
        stderr = "\n".join(err)
        return ProgramResult(
            stdout="".join(out), stderr=stderr + ("\n" if stderr else ""), exit_code=1 if err and not any(out) else 0
        )

    def _top(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if command.subverb in ("node", "nodes"):
            return self._top_nodes()
        namespace = None if command.all_namespaces else self._namespace(command)
        header: tuple[str, ...] = ("NAME", "CPU(cores)", "MEMORY(bytes)")
        if command.all_namespaces:
            header = ("NAMESPACE", *header)
        lines: list[tuple[str, ...]] = [header]
        for pod in self.state.live_pods(namespace):
            if not engine.container_ready(pod):
                continue
            if command.selector and not selector_matches(command.selector, pod.labels):
                continue
            cpu, memory = observability.pod_load(self.state, rules.component_of(self.state, pod), self.state.clock.now)
            row = (f"{int(cpu * 1000)}m", f"{int(memory)}Mi")
            lines.append(((pod.namespace, pod.name) if command.all_namespaces else (pod.name,)) + row)
        if len(lines) == 1:
            return _fail(f"No resources found in {namespace} namespace.", 0)
        return _ok(_columns(lines))

    def _top_nodes(self) -> ProgramResult:
        lines: list[tuple[str, ...]] = [("NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)")]
        for node in self.state.find("nodes"):
            pods = [pod for pod in self.state.live_pods() if pod.node == node["metadata"]["name"]]
            cpu = sum(
                observability.pod_load(self.state, rules.component_of(self.state, pod), self.state.clock.now)[0]
                for pod in pods
            )
            memory = (
                sum(
                    observability.pod_load(self.state, rules.component_of(self.state, pod), self.state.clock.now)[1]
                    for pod in pods
                )
                + 600
            )
            lines.append(
                (
                    node["metadata"]["name"],
                    f"{int(cpu * 1000) + 90}m",
                    f"{int((cpu + 0.09) * 100 / 8)}%",
                    f"{int(memory)}Mi",
                    f"{int(memory * 100 / 32058)}%",
                )
            )
        return _ok(_columns(lines))

    def _events(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        found = objects.event_objects(self.state, None if command.all_namespaces else self._namespace(command))
        out, err = render_get(
            "events",
            found,
            now=self.state.clock.datetime,
            output=command.output,
            all_namespaces=command.all_namespaces,
            namespace=self._namespace(command),
        )
        return ProgramResult(stdout=out, stderr=err)

    def _explain(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        ref = command.resources[0] if command.resources else None
        if ref is None:
            return _fail(
                "error: You must specify the type of resource to explain. "
                'Use "kubectl api-resources" for a complete list of supported resources.'
            )
        return _ok(
            f"GROUP:      {ref.type.group}\nKIND:       {ref.type.kind}\n"
            f"VERSION:    {ref.type.api_version.rsplit('/', 1)[-1]}\n\n"
            f"DESCRIPTION:\n    {ref.type.kind} is a Kubernetes {ref.type.singular} object.\n"
        )

    def _version(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        return _ok("Client Version: v1.32.2\nKustomize Version: v5.5.0\nServer Version: v1.32.2\n")

    def _cluster_info(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        return _ok(
            "Kubernetes control plane is running at https://127.0.0.1:6443\n"
            "CoreDNS is running at https://127.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n"
        )

    def _auth(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        verb = command.args[0] if command.args else "get"
        allowed = verb in ("get", "list", "watch") or not self.read_only
        return ProgramResult(stdout="yes\n" if allowed else "no\n", exit_code=0 if allowed else 1)

    def _rollout(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if command.subverb in ("status", "history"):
            return self._rollout_read(command)
        return self._rollout_write(command)

    def _rollout_read(self, command: KubectlCommand) -> ProgramResult:
        ref = command.resources[0] if command.resources else None
        namespace = self._namespace(command)
        deployment = self.state.get("deployments", namespace, ref.name or "") if ref else None
        if ref is None or deployment is None:
            return _fail(f'Error from server (NotFound): deployments.apps "{ref.name if ref else ""}" not found')
        name = ref.name or ""
        if command.subverb == "history":
            rows = [("REVISION", "CHANGE-CAUSE")] + [
                (str(revision), "<none>") for revision, _, _ in self.state.history.get((namespace, name), [])
            ]
            return _ok(f"deployment.apps/{name} \n" + _columns(rows) + "\n")
        timeout = _seconds(str(command.flags.get("timeout") or "300s"))
        lines = []
        deadline = self.state.clock.now + timeout
        while True:
            status = objects.deployment_object(self.state, deployment)["status"]
            desired = int(deployment["spec"].get("replicas", 1) or 0)
            available = int(status.get("availableReplicas", 0))
            updated = int(status.get("updatedReplicas", 0))
            if available >= desired and updated >= desired and int(status.get("replicas", 0)) <= desired:
                lines.append(f'deployment "{name}" successfully rolled out')
                return _ok("\n".join(lines))
            message = (
                f'Waiting for deployment "{name}" rollout to finish: '
                f"{available} of {desired} updated replicas are available..."
            )
            if not lines or lines[-1] != message:
                lines.append(message)
            if self.state.clock.now >= deadline:
                return ProgramResult(
                    stdout="\n".join(lines) + "\n", stderr="error: timed out waiting for the condition\n", exit_code=1
                )
            engine.advance(self.state, to=min(deadline, self.state.clock.now + 5.0))

    # --- writes ------------------------------------------------------------------------------------
    def _write_guard(self, command: KubectlCommand) -> ProgramResult | None:
        if self.read_only:
            return _fail(
                access.read_only_refusal(
                    access.AccessDecision(access.Access.WRITE, "kubectl", command.verb, "it changes the cluster")
                )
            )
        return None

    def _changed(self) -> None:
        engine.reconcile(self.state)
        engine.retry_pending(self.state)

    def _patch(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if (refused := self._write_guard(command)) is not None:
            return refused
        raw = command.flags.get("patch")
        if not isinstance(raw, str):
            return _fail("error: must specify --patch or --patch-file containing the contents of the patch")
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            try:
                body = yaml.safe_load(raw)
            except yaml.YAMLError:
                return _fail(f'error: unable to parse "{raw}": yaml: did not find expected node content')
        patch_type = str(command.flags.get("type") or "strategic")
        results = []
        for ref in command.resources:
            found, error = self._select(ref, command)
            if error:
                return _fail(error)
            for obj in found:
                stored = self.state.get(ref.type.plural, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
                if stored is None:
                    return self._forbidden(command)
                if patch_type == "json":
                    updated = patching.json_patch(stored, body)
                elif patch_type == "merge":
                    updated = patching.merge_patch(stored, body)
                elif patch_type == "strategic":
                    updated = patching.strategic_patch(stored, body)
                else:
                    return _fail(f'error: --type must be one of [json merge strategic], not "{patch_type}"')
                label = f"{ref.type.qualified_name}/{obj['metadata']['name']}"
                if updated == stored:
                    results.append(f"{label} patched (no change)")
                    continue
                if updated.get("spec", {}).get("template") != stored.get("spec", {}).get("template"):
                    updated["metadata"]["generation"] = int(stored["metadata"].get("generation", 1)) + 1
                self.state.put(ref.type.plural, obj["metadata"].get("namespace", ""), updated)
                results.append(f"{label} patched")
        self._changed()
        return _ok("\n".join(results))

    def _scale(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if (refused := self._write_guard(command)) is not None:
            return refused
        replicas = command.flags.get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            return _fail("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
        results = []
        for ref in command.resources:
            found, error = self._select(ref, command)
            if error:
                return _fail(error)
            for obj in found:
                stored = self.state.get(ref.type.plural, obj["metadata"]["namespace"], obj["metadata"]["name"])
                if stored is None or "replicas" not in stored.get("spec", {}):
                    return _fail(f'error: no scaler has been implemented for {{"" "{ref.type.kind}"}}')
                stored["spec"]["replicas"] = replicas
                results.append(f"{ref.type.qualified_name}/{obj['metadata']['name']} scaled")
        self._changed()
        return _ok("\n".join(results))

    def _set(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if (refused := self._write_guard(command)) is not None:
            return refused
        results = []
        for ref in command.resources:
            found, error = self._select(ref, command)
            if error:
                return _fail(error)
            for obj in found:
                stored = self.state.get(ref.type.plural, obj["metadata"]["namespace"], obj["metadata"]["name"])
                if stored is None or "template" not in stored.get("spec", {}):
                    return self._forbidden(command)
                message = self._set_one(command, stored)
                if message.startswith("error"):
                    return _fail(message)
                results.append(f"{ref.type.qualified_name}/{obj['metadata']['name']} {message}")
        self._changed()
        return _ok("\n".join(results))

    def _set_one(self, command: KubectlCommand, stored: JSON) -> str:
        containers = stored["spec"]["template"]["spec"]["containers"]
        if command.subverb == "image":
            for pair in command.args:
                name, _, image = pair.partition("=")
                matches = [c for c in containers if name in (c["name"], "*")]
                if not matches:
                    return f'error: unable to find container named "{name}"'
                for container in matches:
                    container["image"] = image
            return "image updated"
        if command.subverb == "env":
            for container in containers:
                env = container.setdefault("env", [])
                for pair in command.args:
                    if pair.endswith("-") and "=" not in pair:
                        env[:] = [item for item in env if item["name"] != pair[:-1]]
                        continue
                    key, _, value = pair.partition("=")
                    env[:] = [item for item in env if item["name"] != key] + [{"name": key, "value": value}]
                if not env:
                    container.pop("env")
            return "env updated"
        return f'error: unknown command "set {command.subverb}"'

    def _rollout_write(self, command: KubectlCommand) -> ProgramResult:
        if (refused := self._write_guard(command)) is not None:
            return refused
        namespace = self._namespace(command)
        refs = list(command.resources)
        targets = []
        for ref in refs:
            if ref.name is None:
                targets += [obj["metadata"]["name"] for obj in self.state.find("deployments", namespace)]
            elif self.state.get("deployments", namespace, ref.name) is None:
                return _fail(f'Error from server (NotFound): deployments.apps "{ref.name}" not found')
            else:
                targets.append(ref.name)
        results = []
        for name in targets:
            deployment = self.state.get("deployments", namespace, name)
            assert deployment is not None
            if command.subverb == "restart":
                template = deployment["spec"]["template"]
                template.setdefault("metadata", {}).setdefault("annotations", {})[
                    "kubectl.kubernetes.io/restartedAt"
                ] = self.state.clock.stamp(self.state.clock.now)
                results.append(f"deployment.apps/{name} restarted")
            elif command.subverb == "undo":
                history = self.state.history.get((namespace, name), [])
                wanted = command.flags.get("to-revision")
                previous = (
                    [entry for entry in history if entry[0] == wanted]
                    if isinstance(wanted, int) and wanted
                    else history[-2:-1]
                )
                if not previous:
                    return _fail(
                        f'error: no rollout history found for deployment "{name}"'
                        if len(history) < 2
                        else f"error: unable to find specified revision {wanted} in history"
                    )
                deployment["spec"]["template"] = json.loads(json.dumps(previous[0][2]))
                results.append(f"deployment.apps/{name} rolled back")
            else:
                return _fail(f'error: unknown command "rollout {command.subverb}"')
        self._changed()
        return _ok("\n".join(results))

    def _delete(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if (refused := self._write_guard(command)) is not None:
            return refused
        results = []
        for ref in command.resources:
            if ref.name is None and not (command.selector or command.flags.get("all")):
                return _fail("error: resource(s) were provided, but no name was specified")
            found, error = self._select(ref, command)
            if error:
                return _fail(error)
            for obj in found:
                namespace = obj["metadata"].get("namespace", "")
                name = obj["metadata"]["name"]
                if ref.type.plural == "pods":
                    pod = self._pod_record(name, namespace)
                    if pod is not None:
                        engine.pod_delete(self.state, pod)
                elif ref.type.plural in (
                    "deployments",
                    "services",
                    "configmaps",
                    "podchaos",
                    "networkchaos",
                    "persistentvolumeclaims",
                ):
                    self.state.delete(ref.type.plural, namespace, name)
                    if ref.type.plural == "deployments":
                        for pod in self.state.pods_of(name, namespace):
                            pod.deleted_at = self.state.clock.now
                else:
                    return self._forbidden(command)
                results.append(
                    f'{ref.type.singular if not ref.type.group else ref.type.qualified_name} "{name}" deleted'
                )
        if not results:
            return _fail(f"No resources found in {self._namespace(command)} namespace.", 0)
        self._changed()
        return _ok("\n".join(results))

    def _apply(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if (refused := self._write_guard(command)) is not None:
            return refused
        raw_files = command.flags.get("filename") or ()
        files = (raw_files,) if isinstance(raw_files, str | int) else tuple(raw_files)
        if files != ("-",):
            return _fail(
                f'error: the path "{files[0] if files else ""}" does not exist'
                if files
                else "error: must specify one of -f and -k"
            )
        try:
            documents = [doc for doc in yaml.safe_load_all(stdin) if doc]
        except yaml.YAMLError as error:
            return _fail(f"error: error parsing STDIN: {error}")
        results = []
        for document in documents:
            message = self._apply_one(document, command)
            if message.startswith("error") or message.startswith("Error"):
                return _fail(message)
            results.append(message)
        self._changed()
        return _ok("\n".join(results))

    def _apply_one(self, document: Any, command: KubectlCommand) -> str:
        from agents.cli.kube_resources import resource_type

        if not isinstance(document, dict) or "kind" not in document or "metadata" not in document:
            return (
                "error: error validating data: [apiVersion not set, kind not set]; "
                "if you choose to ignore these errors, turn validation off with --validate=false"
            )
        try:
            kind = resource_type(str(document["kind"]))
        except KubectlUsageError:
            return (
                f'error: resource mapping not found for name: "{document["metadata"].get("name")}": '
                f'no matches for kind "{document["kind"]}"'
            )
        namespace = document["metadata"].get("namespace") or self._namespace(command) if kind.namespaced else ""
        if kind.plural not in ("deployments", "services", "configmaps", "persistentvolumeclaims", "persistentvolumes"):
            return (
                f"Error from server (Forbidden): {kind.plural} is forbidden: "
                f'{EXECUTOR} cannot create resource "{kind.plural}"'
            )
        name = document["metadata"].get("name", "")
        stored = self.state.get(kind.plural, namespace, name)
        label = f"{kind.qualified_name}/{name}"
        if stored is None:
            document.setdefault("metadata", {}).update({"namespace": namespace} if namespace else {})
            document["metadata"].setdefault("creationTimestamp", self.state.clock.stamp(self.state.clock.now))
            document["metadata"].setdefault("uid", f"{name}-{self.state.resource_version}")
            self.state.put(kind.plural, namespace, document)
            return f"{label} created"
        updated = patching.merge_patch(stored, {key: value for key, value in document.items() if key != "status"})
        if updated == stored:
            return f"{label} unchanged"
        self.state.put(kind.plural, namespace, updated)
        return f"{label} configured"

    def _exec(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        if (refused := self._write_guard(command)) is not None:
            return refused
        if not command.resources:
            return _fail("error: pod, type/name or --filename must be specified")
        pod, error = self._resolve_pod(command.resources[0], command)
        if pod is None:
            return _fail(error)
        if (not engine.container_ready(pod) and pod.current_run is None) or pod.node is None:
            return _fail(
                "error: unable to upgrade connection: container not found "
                f'("{pod.template["spec"]["containers"][0]["name"]}")'
            )
        args = list(command.args)
        if not args:
            return _fail("error: you must specify at least one command for the container")
        program = args[0].rsplit("/", 1)[-1]
        component = rules.component_of(self.state, pod)
        if program in ("mongo", "mongosh") and component is not None and component.role == "mongodb":
            out, err, code = mongo.run_mongo_shell(self.state, component.name, args)
            return ProgramResult(stdout=out, stderr=err, exit_code=code)
        if program in ("cat", "ls") and component is not None:
            return self._exec_files(pod, args)
        if program in ("env", "printenv"):
            container = pod.template["spec"]["containers"][0]
            lines = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", f"HOSTNAME={pod.name}"]
            lines += [f"{item['name']}={item.get('value', '')}" for item in container.get("env", [])]
            return _ok("\n".join(lines))
        return _fail(
            mongo.exec_not_found(args[0]),
            126,
        )

    def _exec_files(self, pod: PodRecord, args: list[str]) -> ProgramResult:
        """Files mounted from ConfigMaps can be listed and read (the fault scripts of AIOpsLab's Mongo pods)."""
        mounts: dict[str, dict[str, str]] = {}
        spec = pod.template["spec"]
        for volume in spec.get("volumes", []):
            config = volume.get("configMap", {}).get("name")
            if not config:
                continue
            data = (self.state.get("configmaps", pod.namespace, config) or {}).get("data", {})
            for mount in spec["containers"][0].get("volumeMounts", []):
                if mount["name"] == volume["name"]:
                    mounts[mount["mountPath"].rstrip("/")] = data
        paths = [arg for arg in args[1:] if not arg.startswith("-")] or ["."]
        out, err = [], []
        for path in paths:
            clean = path.rstrip("/")
            if args[0].endswith("ls"):
                if clean in mounts:
                    out.append("\n".join(sorted(mounts[clean])))
                elif clean in (".", "/"):
                    out.append(
                        "bin\nboot\ndata\ndev\netc\nhome\nlib\nproc\nroot\nrun\nscripts\nsys\ntmp\nusr\nvar"
                        if "/scripts" in mounts
                        else "bin\nboot\ndata\ndev\netc\nhome\nlib\nproc\nroot\nrun\nsys\ntmp\nusr\nvar"
                    )
                else:
                    err.append(f"ls: cannot access '{path}': No such file or directory")
                continue
            folder, _, name = clean.rpartition("/")
            content = mounts.get(folder, {}).get(name)
            if content is None:
                err.append(f"cat: {path}: No such file or directory")
            else:
                out.append(content.rstrip("\n"))
        stderr = "\n".join(err)
        if err:
            stderr += "\ncommand terminated with exit code 1"
        return ProgramResult(
            stdout="\n".join(out) + ("\n" if out else ""),
            stderr=stderr + ("\n" if stderr else ""),
            exit_code=1 if err else 0,
        )

    def _edit(self, command: KubectlCommand, stdin: str) -> ProgramResult:
        return _fail("Error: Cannot use `kubectl edit`. Use `kubectl patch` instead.")


def _api_name(ref: ResourceRef) -> str:
    """How the API server names a resource in errors: `pods`, `deployments.apps`."""
    return f"{ref.type.plural}.{ref.type.group}" if ref.type.group else ref.type.plural


def _columns(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[index])) for row in rows) for index in range(len(rows[0]))]
    return "\n".join(
        "   ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _seconds(text: str) -> float:
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.strip())
    if not match or not any(match.groups()):
        return 300.0
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def selector_matches(selector: str, labels: dict[str, str]) -> bool:
    """Kubernetes label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, comma = and."""
    for requirement in re.split(r",(?![^()]*\))", selector):
        requirement = requirement.strip()
        if not requirement:
            continue
        if match := re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", requirement):
            key, operator, values = match.groups()
            options = {value.strip() for value in values.split(",")}
            if (labels.get(key) in options) != (operator == "in"):
                return False
        elif "!=" in requirement:
            key, value = requirement.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in requirement:
            key, value = requirement.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif requirement.startswith("!"):
            if requirement[1:] in labels:
                return False
        elif requirement not in labels:
            return False
    return True


def _field_matches(selector: str, obj: JSON) -> bool:
    for requirement in selector.split(","):
        negate = "!=" in requirement
        path, _, value = requirement.replace("!=", "=").replace("==", "=").partition("=")
        node: Any = obj
        for part in path.strip().split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if (str(node) == value.strip()) == negate:
            return False
    return True
