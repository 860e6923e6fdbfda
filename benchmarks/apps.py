from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """An app only for its management commands (``bench``, ``seed_scale``): no models, no URLs."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
