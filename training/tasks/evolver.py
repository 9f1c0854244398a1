"""Celery task: evolver."""
