"""Agent runs: trajectories, steps, prompts; knowledge items."""
