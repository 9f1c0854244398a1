"""Celery task: grpo."""
