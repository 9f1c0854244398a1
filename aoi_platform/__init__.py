"""AOI Platform: the Django project (settings, URLs, ASGI router, Celery app)."""

from aoi_platform.celery import app as celery_app

__all__ = ["celery_app"]
