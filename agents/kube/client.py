"""HTTP requests to the API server with exactly one identity, over the official ``kubernetes`` client.

:func:`api_client_for` turns a :class:`KubeIdentity` into an ``ApiClient``; :class:`KubeTransport` sends
the adapter's requests through it. Three properties hold for every request:

- a read-only transport sends GET only: any other method raises before a socket is touched (the
  reader's credentials could not do more anyway; this keeps the reader's request log clean);
- every request has a timeout, the smaller of the per-request timeout and what is left of the command's
  time budget;
- nothing is retried: a write the server may have applied is never sent twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from kubernetes import client as k8s_client
from kubernetes.client.exceptions import ApiException
from kubernetes.config import incluster_config, kube_config
from kubernetes.config.config_exception import ConfigException

from agents.kube.config import KubeConfigError, KubeIdentity
from agents.kube.errors import KubeApiError, deadline_exceeded, from_status, from_transport

Query = Sequence[tuple[str, str]]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"


def api_client_for(identity: KubeIdentity) -> Any:
    """A ``kubernetes.client.ApiClient`` holding ``identity``'s credentials and nothing else."""
    configuration = k8s_client.Configuration()
    try:
        if identity.in_cluster:
            incluster_config.InClusterConfigLoader(
                token_filename=identity.token_file or incluster_config.SERVICE_TOKEN_FILENAME,
                cert_filename=identity.ca_file or incluster_config.SERVICE_CERT_FILENAME,
            ).load_and_set(configuration)
        else:
            kube_config.load_kube_config(
                config_file=identity.kubeconfig,
                context=identity.context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (ConfigException, OSError) as error:
        raise KubeConfigError(f"cannot load {identity.describe()}: {error}") from error
    # urllib3 retries idempotent methods by default, DELETE included: an approved write goes out once.
    configuration.retries = False
    return k8s_client.ApiClient(configuration)


class KubeTransport:
    """Sends requests as one identity. Build one per session; :meth:`within` bounds one command."""

    def __init__(
        self,
        api_client: Any,
        *,
        read_only: bool,
        request_timeout: float,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api_client = api_client
        self.read_only = read_only
        self._request_timeout = request_timeout
        self._deadline = deadline
        self._clock = clock

    @property
    def server(self) -> str:
        """The API server's URL (kubectl names it when it cannot connect)."""
        return str(self._api_client.configuration.host)

    def within(self, seconds: float) -> KubeTransport:
        """The same identity, with every request ending at most ``seconds`` from now."""
        return KubeTransport(
            self._api_client,
            read_only=self.read_only,
            request_timeout=self._request_timeout,
            deadline=self._clock() + seconds,
            clock=self._clock,
        )

    def get_json(self, path: str, query: Query = ()) -> dict[str, Any]:
        """GET ``path`` and decode the JSON object it returns."""
        return _decode(self._send("GET", path, query, accept="application/json"))

    def get_text(self, path: str, query: Query = ()) -> str:
        """GET ``path`` as text (the log subresource)."""
        return self._send("GET", path, query, accept="text/plain").decode("utf-8", errors="replace")

    def patch(self, path: str, body: object, content_type: str) -> dict[str, Any]:
        """PATCH ``path`` with ``body`` of ``content_type`` (one of the three patch media types)."""
        return _decode(self._send("PATCH", path, (), accept="application/json", body=body, content_type=content_type))

    def delete(self, path: str, body: Mapping[str, object]) -> dict[str, Any]:
        """DELETE ``path`` with DeleteOptions ``body``."""
        return _decode(self._send("DELETE", path, (), accept="application/json", body=dict(body)))

    def _send(
        self,
        method: str,
        path: str,
        query: Query,
        *,
        accept: str,
        body: object = None,
        content_type: str = "application/json",
    ) -> bytes:
        if self.read_only and method != "GET":
            raise PermissionError(f"a read-only transport does not send {method}")
        timeout = self._timeout()
        headers = {"Accept": accept, "Content-Type": content_type}
        try:
            response = self._api_client.call_api(
                path,
                method,
                query_params=list(query),
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
            )
            try:
                return cast(bytes, response.data)
            finally:
                response.release_conn()
        except ApiException as error:
            raise from_status(error.status or 0, error.body) from error
        except Exception as error:
            raise from_transport(error, self.server) from error

    def _timeout(self) -> float:
        if self._deadline is None:
            return self._request_timeout
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise deadline_exceeded()
        return min(self._request_timeout, remaining)


def _decode(data: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(data) if data else {}
    except ValueError as error:
        raise KubeApiError(f"error: the server returned a body that is not JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise KubeApiError("error: the server returned JSON that is not an object")
    return parsed
