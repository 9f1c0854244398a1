"""Analyzers: pure code that turns the raw output of read commands into findings a small model can read.

Each analyzer encodes Kubernetes and telemetry semantics (what a CrashLoopBackOff, a targetPort that no
container declares or an error naming another service means), never the names of benchmark faults,
problems or targets. ``survey_run`` reads a namespace through the agent-cloud interface and returns every
read with its findings; ``ranking`` orders services and hypotheses by that evidence.
"""
