"""``manage.py llm_serve``: an OpenAI-compatible server in front of any configured LLM backend.

    manage.py llm_serve --backend llamacpp --port 8001
    manage.py llm_serve --backend replay --option path=run.jsonl --port 0

A thin shell over :mod:`agents.llm.server` (the same options as ``python -m agents.llm.server``).
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents.llm.base import LLMError
from agents.llm.server import add_arguments, serve, server_from_arguments


class Command(BaseCommand):
    """Builds the backend the options name and serves it until interrupted."""

    help = "Serve an LLM backend over the OpenAI chat-completions protocol (POST /v1/chat/completions)."
    # Serving a model needs neither the database nor the project's checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server = server_from_arguments(argparse.Namespace(**options))
        except (LLMError, OSError) as error:
            raise CommandError(str(error)) from error

        def announce(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        serve(server, announce)
