"""The agent roles of the AOI runtime (Observer, Probe, Executor) and the single-agent baseline: pure code."""
