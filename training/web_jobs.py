"""Server-rendered pages of training runs, model versions, evaluations and Evolver runs."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
