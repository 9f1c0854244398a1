"""``/trajectories/``: the pages of agent runs (list, one run's replay, two runs side by side)."""

from django.urls import URLPattern, path

from trajectories import web

urlpatterns: list[URLPattern] = [
    path("", web.trajectory_list_page, name="trajectory-list-page"),
    path("diff/", web.trajectory_diff_page, name="trajectory-diff-page"),
    path("<uuid:trajectory_id>/", web.trajectory_detail_page, name="trajectory-detail-page"),
]
