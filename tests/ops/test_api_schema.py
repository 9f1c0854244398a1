"""The OpenAPI document and the API docs page, served without any external (CDN) resource."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.validation import validate_schema


@pytest.mark.django_db
def test_schema_is_a_valid_openapi_document_listing_the_api(client: Client) -> None:
    response = client.get("/api/schema/")

    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    validate_schema(document)  # raises on any departure from the OpenAPI 3 schema
    assert document["openapi"].startswith("3.")
    assert {
        "/api/v1/incidents/",
        "/api/v1/incidents/{uuid}/",
        "/api/v1/incidents/{uuid}/actions/",
        "/api/v1/actions/",
        "/api/v1/actions/{uuid}/approve/",
        "/api/v1/actions/{uuid}/reject/",
        "/api/v1/auth/token/",
    } <= set(document["paths"])


@pytest.mark.django_db
def test_schema_is_served_as_json_on_request(client: Client) -> None:
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "AOI Platform API"


@pytest.mark.django_db
def test_api_docs_render_from_local_static_files_only(client: Client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    external = r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}"
    assert re.findall(external, html, flags=re.IGNORECASE) == []
    assert "<script>" not in html  # no inline script: the page keeps the strict Content-Security-Policy
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        if asset.startswith("/api/docs/"):  # Swagger UI's start-up script, served by the docs view
            script = client.get(asset.replace("&amp;", "&"))
            assert script.status_code == 200
            assert "SwaggerUIBundle" in script.content.decode()
            assert re.findall(external, script.content.decode(), flags=re.IGNORECASE) == []
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")) is not None, asset
