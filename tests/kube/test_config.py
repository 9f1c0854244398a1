"""Settings of the Kubernetes adapter: built from a plain mapping, validated once, failing closed."""

from __future__ import annotations

from typing import Any

import pytest

from agents.kube.config import KubeConfigError, KubeIdentity, KubeSettings


def _mapping(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "reader": {"kubeconfig": "/etc/aoi/kubeconfig", "context": "aoi-reader"},
        "writer": {"kubeconfig": "/etc/aoi/kubeconfig", "context": "aoi-writer"},
    }
    return base | overrides


def test_settings_from_a_full_mapping():
    settings = KubeSettings.from_mapping(
        _mapping(
            namespaces=["test-hotel-reservation", "astronomy-shop"],
            request_timeout=4,
            default_namespace="test-hotel-reservation",
            prometheus_url="http://prometheus.monitoring:9090/",
            jaeger_url="http://jaeger.{namespace}:16686",
        )
    )

    assert settings.reader == KubeIdentity(kubeconfig="/etc/aoi/kubeconfig", context="aoi-reader")
    assert settings.writer.context == "aoi-writer"
    assert settings.namespaces == ("test-hotel-reservation", "astronomy-shop")
    assert settings.request_timeout == 4.0
    assert settings.default_namespace == "test-hotel-reservation"
    assert settings.prometheus_url == "http://prometheus.monitoring:9090"
    assert settings.jaeger_url == "http://jaeger.{namespace}:16686"


def test_defaults_allow_every_namespace_and_leave_telemetry_unconfigured():
    settings = KubeSettings.from_mapping(_mapping())

    assert settings.namespaces == ()
    assert settings.allows_namespace("anything")
    assert settings.request_timeout == 10.0
    assert settings.default_namespace == "default"
    assert settings.prometheus_url is None
    assert settings.jaeger_url is None


def test_namespace_allow_list():
    settings = KubeSettings.from_mapping(_mapping(namespaces=["astronomy-shop"]))

    assert settings.allows_namespace("astronomy-shop")
    assert not settings.allows_namespace("kube-system")


def test_in_cluster_identities_with_two_projected_tokens():
    settings = KubeSettings.from_mapping(
        {
            "reader": {"in_cluster": True, "token_file": "/var/run/secrets/aoi/reader/token"},
            "writer": {"in_cluster": True, "token_file": "/var/run/secrets/aoi/writer/token"},
        }
    )

    assert settings.reader.in_cluster
    assert settings.writer.token_file == "/var/run/secrets/aoi/writer/token"
    assert "reader/token" in settings.reader.describe()


def test_the_reader_may_not_be_the_writer():
    with pytest.raises(KubeConfigError, match="different identities"):
        KubeSettings.from_mapping(_mapping(writer={"kubeconfig": "/etc/aoi/kubeconfig", "context": "aoi-reader"}))


def test_two_default_in_cluster_identities_are_the_same_identity():
    with pytest.raises(KubeConfigError, match="different identities"):
        KubeSettings.from_mapping({"reader": {"in_cluster": True}, "writer": {"in_cluster": True}})


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"writer": {"context": "w"}}, "reader: a mapping is required"),
        (_mapping(reader={"kubeconfig": "/k"}), "reader: a kubeconfig identity must name its context"),
        (_mapping(reader={"context": "r", "in_cluster": True}), "in_cluster excludes kubeconfig and context"),
        (_mapping(reader={"context": "r", "token_file": "/t"}), "apply to in-cluster identities only"),
        (_mapping(reader={"context": "r", "user": "admin"}), r"reader: unknown keys \['user'\]"),
        (_mapping(reader={"context": ""}), "context must be a non-empty string"),
        (_mapping(reader={"in_cluster": "yes"}), "in_cluster must be true or false"),
        (_mapping(namespace="x"), r"unknown keys \['namespace'\]"),
        (_mapping(namespaces="test-hotel-reservation"), "namespaces must be a list"),
        (_mapping(namespaces=["ok", ""]), "namespaces must be a list"),
        (_mapping(request_timeout=0), "request_timeout must be a positive"),
        (_mapping(request_timeout=True), "request_timeout must be a positive"),
        (_mapping(prometheus_url="prometheus:9090"), "prometheus_url must be an http"),
        (_mapping(jaeger_url="file:///etc/passwd"), "jaeger_url must be an http"),
    ],
)
def test_invalid_settings_are_refused(mapping, message):
    with pytest.raises(KubeConfigError, match=message):
        KubeSettings.from_mapping(mapping)


def test_an_identity_describes_its_source_without_its_secret():
    identity = KubeIdentity(context="aoi-reader")

    assert identity.describe() == "context 'aoi-reader' of the default kubeconfig"
