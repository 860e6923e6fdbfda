"""Every performance figure in one table (issue 6; docs/performance.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecogrid_bench manage.py bench          # 1 M vs 10 k
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecogrid_bench_ci manage.py bench --small  # CI: 10 k vs 1 k

Two databases on the PostgreSQL server of DATABASE_URL: the *large* one (its own
name, ``--cases``, default 1,000,000) and the *baseline* one (``<name>_baseline``,
``--baseline-cases``, default 10,000), with the same regions and users. Both are
created, migrated and seeded (``manage.py seed_scale``) when missing or seeded
with other sizes; a database holding data that seed_scale did not write is never
touched. Every timing is paired with a baseline measured in the same run and
judged as a ratio, so the verdicts survive a noisy machine:

- page figures: one probe process per database (benchmarks.probe), alternating
  rounds, median server time through django.test.Client with DEBUG off, and the
  query count of one request;
- the scoping figure: the street officer's scoped count through grids.scoping vs
  the same count as hand-written SQL;
- submissions: gunicorn (2 sync workers, benchmarks.wsgi) under bounded load
  from a second process (benchmarks.load) — the real report form vs a bare view
  that inserts one row.

Exit status: 1 when a figure errors (the harness is broken), and with --strict
also when a goal is missed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from benchmarks import probing, report
from benchmarks.report import Row
from benchmarks.seed import SeedConfig

from benchmarks.management.commands.seed_scale import SMALL

MANAGE = Path(settings.BASE_DIR) / "manage.py"


@dataclasses.dataclass
class Plan:
    large: SeedConfig
    baseline: SeedConfig
    iterations: int
    rounds: int
    warmup: int
    load_requests: int
    load_seconds: float
    concurrency: int


class ProbeProcess(probing.ProbeProcess):
    """A benchmarks.probe subprocess bound to one database; its death ends the command."""

    died = CommandError


class Command(BaseCommand):
    help = "Print every performance figure in one table (seeds the benchmark databases first when needed)."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="the CI configuration: 1 district, 10,000 vs 1,000 cases, short runs")
        parser.add_argument("--cases", type=int, help="cases in the large database (default 1,000,000; --small 10,000)")
        parser.add_argument("--baseline-cases", type=int, help="cases in the baseline database (default 10,000; --small 1,000)")
        parser.add_argument("--inspections", type=int, help="inspections in the large database (default 100,000; --small 1,000)")
        parser.add_argument("--baseline-database", help="name of the baseline database (default <name>_baseline)")
        parser.add_argument("--iterations", type=int, help="timed requests per page figure and database (default 60; --small 15)")
        parser.add_argument("--load-requests", type=int, help="submissions per load run (default 2,000; --small 300)")
        parser.add_argument("--load-seconds", type=float, help="time limit of a load run (default 30; --small 10)")
        parser.add_argument("--concurrency", type=int, default=4, help="connections of the load generator (default 4)")
        parser.add_argument("--reseed", action="store_true", help="empty and reseed both databases")
        parser.add_argument("--seed-only", action="store_true", help="create and seed both databases, measure nothing")
        parser.add_argument(
            "--only", help="measure only these capabilities' figures (comma-separated app labels, e.g. credit,dashboard); "
                           "the built-in page, scope and submission figures are skipped",
        )
        parser.add_argument("--json", help="also write the figures to this JSON file")
        parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")

    # -- plan ---------------------------------------------------------------------------------------
    def plan(self, o) -> Plan:
        small = o["small"]
        base = SMALL if small else SeedConfig()
        large = dataclasses.replace(
            base,
            cases=o["cases"] if o["cases"] is not None else base.cases,
            inspections=o["inspections"] if o["inspections"] is not None else base.inspections,
        )
        baseline_cases = o["baseline_cases"] if o["baseline_cases"] is not None else (1_000 if small else 10_000)
        if not 0 < baseline_cases < large.cases:
            raise CommandError("--baseline-cases must be positive and smaller than --cases")
        share = baseline_cases / large.cases
        # Same regions and users; the cases all in the dispatcher's street, so that every list
        # the figures load holds several full pages at 10 k as at 1 M (spread over 40 streets,
        # 10 k cases would leave the street's queue shorter than one page).
        baseline = dataclasses.replace(
            large, cases=baseline_cases, inspections=round(large.inspections * share),
            people=round(large.people * share), enterprises=round(large.enterprises * share), focus=1.0,
        )
        return Plan(
            large=large, baseline=baseline,
            iterations=o["iterations"] or (15 if small else 60), rounds=3, warmup=3 if small else 5,
            load_requests=o["load_requests"] or (300 if small else 2000), load_seconds=o["load_seconds"] or (10.0 if small else 30.0),
            concurrency=o["concurrency"],
        )

    # -- databases ----------------------------------------------------------------------------------
    def database_url(self, name: str) -> str:
        url = os.environ.get("DATABASE_URL", "")
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/" + name))

    def ensure_database(self, name: str) -> None:
        with connection._nodb_cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                self.stdout.write(f"Creating database {name}")
                cur.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")

    def child_env(self, name: str, **extra) -> dict:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url(name),
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
            "DJANGO_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(extra)
        return env

    def seed(self, name: str, cfg: SeedConfig, *, reseed: bool) -> None:
        args = [sys.executable, str(MANAGE), "seed_scale", "--reset" if reseed else "--reseed"]
        for f in dataclasses.fields(SeedConfig):
            args += [f"--{f.name}", str(getattr(cfg, f.name))]
        self.stdout.write(f"== seed {name}: {cfg.cases:,} cases")
        self.stdout.flush()
        done = subprocess.run(args, cwd=settings.BASE_DIR, env=self.child_env(name), stdout=sys.stdout, stderr=sys.stderr)
        if done.returncode:
            raise CommandError(f"seeding {name} failed (exit {done.returncode})")

    # -- main ---------------------------------------------------------------------------------------
    def handle(self, *args, **o):
        if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
            raise CommandError(
                "bench needs PostgreSQL: set DATABASE_URL, e.g. "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecogrid_bench (the database is created if missing)"
            )
        plan = self.plan(o)
        large_db = connection.settings_dict["NAME"]
        baseline_db = o["baseline_database"] or f"{large_db}_baseline"
        started = time.perf_counter()
        for name, cfg in ((large_db, plan.large), (baseline_db, plan.baseline)):
            self.ensure_database(name)
            self.seed(name, cfg, reseed=o["reseed"])
        connection.close()
        if o["seed_only"]:
            self.stdout.write(f"== seeded {large_db} and {baseline_db} in {time.perf_counter() - started:.0f} s")
            return

        rows: list[Row] = []
        env_large, env_base = self.child_env(large_db), self.child_env(baseline_db)
        only = [label.strip() for label in (o["only"] or "").split(",") if label.strip()]
        if not only:
            rows += self.builtin_rows(plan, env_large, env_base)
        # Each capability's own figures (<app>/bench.py).
        from benchmarks import capabilities

        try:
            rows += capabilities.collect(capabilities.Context(
                small=o["small"], plan=plan, database_url=self.database_url(large_db),
                baseline_database_url=self.database_url(baseline_db), env_large=env_large,
                env_baseline=env_base, stdout=self.stdout,
            ), only=only)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.print_table(o, rows, plan, large_db, baseline_db, started)

    def builtin_rows(self, plan, env_large, env_base) -> list[Row]:
        rows: list[Row] = []
        lbl, bbl = f"({plan.large.cases:,})", f"({plan.baseline.cases:,})"
        self.stdout.write("== measuring pages (in-process, DEBUG off)")
        self.stdout.flush()
        probes = {"large": ProbeProcess(env_large, "large"), "baseline": ProbeProcess(env_base, "baseline")}
        try:
            prepared = {k: p.call("prepare") for k, p in probes.items()}
            for k, prep in prepared.items():
                if "error" in prep and "traceback" in prep:
                    raise CommandError(f"the {k} probe could not start: {prep['error']}\n{prep['traceback']}")
            rows += self.page_rows(plan, probes, prepared, lbl, bbl)
            rows += self.scope_rows(plan, probes, lbl, bbl)
            rows += self.inspection_rows(plan, probes, prepared, lbl, bbl)
        finally:
            for p in probes.values():
                try:
                    p.call("cleanup")
                except (CommandError, OSError, ValueError):
                    pass
                p.close()
        self.stdout.write("== measuring submissions (gunicorn, 2 sync workers)")
        self.stdout.flush()
        rows += self.submission_rows(plan, env_large)
        return rows

    def print_table(self, o, rows, plan, large_db, baseline_db, started) -> None:
        info = report.machine()
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            pg = cur.fetchone()[0]
        header = [
            "",
            "EcoGrid benchmark — every timing is judged against a baseline measured in the same run",
            f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gb']} GB RAM, PostgreSQL {pg}, Python {info['python']}",
            f"large: {large_db} ({plan.large.cases:,} cases, {plan.large.grid_count:,} grids, {plan.large.inspections:,} inspections); "
            f"baseline: {baseline_db} ({plan.baseline.cases:,} cases, same regions and users, all cases in the dispatcher's street)",
            f"settings: {os.environ.get('DJANGO_SETTINGS_MODULE', 'config.settings.local')}, DEBUG off, "
            f"Celery {'via ' + urlsplit(settings.CELERY_BROKER_URL).scheme if settings.CELERY_BROKER_URL else 'eager (no broker)'}; "
            f"{plan.iterations} timed requests per page and database, {time.perf_counter() - started:.0f} s in all",
        ]
        self.stdout.write(report.render(rows, header))
        if o["json"]:
            Path(o["json"]).write_text(json.dumps({
                "machine": {**info, "postgresql": pg}, "large": dataclasses.asdict(plan.large),
                "baseline": dataclasses.asdict(plan.baseline), "rows": [r.as_dict() for r in rows],
            }, ensure_ascii=False, indent=1), encoding="utf-8")
        errors = [r for r in rows if r.verdict == report.ERROR]
        missed = [r for r in rows if r.verdict == report.MISSED]
        if errors:
            raise CommandError(f"{len(errors)} figure(s) could not be measured: " + "; ".join(r.figure for r in errors))
        if missed and o["strict"]:
            raise CommandError(f"{len(missed)} goal(s) missed: " + "; ".join(r.figure for r in missed))

    # -- page figures -------------------------------------------------------------------------------
    def timed_pair(self, plan: Plan, probes, key: str) -> dict:
        """Alternate rounds between the two databases; median of all timed requests."""
        per_round = max(1, plan.iterations // plan.rounds)
        result = {"large": {"times": []}, "baseline": {"times": []}}
        for r in range(plan.rounds):
            for which in ("baseline", "large"):
                got = probes[which].call("time", key=key, n=per_round, warmup=plan.warmup if r == 0 else 0)
                if "error" in got:
                    raise RuntimeError(f"{which}: {got['error']}")
                result[which]["times"] += got["times"]
                result[which]["queries"] = got["queries"]
                result[which]["sql"] = got["sql"]
        return result

    def page_rows(self, plan, probes, prepared, lbl, bbl) -> list[Row]:
        from benchmarks.targets import PAGES

        rows = []
        pages = [(spec.key, spec.label) for spec in PAGES] + [("detail", "case detail (cases:detail)")]
        for key, label in pages:
            large, base = prepared["large"].get(key, {}), prepared["baseline"].get(key, {})
            if "unavailable" in large or "unavailable" in base:
                rows.append(report.unavailable(label, large.get("unavailable") or base.get("unavailable")))
                continue
            if "error" in large or "error" in base:
                rows.append(report.error(label, large.get("error") or base.get("error")))
                continue
            depths = [("detail", "")] if key == "detail" else [(f"{key}_first", "first page"), (f"{key}_deep", "deep page")]
            for probe_key, depth in depths:
                name = f"{label}{', ' + depth if depth else ''}"
                try:
                    got = self.timed_pair(plan, probes, probe_key)
                except RuntimeError as exc:
                    rows.append(report.error(name, str(exc)))
                    continue
                if key == "detail":
                    note = f"case {large['number']} ({large['events']} events) vs {base['number']} ({base['events']} events)"
                else:
                    note = f"{large['rows']:,} rows in the list {lbl} vs {base['rows']:,} {bbl}"
                    if depth == "deep":
                        note += "; the page starting in the middle of the list"
                rows += self.pair_rows(name, got, lbl, bbl, note)
        return rows

    def scope_rows(self, plan, probes, lbl, bbl) -> list[Row]:
        """The scoping filter on the large database vs hand-written SQL; the grants lookup vs the baseline database."""
        label = "scoping: a street officer's case count via grids.scoping"
        label_grants = "scoping: reading the user's grants (once per request)"
        n = max(1, plan.iterations // plan.rounds)
        times = {"orm": [], "sql": [], "grants": [], "grants_base": []}
        counts = {}
        for _ in range(plan.rounds):
            got = probes["large"].call("scope", mode="pair", n=n)
            if "error" in got:
                return [report.error(label, got["error"])]
            times["orm"] += got["times"]
            times["sql"] += got["sql_times"]
            counts["orm"], counts["sql"] = got["rows"], got["sql_rows"]
            for key, probe in (("grants_base", "baseline"), ("grants", "large")):
                got = probes[probe].call("scope", mode="grants", n=n)
                if "error" in got:
                    return [report.error(label_grants, got["error"])]
                times[key] += got["times"]
        if counts["orm"] != counts["sql"]:
            return [report.error(label, f"grids.scoping counted {counts['orm']} but SQL {counts['sql']}")]
        return [
            report.timing_row(
                label, report.median(times["orm"]), report.median(times["sql"]), limit=1.5, value_label=lbl,
                baseline_label="hand-written SQL",
                note=f"{counts['orm']:,} cases under the street's path: one index range scan (grants already read)",
            ),
            report.timing_row(
                label_grants, report.median(times["grants"]), report.median(times["grants_base"]), limit=1.5,
                value_label=lbl, baseline_label=bbl,
                note="one UNION query over the user's grant rows; independent of the number of cases and regions",
            ),
        ]

    # -- submissions --------------------------------------------------------------------------------
    def submission_rows(self, plan: Plan, env: dict) -> list[Row]:
        from benchmarks import submit

        label = "case submission through the report form (cases:report)"
        try:
            return submit.measure(self, plan, env, label)
        except submit.NotAvailable as exc:
            return [report.unavailable(label, str(exc))]

    def inspection_rows(self, plan, probes, prepared, lbl, bbl) -> list[Row]:
        """The grid worker opens a draft's checklist form, and submits a checklist (every item passed)."""
        large, base = prepared["large"].get("inspection", {}), prepared["baseline"].get("inspection", {})
        label_open = "inspection open (inspections:inspection, the checklist form)"
        label_submit = "inspection submit (inspections:submit, all items answered)"
        if "unavailable" in large or "unavailable" in base:
            why = large.get("unavailable") or base.get("unavailable")
            return [report.unavailable(label_open, why), report.unavailable(label_submit, why)]
        if "error" in large or "error" in base:
            why = large.get("error") or base.get("error")
            return [report.error(label_open, why), report.error(label_submit, why)]
        note = (f"{large['items']} items in the scene; {large['inspections']:,} submitted inspections {lbl} "
                f"vs {base['inspections']:,} {bbl}")
        rows = []
        try:
            got = self.timed_pair(plan, probes, "inspection_open")
        except RuntimeError as exc:
            rows.append(report.error(label_open, str(exc)))
        else:
            rows += self.pair_rows(label_open, got, lbl, bbl, note)
        got = {"large": {"times": []}, "baseline": {"times": []}}
        per_round = max(1, plan.iterations // plan.rounds // 2)  # each submit writes a whole inspection
        for r in range(plan.rounds):
            for which in ("baseline", "large"):
                res = probes[which].call("submit_inspections", n=per_round, warmup=2 if r == 0 else 0)
                if "error" in res:
                    return rows + [report.error(label_submit, f"{which}: {res['error']}")]
                got[which]["times"] += res["times"]
                got[which]["queries"], got[which]["sql"] = res["queries"], res["sql"]
        rows += self.pair_rows(label_submit, got, lbl, bbl, note + "; no failed item, so no case is raised")
        return rows

    def pair_rows(self, name, got, lbl, bbl, note) -> list[Row]:
        rows = [report.timing_row(
            f"{name}: server time", report.median(got["large"]["times"]), report.median(got["baseline"]["times"]),
            limit=1.5, value_label=lbl, baseline_label=bbl, note=note,
        )]
        q = report.same_row(f"{name}: queries", got["large"]["queries"], got["baseline"]["queries"], value_label=lbl, baseline_label=bbl)
        if q.verdict != report.OK:
            q.note = "queries differ: " + " || ".join(got["large"]["sql"])[:600]
        rows.append(q)
        return rows
