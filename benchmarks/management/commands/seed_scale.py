"""Fill the database with district-to-province scale data for the benchmarks (issue 6).

    manage.py seed_scale                        # 5 x 8 x 15 x 10 regions, 1,000,000 cases, ...
    manage.py seed_scale --small                # 1 x 4 x 5 x 4 regions, 10,000 cases, ...
    manage.py seed_scale --cases 200000 --reset

Bulk writes only (COPY on PostgreSQL, multi-row INSERTs elsewhere); the steps live
in benchmarks/seed (one registry, steps per app). Running it again with the same
configuration does nothing; a different configuration needs --reset, which empties
the seeded tables (and the tables that point at them) first. What the database
was seeded with is kept as its PostgreSQL comment (the "manifest").
"""

from __future__ import annotations

import dataclasses
import time

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from benchmarks import seed

SMALL = seed.SeedConfig(districts=1, streets=4, villages=5, grids=4, cases=10_000, inspections=1_000, people=2_000, enterprises=500)
SIZE_OPTIONS = [f.name for f in dataclasses.fields(seed.SeedConfig)]


def related_closure(models: list) -> list:
    """`models` plus every model that (transitively) has a foreign key to one of them."""
    result = list(models)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in result:
                continue
            if any(f.is_relation and f.many_to_one and f.related_model in result for f in model._meta.concrete_fields):
                result.append(model)
                changed = True
    return result


def empty_tables(models: list) -> list[str]:
    existing = set(connection.introspection.table_names())
    tables = [m._meta.db_table for m in related_closure(models) if m._meta.db_table in existing]
    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Inside an outer transaction (tests), deferred FK checks of earlier inserts
            # must fire before TRUNCATE is allowed.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"TRUNCATE {', '.join(q(t) for t in tables)} RESTART IDENTITY CASCADE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        else:  # foreign keys are checked at commit, so the order does not matter
            for table in tables:
                cur.execute(f"DELETE FROM {q(table)}")
    return tables


def has_data() -> bool:
    from cases.models import Case
    from grids.models import Region

    return Region.objects.exists() or Case.objects.exists()


class Command(BaseCommand):
    help = "Fill the database with scale data for the benchmarks (regions, staff, cases with events, inspections ...)."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="the reduced configuration (1 district, 10,000 cases)")
        for name in SIZE_OPTIONS:
            kind = float if name == "focus" else int
            parser.add_argument(f"--{name}", type=kind, default=None, help=f"default {getattr(seed.SeedConfig(), name):,}")
        parser.add_argument("--reset", action="store_true", help="empty the seeded tables first")
        parser.add_argument(
            "--reseed", action="store_true",
            help="reset only if the database was seeded by seed_scale with another configuration (what `bench` uses)",
        )

    def config_from(self, options) -> seed.SeedConfig:
        base = SMALL if options["small"] else seed.SeedConfig()
        sizes = {name: options[name] for name in SIZE_OPTIONS if options.get(name) is not None}
        cfg = dataclasses.replace(base, **sizes)
        for name in ("districts", "streets", "villages", "grids"):
            if not 1 <= getattr(cfg, name) <= 999:
                raise CommandError(f"--{name} must be between 1 and 999 (codes have three digits per level)")
        if cfg.districts > 9:
            raise CommandError("--districts: at most 9 (district codes are generated in one prefecture's range)")
        for name in ("cases", "inspections", "people", "enterprises"):
            if getattr(cfg, name) < 0:
                raise CommandError(f"--{name} cannot be negative")
        if not 0 <= cfg.focus <= 1:
            raise CommandError("--focus is a share between 0 and 1")
        return cfg

    def handle(self, *args, **options):
        cfg = self.config_from(options)
        out = self.stdout.write
        db = connection.settings_dict["NAME"]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            out(f"Migrating {db} ...")
            call_command("migrate", database=DEFAULT_DB_ALIAS, verbosity=0, interactive=False)
        manifest = seed.read_manifest()
        if options["reseed"] and manifest and not seed.manifest_matches(manifest, cfg):
            options["reset"] = True
        if not options["reset"]:
            if seed.manifest_matches(manifest, cfg):
                out(self.style.SUCCESS(f"{db} is already seeded with this configuration (at {manifest.get('seeded_at')}); nothing to do."))
                return
            if manifest:
                raise CommandError(
                    f"{db} was seeded with a different configuration or other steps ({manifest.get('config')}, "
                    f"steps {manifest.get('steps_done')}); pass --reset to reseed it."
                )
            if has_data():
                raise CommandError(f"{db} already holds regions or cases not written by seed_scale; pass --reset to empty the seeded tables first.")
        started = time.perf_counter()
        if options["reset"]:
            t0 = time.perf_counter()
            tables = empty_tables(seed.seeded_models())
            seed.write_manifest(None)
            out(f"  {'reset':<14} emptied {len(tables)} tables in {time.perf_counter() - t0:.1f} s")
        out(
            f"Seeding {db} ({connection.vendor}): {cfg.districts} districts x {cfg.streets} streets x {cfg.villages} villages "
            f"x {cfg.grids} grids, {cfg.cases:,} cases over {cfg.months} months, {cfg.inspections:,} inspections, "
            f"{cfg.people:,} people, {cfg.enterprises:,} enterprises"
        )
        ctx = seed.SeedContext(config=cfg, out=out)
        results = seed.run(ctx)
        from core import refdata

        refdata.bump_all()  # COPY wrote regions, rules and departments behind the signals' back
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            t0 = time.perf_counter()
            tables = sorted({m._meta.db_table for m in seed.seeded_models()})
            with connection.cursor() as cur:
                for table in tables:
                    cur.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
            out(f"  {'vacuum analyze':<14} {len(tables)} tables in {time.perf_counter() - t0:.1f} s")
        total = time.perf_counter() - started
        rows = sum(r.rows for r in results)
        stored = seed.write_manifest({
            "config": cfg.as_dict(),
            "steps_done": [r.name for r in results if r.status == "done"],
            "seeded_at": timezone.now().isoformat(timespec="seconds"),
            "seconds": round(total, 1),
            "steps": {r.name: {"status": r.status, "rows": r.rows, "seconds": round(r.seconds, 2), "note": r.note} for r in results},
            "case_states": ctx.data.get("case_states", {}),
        })
        if connection.vendor == "postgresql" and not stored:
            out(self.style.WARNING("Could not store what was seeded (COMMENT ON DATABASE needs the database's owner): reruns will reseed."))
        out(self.style.SUCCESS(f"Seeded {rows:,} rows in {total:.1f} s ({rows / total if total else 0:,.0f} rows/s)."))
