"""Figures each capability adds to ``manage.py bench``, one module per capability.

A capability ships ``<app>/bench.py`` (its own figures live with its own code, so the
benchmarks package never imports an app above it) with::

    TITLE = "one-click fill (一表填)"

    def figures(ctx: Context) -> list[Row]:
        ...   # every timing paired with a baseline measured in this same run

The bench command imports every installed app's ``bench`` module (INSTALLED_APPS order),
calls ``figures(ctx) after the built-in figures and adds the rows to its one
table. An exception becomes an ERROR row naming the module (the harness rotted);
a figure that cannot be measured here returns ``report.unavailable(...)``.
"""

from __future__ import annotations

import dataclasses
import importlib
import traceback
from types import ModuleType

from benchmarks import report
from benchmarks.report import Row


@dataclasses.dataclass
class Context:
    small: bool  # the CI configuration (--small): keep it to seconds
    plan: object  # the bench command's Plan: .large / .baseline SeedConfig, iterations …
    database_url: str  # the large, seeded database (PostgreSQL)
    baseline_database_url: str  # the baseline database, same regions and users
    env_large: dict  # environment for a subprocess bound to the large database
    env_baseline: dict  # … and to the baseline database
    stdout: object  # the command's output, for progress lines

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def modules() -> list[ModuleType]:
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    found = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "bench"):
            found.append(importlib.import_module(f"{config.name}.bench"))
    return found


def collect(ctx: Context, only: list[str] | tuple[str, ...] = ()) -> list[Row]:
    """Every capability's figures, or only those of the app labels in `only` (LookupError
    naming the labels that have no figures)."""
    found = modules()
    if only:
        by_label = {m.__name__.rsplit(".", 1)[0]: m for m in found}
        unknown = [label for label in only if label not in by_label]
        if unknown:
            raise LookupError(f"no figures for {', '.join(unknown)} (apps with figures: {', '.join(by_label)})")
        found = [by_label[label] for label in only]
    rows: list[Row] = []
    for module in found:
        title = getattr(module, "TITLE", module.__name__.rsplit(".", 1)[-1])
        ctx.say(f"== measuring {title}")
        try:
            rows += module.figures(ctx)
        except Exception as exc:  # a broken figure is reported, the others still run
            rows.append(report.error(title, f"{type(exc).__name__}: {exc}"))
            ctx.say(traceback.format_exc())
    return rows
