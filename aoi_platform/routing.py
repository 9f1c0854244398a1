"""WebSocket routes (Channels). The incident live stream is added by the agents-on-platform work."""

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
