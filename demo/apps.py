from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Only the `seed_demo` command: no models, no URLs, nothing at start-up."""

    name = "demo"
    verbose_name = "Demo data"
