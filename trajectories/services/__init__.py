"""Writes for agent runs: start, change of status, finish (audited) and the append-only steps."""
