from django.apps import AppConfig


class TestSupportConfig(AppConfig):
    """Installed by the test settings only: lets the test runner flush the append-only audit table."""

    name = "tests.support"
    label = "test_support"
