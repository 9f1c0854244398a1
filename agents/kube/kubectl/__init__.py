"""The adapter's ``kubectl``: one parsed command line turned into API requests of one identity."""

from agents.kube.kubectl.program import KubectlProgram, helm_unavailable

__all__ = ["KubectlProgram", "helm_unavailable"]
