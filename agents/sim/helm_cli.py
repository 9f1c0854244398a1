"""The `helm` program of the simulated cluster: list, status, history, get, upgrade, rollback."""

from __future__ import annotations

import json
from collections.abc import Sequence

import yaml

from agents.cli import access
from agents.cli.errors import HelmUsageError
from agents.cli.helm_args import HelmCommand, parse_helm
from agents.cli.shell import ProgramResult
from agents.sim.helm import rollback, upgrade
from agents.sim.state import ClusterState, HelmRelease


class SimHelm:
    """The `helm` program of one session handle: list, status, history, get values/manifest, upgrade, rollback."""

    def __init__(self, state: ClusterState, *, read_only: bool) -> None:
        self.state = state
        self.read_only = read_only

    def __call__(self, argv: Sequence[str], stdin: str) -> ProgramResult:
        try:
            command = parse_helm(argv)
        except HelmUsageError as error:
            return ProgramResult(stderr=f"{error}\n", exit_code=1)
        if self.read_only and access.command_access(argv).access is not access.Access.READ:
            return ProgramResult(stderr=access.read_only_refusal(access.command_access(argv)) + "\n", exit_code=1)
        namespace = command.namespace or "default"
        if command.verb in ("list", "ls"):
            return self._list(namespace, bool(command.flags.get("all-namespaces")))
        found = self.state.helm.get((namespace, command.release or ""))
        if found is None:
            return ProgramResult(
                stderr="Error: release: not found\n",
                exit_code=1,
            )
        if command.verb in ("history", "hist"):
            rows = [("REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION")]
            for entry in found.revisions:
                rows.append(
                    (
                        str(entry.revision),
                        self.state.clock.at(entry.updated).strftime("%a %b %d %H:%M:%S %Y"),
                        entry.status,
                        found.chart,
                        found.app_version,
                        entry.description,
                    )
                )
            return ProgramResult(stdout=_table(rows) + "\n")
        if command.verb == "status":
            current = found.current
            return ProgramResult(
                stdout=(
                    f"NAME: {found.name}\n"
                    f"LAST DEPLOYED: {self.state.clock.at(current.updated).strftime('%a %b %d %H:%M:%S %Y')}\n"
                    f"NAMESPACE: {namespace}\nSTATUS: {current.status}\n"
                    f"REVISION: {current.revision}\nTEST SUITE: None\n"
                )
            )
        if command.verb == "get":
            return self._get(command, found)
        if command.verb == "upgrade":
            chart_name = found.chart.rsplit("-", 1)[0]
            if (command.chart or "").rstrip("/").rsplit("/", 1)[-1].lower() != chart_name.lower():
                return ProgramResult(stderr=f'Error: path "{command.chart}" not found\n', exit_code=1)
            settings = dict(command.set_values)
            revision = upgrade(
                self.state, settings, reuse_values=bool(command.flags.get("reuse-values", True)), name=found.name
            )
            return ProgramResult(
                stdout=(
                    f'Release "{found.name}" has been upgraded. Happy Helming!\nNAME: {found.name}\n'
                    f"LAST DEPLOYED: {self.state.clock.at(revision.updated).strftime('%a %b %d %H:%M:%S %Y')}\n"
                    f"NAMESPACE: {namespace}\nSTATUS: deployed\nREVISION: {revision.revision}\nTEST SUITE: None\n"
                )
            )
        if command.verb == "rollback":
            wanted = command.args[1] if len(command.args) > 1 else None
            number = int(wanted) if wanted and wanted.isdigit() else found.current.revision - 1
            try:
                rollback(self.state, found, number)
            except LookupError:
                return ProgramResult(stderr=f"Error: release has no {number} version\n", exit_code=1)
            return ProgramResult(stdout="Rollback was a success! Happy Helming!\n")
        return ProgramResult(stderr=f'Error: unknown command "{command.verb}" for "helm"\n', exit_code=1)

    def _list(self, namespace: str, everywhere: bool) -> ProgramResult:
        rows = [("NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION")]
        for (ns, name), found in sorted(self.state.helm.items()):
            if everywhere or ns == namespace:
                current = found.current
                rows.append(
                    (
                        name,
                        ns,
                        str(current.revision),
                        self.state.clock.at(current.updated).strftime("%Y-%m-%d %H:%M:%S.%f +0000 UTC"),
                        current.status,
                        found.chart,
                        found.app_version,
                    )
                )
        return ProgramResult(stdout=_table(rows) + "\n")

    def _get(self, command: HelmCommand, found: HelmRelease) -> ProgramResult:
        revision = command.flags.get("revision")
        entry = (
            next((item for item in found.revisions if item.revision == revision), found.current)
            if isinstance(revision, int)
            else found.current
        )
        if command.subverb in ("values", None):
            output = str(command.flags.get("output") or "table")
            if output == "json":
                return ProgramResult(stdout=json.dumps(entry.values) + "\n")
            return ProgramResult(stdout="USER-SUPPLIED VALUES:\n" + yaml.safe_dump(entry.values, sort_keys=True))
        if command.subverb == "manifest":
            documents = [obj for obj in self.state.find("deployments", found.namespace)]
            return ProgramResult(
                stdout="".join(
                    f"---\n# Source: {found.chart.rsplit('-', 1)[0]}/templates/{obj['metadata']['name']}.yaml\n"
                    + yaml.safe_dump(
                        {key: obj[key] for key in ("apiVersion", "kind", "metadata", "spec")}, sort_keys=False
                    )
                    for obj in documents
                )
            )
        if command.subverb == "notes":
            return ProgramResult(stdout="NOTES:\n")
        return ProgramResult(stdout=f"NAME: {found.name}\nREVISION: {entry.revision}\nSTATUS: {entry.status}\n")


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    return "\n".join(
        "\t".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )
