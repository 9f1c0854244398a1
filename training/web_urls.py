"""``/learning/``: the learning loop's pages: the curation queue (``training.web_curation``), and training
runs, model versions, evaluations and Evolver runs (``training.web_jobs``)."""

from django.urls import URLPattern

from training import web_curation, web_jobs

urlpatterns: list[URLPattern] = [*web_curation.urlpatterns, *web_jobs.urlpatterns]
