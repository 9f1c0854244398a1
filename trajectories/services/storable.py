"""Text and JSON as the database will store them: PostgreSQL refuses NUL in text and in jsonb.

A model's output or a tool's result may contain anything; a NUL must not roll back the step that
records it, so it becomes U+FFFD (as the audit log does with its payloads)."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

REPLACEMENT = "\ufffd"


def storable_text(text: str) -> str:
    """``text`` with every NUL replaced."""
    return text.replace("\x00", REPLACEMENT)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def storable_json(value: Any) -> Any:
    """``value`` as plain JSON (UUIDs, times and decimals written as strings, tuples as lists), NUL
    replaced. Raises ``TypeError`` for what JSON cannot represent: a caller's mistake, not data."""
    return _without_nul(json.loads(json.dumps(value, cls=DjangoJSONEncoder)))
