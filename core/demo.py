"""Shared helpers for the demo data (one idempotent command: ``manage.py seed_demo``).

Each app that has demo data provides ``<app>/demo.py`` with ``seed(ctx)``; the
command discovers them (no list to edit) and runs them in INSTALLED_APPS order.
A ``demo.py`` that must run later than its place in INSTALLED_APPS says so with
``DEMO_ORDER = <int>`` (default 500; smaller runs first, ties keep INSTALLED_APPS
order). Synthetic data only: names are common, ID numbers and credit codes are
checksum-valid but fake.
"""

from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

DEMO_PASSWORD = "ecogrid2026"
DEFAULT_DEMO_ORDER = 500


def demo_modules() -> list:
    """Every installed app's ``demo`` module, in run order."""
    found = []
    for index, config in enumerate(apps.get_app_configs()):
        if module_has_submodule(config.module, "demo"):
            module = import_module(f"{config.name}.demo")
            if callable(getattr(module, "seed", None)):
                found.append((getattr(module, "DEMO_ORDER", DEFAULT_DEMO_ORDER), index, module))
    return [m for _o, _i, m in sorted(found, key=lambda t: (t[0], t[1]))]


@dataclass
class DemoContext:
    stdout: object
    logins: list = field(default_factory=list)  # (username, role label, what to try)

    def login(self, username: str, role: str, note: str = "") -> None:
        self.logins.append((username, role, note))

    def say(self, text: str) -> None:
        self.stdout.write(text)
