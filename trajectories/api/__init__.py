"""``/api/v1/trajectories/``: agent runs, their steps and their JSONL export (read-only)."""
