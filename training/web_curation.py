"""Server-rendered pages of the curation queue."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
