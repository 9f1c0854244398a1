"""Failures of the API server or of the connection to it, worded as kubectl words them.

The agent reads these lines, so they must look like kubectl's: ``Error from server (NotFound): pods "x"
not found`` carries the server's own Status message, a refused connection names the server as kubectl
does. Nothing here raises to the agent: callers turn :class:`KubeApiError` into stderr text.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Gone",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


CLIENT_TIMEOUT = "net/http: request canceled (Client.Timeout exceeded while awaiting headers)"


class KubeApiError(Exception):
    """A request that did not succeed. ``text`` is kubectl's line for it; ``status`` is 0 without a reply."""

    def __init__(self, text: str, *, status: int = 0, reason: str = "") -> None:
        super().__init__(text)
        self.text = text
        self.status = status
        self.reason = reason

    @property
    def not_found(self) -> bool:
        """True for a 404 (kubectl reports some of these differently, e.g. a missing Metrics API)."""
        return self.status == 404


def from_status(status: int, body: str | bytes | None) -> KubeApiError:
    """The error for an HTTP reply ``status`` with ``body`` (a Status object when the server sent one)."""
    details = _status_object(body)
    reason = str(details.get("reason") or _REASONS.get(status, ""))
    message = str(details.get("message") or "")
    if status == 401:
        return KubeApiError("error: You must be logged in to the server (Unauthorized)", status=status, reason=reason)
    if not message:
        text = f"error: the server responded with the status code {status} but did not return more information"
        return KubeApiError(text, status=status, reason=reason)
    return KubeApiError(f"Error from server ({reason or 'Unknown'}): {message}", status=status, reason=reason)


def from_transport(error: BaseException, server: str) -> KubeApiError:
    """The error for a request that got no HTTP reply from ``server`` (its URL)."""
    address = urlsplit(server).netloc or server
    if isinstance(error, NewConnectionError | ConnectionRefusedError):
        text = f"The connection to the server {address} was refused - did you specify the right host or port?"
        return KubeApiError(text)
    if isinstance(error, Urllib3Timeout | TimeoutError):
        return KubeApiError(f"Unable to connect to the server: {CLIENT_TIMEOUT}")
    if isinstance(error, HTTPError | OSError):
        return KubeApiError(f"Unable to connect to the server: {error}")
    raise error


def deadline_exceeded() -> KubeApiError:
    """The error when the command's own time budget ran out before a request could start."""
    return KubeApiError("Unable to connect to the server: context deadline exceeded")


def _status_object(body: str | bytes | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}
