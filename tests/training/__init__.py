"""The learning loop on the platform: training data from stored runs, GRPO training runs."""
