"""``/agents/``: the benchmark pages (list, one benchmark or two compared, their chart) and the playground."""

from django.urls import URLPattern, path

from agents import web

urlpatterns: list[URLPattern] = [
    path("benchmarks/", web.benchmark_list_page, name="benchmark-list-page"),
    # Before the page's pattern: a label may contain "/", and the chart's address ends the same way.
    path("benchmarks/<path:label>/plot.svg", web.benchmark_plot, name="benchmark-plot"),
    path("benchmarks/<path:label>/", web.benchmark_detail_page, name="benchmark-detail-page"),
    path("playground/", web.playground_page, name="playground-page"),
]
