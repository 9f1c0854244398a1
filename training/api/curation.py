"""The API of curation."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
