"""``--option KEY=VALUE`` pairs of the commands that build an LLM backend, as a mapping of options."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError


def backend_options(pairs: list[str]) -> dict[str, Any]:
    """Each ``KEY=VALUE``; a value that looks like JSON (number, list, object, true/false) is parsed."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CommandError(f"--option takes KEY=VALUE, got {pair!r}")
        options[key] = json.loads(value) if value[:1] in "[{0123456789" or value in ("true", "false") else value
    return options
