"""WebSocket routes (Channels)."""

from django.urls import URLPattern, URLResolver, path

from incidents.consumers import IncidentListConsumer, IncidentStreamConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/incidents/", IncidentListConsumer.as_asgi()),
    path("ws/incidents/<uuid:uuid>/", IncidentStreamConsumer.as_asgi()),
]
