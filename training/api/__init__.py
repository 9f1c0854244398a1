"""The learning loop's REST API (``/api/v1/learning/``)."""
