"""Shared helpers for the demo data (one idempotent command: ``manage.py seed_demo``).

Each app that has demo data provides ``<app>/demo.py`` with ``seed(ctx)``; the
command runs them in DEMO_APPS order. Synthetic data only: names are common,
ID numbers and credit codes are checksum-valid but fake.
"""

from dataclasses import dataclass, field

DEMO_PASSWORD = "ecogrid2026"
DEMO_APPS = ["grids", "dispatch", "cases", "inspections", "credit", "forms_fill", "volunteers"]


@dataclass
class DemoContext:
    stdout: object
    logins: list = field(default_factory=list)  # (username, role label, what to try)

    def login(self, username: str, role: str, note: str = "") -> None:
        self.logins.append((username, role, note))

    def say(self, text: str) -> None:
        self.stdout.write(text)
