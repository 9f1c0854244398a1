"""The pages keep to the Content-Security-Policy (``script-src 'self'; style-src 'self'``): no inline
script or style element, no style attribute, no inline event handler; the stylesheet is a file."""

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.staticfiles import finders

from tests.conftest import SignedIn
from tests.trajectories.conftest import append_steps, start_problem_run
from trajectories.models import Trajectory


class InlineCodeFinder(HTMLParser):
    """Collects every inline script or style, style attribute and ``on*`` handler of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "style" or (tag == "script" and not named.get("src")):
            self.found.append(f"<{tag}>")
        self.found.extend(f"{tag}[{name}]" for name, _ in attrs if name == "style" or name.startswith("on"))
        if tag == "link" and named.get("rel") == "stylesheet":
            self.stylesheets.append(named.get("href") or "")


@pytest.fixture
def pages(reader: Any, problem_run: Trajectory) -> list[str]:
    other = start_problem_run()
    append_steps(other, 4)
    return [
        "/trajectories/",
        "/trajectories/?fault=nope",
        f"/trajectories/{problem_run.pk}/",
        f"/trajectories/diff/?a={problem_run.pk}&b={other.pk}",
        f"/trajectories/diff/?a={problem_run.pk}&b=nope",
    ]


def test_pages_carry_no_inline_script_or_style(signed_in: SignedIn, reader: Any, pages: list[str]) -> None:
    client = signed_in(reader)
    for path in pages:
        parser = InlineCodeFinder()

        parser.feed(client.get(path).content.decode())

        assert parser.found == [], path
        assert "/static/trajectories/trajectories.css" in parser.stylesheets, path


def test_the_stylesheet_is_served_as_a_static_file() -> None:
    assert finders.find("trajectories/trajectories.css") is not None
