"""The learning loop's services: where the pure cores (``training.grpo``, ``training.evolver``) meet the
database, the audit log and the workers."""
