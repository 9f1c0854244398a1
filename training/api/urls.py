"""``/api/v1/learning/``: guidance proposals (``training.api.curation``) and the learning loop's jobs
(``training.api.jobs``)."""

from django.urls import URLPattern

from training.api import curation, jobs

urlpatterns: list[URLPattern] = [*curation.urlpatterns, *jobs.urlpatterns]
