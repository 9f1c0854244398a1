"""Settings modules: ``base`` (development and embedded defaults) and ``production``."""
