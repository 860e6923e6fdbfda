"""The scale seeder: a registry of seed steps, one or more per app.

A step names the models it fills (``"app_label.Model"``). When one of them is
not installed yet (a capability that has not landed), the step is reported as
"skipped: model not present" and the run goes on. A capability can add or
replace steps without touching this package by shipping ``<app>/scale.py``
that calls :func:`register` (it is imported automatically)::

    from benchmarks.seed import register

    @register("people", models=("forms_fill.Person",), after="enterprises")
    def seed_people(ctx):
        ...                      # bulk-write ctx.config.people rows with BulkWriter
        return rows_written

Steps share what they created through ``ctx.data`` (region ids per level, staff
per region, departments, categories …, see the built-in steps).
"""

from __future__ import annotations

import importlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection

from .writer import BulkWriter, SeedError, next_id, reset_sequence, write_rows  # noqa: F401  (public API)

MANIFEST_PREFIX = "ecogrid seed_scale "


@dataclass(frozen=True)
class SeedConfig:
    districts: int = 5
    streets: int = 8  # per district
    villages: int = 15  # per street
    grids: int = 10  # per village
    cases: int = 1_000_000
    months: int = 24
    inspections: int = 100_000
    people: int = 200_000
    enterprises: int = 50_000
    seed: int = 20261127  # random seed: the same configuration gives the same data
    # Share of the cases placed in the first street of the first district (where the
    # benchmark's dispatcher works); 0 spreads them over the streets by their weights.
    focus: float = 0.0

    @property
    def grid_count(self) -> int:
        return self.districts * self.streets * self.villages * self.grids

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class SeedContext:
    config: SeedConfig
    out: Callable[[str], None] = print
    data: dict = field(default_factory=dict)
    rng: random.Random = None

    def __post_init__(self):
        if self.rng is None:
            self.rng = random.Random(self.config.seed)


@dataclass
class SeedStep:
    name: str
    models: tuple[str, ...]
    run: Callable[[SeedContext], int] | None
    app_label: str = ""

    def missing_models(self) -> list[str]:
        missing = []
        for label in self.models:
            try:
                apps.get_model(label)
            except LookupError:
                missing.append(label)
        return missing

    def model_classes(self):
        return [apps.get_model(label) for label in self.models]


@dataclass
class StepResult:
    name: str
    status: str  # "done" | "skipped"
    rows: int = 0
    seconds: float = 0.0
    note: str = ""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


_STEPS: list[SeedStep] = []


def register(name: str, *, models: tuple[str, ...], after: str | None = None):
    """Register (or replace, by name) a seed step; returns the decorator."""

    def decorator(func):
        step = SeedStep(name=name, models=tuple(models), run=func, app_label=models[0].split(".")[0] if models else "")
        existing = [i for i, s in enumerate(_STEPS) if s.name == name]
        if existing:
            _STEPS[existing[0]] = step
        elif after is not None and any(s.name == after for s in _STEPS):
            idx = next(i for i, s in enumerate(_STEPS) if s.name == after)
            _STEPS.insert(idx + 1, step)
        else:
            _STEPS.append(step)
        return func

    return decorator


def placeholder(name: str, *, models: tuple[str, ...]) -> None:
    """A step a later capability will provide (people, enterprises …)."""
    if not any(s.name == name for s in _STEPS):
        _STEPS.append(SeedStep(name=name, models=tuple(models), run=None, app_label=models[0].split(".")[0]))


_discovered = False


def all_steps() -> list[SeedStep]:
    """The steps in run order: the built-in ones, then any ``<app>/scale.py``."""
    global _discovered
    if not _discovered:
        importlib.import_module("benchmarks.seed.steps")
        for app in apps.get_app_configs():
            try:
                importlib.import_module(f"{app.name}.scale")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.scale":
                    raise
        _discovered = True
    return list(_STEPS)


def runnable_steps() -> list[str]:
    """Names of the steps that would write rows now (their models exist and they have code)."""
    return [s.name for s in all_steps() if s.run is not None and not s.missing_models()]


def manifest_matches(manifest: dict | None, config: SeedConfig) -> bool:
    """Seeded with this configuration by the steps available now (a newly landed step means reseed)."""
    if not manifest:
        return False
    # An option added since the database was seeded counts as its default value.
    stored = {**SeedConfig().as_dict(), **manifest.get("config", {})}
    return stored == config.as_dict() and manifest.get("steps_done") == runnable_steps()


def seeded_models() -> list:
    """Every installed model a step fills (what --reset empties)."""
    result = []
    for step in all_steps():
        if not step.missing_models():
            result.extend(m for m in step.model_classes() if m not in result)
    return result


# --- the manifest: what this database was seeded with ------------------------------------------
# Kept as the PostgreSQL database comment, so no table of ours ends up in the schema.

def read_manifest() -> dict | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")
        row = cur.fetchone()
    text = row[0] if row else None
    if not text or not text.startswith(MANIFEST_PREFIX):
        return None
    try:
        return json.loads(text[len(MANIFEST_PREFIX):])
    except ValueError:
        return None


def write_manifest(manifest: dict | None) -> bool:
    """Store the manifest; False when the role may not comment on the database (then every
    run reseeds, and a database with data needs --reset)."""
    from django.db import DatabaseError, transaction

    if connection.vendor != "postgresql":
        return False
    name = connection.ops.quote_name(settings.DATABASES["default"]["NAME"])
    try:
        with transaction.atomic(), connection.cursor() as cur:
            if manifest is None:
                cur.execute(f"COMMENT ON DATABASE {name} IS NULL")
            else:
                text = MANIFEST_PREFIX + json.dumps(manifest, ensure_ascii=False, sort_keys=True)
                cur.execute(f"COMMENT ON DATABASE {name} IS %s", [text])
    except DatabaseError:
        return False
    return True


def run(ctx: SeedContext) -> list[StepResult]:
    """Run every step in order; each step writes in its own transaction."""
    from django.db import transaction

    results = []
    for step in all_steps():
        missing = step.missing_models()
        if missing:
            results.append(StepResult(step.name, "skipped", note=f"skipped: model not present ({', '.join(missing)})"))
            ctx.out(f"  {step.name:<14} skipped: model not present ({', '.join(missing)})")
            continue
        if step.run is None:
            note = f"skipped: no seed step yet (add {step.app_label}/scale.py)"
            results.append(StepResult(step.name, "skipped", note=note))
            ctx.out(f"  {step.name:<14} {note}")
            continue
        started = time.perf_counter()
        with transaction.atomic():
            rows = step.run(ctx) or 0
        seconds = time.perf_counter() - started
        result = StepResult(step.name, "done", rows=rows, seconds=seconds)
        results.append(result)
        ctx.out(f"  {step.name:<14} {rows:>12,} rows  {seconds:8.1f} s  {result.rate:>10,.0f} rows/s")
    return results
