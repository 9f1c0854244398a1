"""Which cluster the agents act on for an incident: the built-in simulator or a real Kubernetes cluster.

Chosen by settings (``AOI_ENVIRONMENT``):

- ``simulator`` (the embedded default): the incident names the simulated problem it reproduces in its
  ``aoi_problem`` label (the demo incidents and ``manage.py diagnose --problem`` set it); the run gets a fresh
  episode of that problem, its read-only session for the Probes and its read-write one for the Executor.
- ``kubernetes``: the adapter with the two identities of the YAML file ``AOI_KUBERNETES_CONFIG`` names
  (docs/kubernetes.md): the reader's credential for the Probes, the writer's for the Executor.

Against problems (the benchmark) the agents always use the simulator; see ``agents.runtime.simulate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from agents.environment import CloudEnvironment
from agents.sim.episode import Episode, EpisodeDiverged, episode_resume, episode_start
from agents.sim.problems import Problem, UnknownProblem, problem_resolve
from incidents.models import Incident

PROBLEM_LABEL = "aoi_problem"
KINDS = ("simulator", "kubernetes")


class EnvironmentUnavailable(Exception):
    """The configured environment cannot serve this incident; the message says what to change."""


@dataclass
class IncidentEnvironment:
    """The two handles of one run on an incident, and what they point at."""

    kind: str
    read: CloudEnvironment
    write: CloudEnvironment
    description: str
    problem: Problem | None = None
    episode: Episode | None = None


def environment_config() -> dict[str, Any]:
    """The ``AOI_ENVIRONMENT`` settings, checked."""
    config = dict(settings.AOI_ENVIRONMENT)
    if config.get("kind") not in KINDS:
        raise EnvironmentUnavailable(f"AOI_ENVIRONMENT must be one of {', '.join(KINDS)}, not {config.get('kind')!r}")
    return config


def environment_for_incident(
    incident: Incident,
    *,
    config: Mapping[str, Any] | None = None,
    seed: int | None = None,
    journal: Sequence[dict[str, Any]] | None = None,
) -> IncidentEnvironment:
    """Open the read and write handles for a run on ``incident``. ``journal``: on the simulator, the calls a
    run already made (``episode_journal``), replayed so that a resumed run finds the cluster as it left it."""
    chosen = dict(config) if config is not None else environment_config()
    if not incident.namespace:
        raise EnvironmentUnavailable("the incident names no namespace; set it before starting a diagnosis")
    if chosen.get("kind") == "kubernetes":
        return _kubernetes(incident, chosen)
    if chosen.get("kind") == "simulator":
        return _simulator(incident, chosen.get("seed", 0) if seed is None else seed, journal or ())
    raise EnvironmentUnavailable(f"unknown environment kind {chosen.get('kind')!r}; one of {', '.join(KINDS)}")


def _simulator(incident: Incident, seed: int, journal: Sequence[dict[str, Any]]) -> IncidentEnvironment:
    reference = str((incident.labels or {}).get(PROBLEM_LABEL, "")).strip()
    if not reference:
        raise EnvironmentUnavailable(
            f"the environment is the simulator, and this incident names no simulated problem (label "
            f"{PROBLEM_LABEL}); open one with `manage.py diagnose --problem`, or set AOI_ENVIRONMENT=kubernetes"
        )
    try:
        problem = problem_resolve(reference)
    except (UnknownProblem, ValueError) as error:
        raise EnvironmentUnavailable(f"label {PROBLEM_LABEL}: {error}") from error
    if problem.namespace != incident.namespace:
        raise EnvironmentUnavailable(
            f"the problem {problem.problem_id} runs in namespace {problem.namespace}, the incident names "
            f"{incident.namespace}"
        )
    leaks = problem.leaks if problem.leaks is not None else True
    try:
        if journal:
            episode = episode_resume(problem, seed=seed, leaks=leaks, journal=journal)
        else:
            episode = episode_start(problem, seed=seed, leaks=leaks)
    except EpisodeDiverged as error:
        raise EnvironmentUnavailable(f"the simulated cluster cannot be rebuilt as the run left it: {error}") from error
    return IncidentEnvironment(
        "simulator",
        episode.environment(read_only=True),
        episode.environment(read_only=False),
        f"simulated cluster reproducing {problem.problem_id} (seed {seed})",
        problem,
        episode,
    )


def _kubernetes(incident: Incident, config: Mapping[str, Any]) -> IncidentEnvironment:
    from agents.kube.config import KubeConfigError, KubeSettings
    from agents.kube.environment import KubernetesEnvironment

    path = str(config.get("kubernetes_config") or "")
    if not path:
        raise EnvironmentUnavailable("AOI_ENVIRONMENT=kubernetes needs AOI_KUBERNETES_CONFIG, a YAML file")
    try:
        data = yaml.safe_load(Path(path).read_text())
        kube = KubeSettings.from_mapping(data if isinstance(data, Mapping) else {})
    except (OSError, yaml.YAMLError, KubeConfigError) as error:
        raise EnvironmentUnavailable(f"AOI_KUBERNETES_CONFIG {path}: {error}") from error
    if not kube.allows_namespace(incident.namespace):
        raise EnvironmentUnavailable(f"the namespace {incident.namespace} is outside the adapter's namespaces")
    return IncidentEnvironment(
        "kubernetes",
        KubernetesEnvironment(kube, read_only=True),
        KubernetesEnvironment(kube, read_only=False),
        f"Kubernetes: reader {kube.reader.describe()}, writer {kube.writer.describe()}",
    )
