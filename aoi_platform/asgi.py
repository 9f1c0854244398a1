"""ASGI entry point: HTTP through Django, WebSocket through Channels (session-authenticated,
origin-validated).

Outside production the app serves its own static files (the dashboard's assets, the API docs'
Swagger UI), so ``make run`` needs no web server in front. In production a reverse proxy serves
``STATIC_ROOT`` (filled by ``collectstatic``); ``AOI_SERVE_STATIC`` decides."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aoi_platform.settings.base")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from aoi_platform.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ASGIStaticFilesHandler(django_asgi_app) if settings.AOI_SERVE_STATIC else django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
