from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token

from aoi_platform.metrics import metrics_view
from incidents import web

api_v1: list[URLPattern | URLResolver] = [
    path("", include("incidents.api.urls")),
    path("alerts/", include("incidents.alerts.urls")),
    path("audit/", include("trajectories.audit.urls")),
    path("trajectories/", include("trajectories.api.urls")),
    path("learning/", include("training.api.urls")),
    path("auth/token/", obtain_auth_token, name="api-token"),
]

urlpatterns = [
    path("", web.home, name="home"),
    path("incidents/<uuid:uuid>/", web.incident_detail, name="incident-page"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", include("trajectories.audit.web_urls")),
    path("trajectories/", include("trajectories.web_urls")),
    path("agents/", include("agents.web_urls")),
    path("learning/", include("training.web_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("metrics", metrics_view, name="metrics"),
]
