"""Credit scoring figures (credit app), on the large seeded database:

- **full rescoring, every rating written** (ratings emptied first: the worst night, e.g. after
  a policy change) — goal ≤ 15 s for 50,000 enterprises with 500,000 answers and 100,000 case
  links on 2 cores; the same-run baseline is the bare aggregate SQL over the same rows (the
  GROUP BYs over failed answers and linked cases, nothing written), so the ratio says what the
  rating, the change detection and the writes cost on top of reading the inputs;
- **full rescoring, nothing changed** (the ordinary nightly run: idempotent, no write);
- **incremental rescoring after one inspection** (a failed answer added to one enterprise's
  place, then ``rescore_enterprises([id])``, as the event-driven task does) — goal ≤ 50 ms;
  baseline: the bare aggregate SQL for that one enterprise.

One measuring subprocess bound to the large database (``python -m credit.bench``,
one JSON line out). The answer the incremental figure adds is removed afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from benchmarks import report

TITLE = "credit scoring (credit)"
FULL_GOAL_S = 15.0  # for 50,000 enterprises (scaled linearly to the seeded count when fewer)
INCREMENTAL_GOAL_S = 0.050


def figures(ctx) -> list:
    from django.conf import settings

    proc = subprocess.run(
        [sys.executable, "-m", "credit.bench", "--runs", "5" if ctx.small else "20"],
        cwd=settings.BASE_DIR, env=ctx.env_large, capture_output=True, text=True, timeout=1800,
    )
    line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0 or not line.startswith("{"):
        return [report.error(TITLE, (proc.stderr or proc.stdout)[-300:])]
    got = json.loads(line)
    if got.get("unavailable"):
        return [report.unavailable(f"{TITLE}: rescoring", got["unavailable"])]
    n, answers, links = got["enterprises"], got["answers"], got["case_links"]
    scale = f"{n:,} enterprises, {answers:,} answers, {links:,} case links"
    # 15 s per 50,000 enterprises (linear); at CI scale at least 1 s (fixed costs dominate).
    goal_s = max(1.0, FULL_GOAL_S * n / 50_000)
    incremental = "Credit: incremental rescoring after one inspection (one enterprise)"
    rows = [
        _goal_row(f"Credit: full rescoring, every rating written ({scale})", got["full_cold_s"], got["bare_full_s"],
                  goal_s, f"({got['full_cold_changed']:,} written)", "bare aggregate SQL",
                  note=f"goal <= {goal_s:.1f} s (15 s per 50,000)"),
        _goal_row("Credit: full rescoring, nothing changed (nightly steady state)", got["full_warm_s"], got["bare_full_s"],
                  goal_s, f"({got['full_warm_changed']:,} written)", "bare aggregate SQL", note="idempotent: no write"),
    ]
    if got.get("incremental_s") is None:
        return [*rows, report.unavailable(incremental, "no enterprise with a submitted inspection in this database")]
    rows += [
        _goal_row(incremental, got["incremental_s"], got["bare_one_s"],
                  INCREMENTAL_GOAL_S, f"median of {got['runs']}", "bare aggregate SQL, one enterprise",
                  note=f"goal <= 50 ms; 11 statements (lock, 6 reads, upsert, history, begin/commit); "
                       f"SELECT 1 round trip here: {report.ms(got.get('round_trip_s', 0))}; "
                       f"CPU time of this process: {report.ms(got.get('incremental_cpu_s', 0))} (the rest is waiting: load)"),
    ]
    return rows


def _goal_row(figure, value_s, baseline_s, goal_s, value_label, baseline_label, note="") -> report.Row:
    ratio = value_s / baseline_s if baseline_s > 0 else None
    return report.Row(
        figure, f"{report.ms(value_s)} {value_label}", f"{report.ms(baseline_s)} {baseline_label}", ratio,
        f"<= {report.ms(goal_s)}", report.OK if value_s <= goal_s else report.MISSED, note,
        {"value_s": value_s, "baseline_s": baseline_s, "goal_s": goal_s},
    )


# =========================================================================== the measuring process

BARE_SQL = """
SELECT e.id, a.sev, a.n, c.n FROM credit_enterprise e
LEFT JOIN (
    SELECT p.id AS place_id, i2.severity AS sev, COUNT(*) AS n
    FROM inspections_answer a JOIN inspections_inspection i ON i.id = a.inspection_id
    JOIN inspections_place p ON p.id = i.place_id JOIN inspections_checklistitem i2 ON i2.id = a.item_id
    WHERE a.result = 'fail' AND a.submitted_at >= now() - interval '365 days' {place_filter}
    GROUP BY p.id, i2.severity
) a ON a.place_id = e.place_id
LEFT JOIN (
    SELECT l.enterprise_id, COUNT(*) AS n FROM credit_enterprisecase l JOIN cases_case c ON c.id = l.case_id
    WHERE c.created_at >= now() - interval '365 days' {link_filter} GROUP BY l.enterprise_id
) c ON c.enterprise_id = e.id
WHERE e.deleted_at IS NULL {enterprise_filter}
"""


def _bare(cursor, enterprise=None) -> float:
    if enterprise is None:
        sql = BARE_SQL.format(place_filter="", link_filter="", enterprise_filter="")
        params = []
    else:
        sql = BARE_SQL.format(place_filter="AND p.id = %s", link_filter="AND l.enterprise_id = %s", enterprise_filter="AND e.id = %s")
        params = [enterprise.place_id or 0, enterprise.pk, enterprise.pk]
    t = time.perf_counter()
    cursor.execute(sql, params)
    cursor.fetchall()
    return time.perf_counter() - t


def measure(runs: int) -> dict:
    import statistics

    from django.db import connection
    from django.utils import timezone

    from credit import scoring, services
    from credit.models import CreditScoreHistory, Enterprise, EnterpriseCase
    from inspections.models import Answer, ChecklistItem, Inspection

    if connection.vendor != "postgresql":
        return {"unavailable": "needs PostgreSQL"}
    n = Enterprise.objects.filter(deleted_at__isnull=True).count()
    if not n:
        return {"unavailable": "no enterprises seeded (seed_scale with the credit step)"}
    out = {"enterprises": n, "answers": Answer.objects.count(), "case_links": EnterpriseCase.objects.count(), "runs": runs}
    with connection.cursor() as cur:
        _bare(cur)  # warm the cache like the timed runs will be
        out["bare_full_s"] = min(_bare(cur) for _ in range(2))
        CreditScoreHistory.objects.all().delete()
        cur.execute("TRUNCATE credit_creditscore")
    t = time.perf_counter()
    result = services.rescore_all()
    out["full_cold_s"], out["full_cold_changed"] = time.perf_counter() - t, result.changed
    t = time.perf_counter()
    result = services.rescore_all()
    out["full_warm_s"], out["full_warm_changed"] = time.perf_counter() - t, result.changed

    # Incremental: one failed answer on an enterprise's place, then its rescoring (what the task runs).
    enterprise = Enterprise.objects.filter(place__inspections__status="submitted", deleted_at__isnull=True).order_by("id").first()
    if enterprise is None:
        out["incremental_s"] = None
        return out
    inspection = Inspection.objects.filter(place_id=enterprise.place_id, status="submitted").order_by("-submitted_at").first()
    answered = set(inspection.answers.values_list("item_id", flat=True))
    spare = list(ChecklistItem.objects.filter(version_id=inspection.version_id).exclude(pk__in=answered).order_by("id")[: runs + 1])
    times, bare, cpu = [], [], []
    added = []
    try:
        with connection.cursor() as cur:
            for item in spare[:runs]:
                added.append(Answer.objects.create(
                    inspection=inspection, item=item, result="fail", department_id=item.department_id,
                    region_path=inspection.region_path, submitted_at=timezone.now(),
                ).pk)
                t, c = time.perf_counter(), time.process_time()
                scoring.rescore(enterprise_ids=[enterprise.pk], trigger=CreditScoreHistory.Trigger.EVENT)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                bare.append(_bare(cur, enterprise))
    finally:
        Answer.objects.filter(pk__in=added).delete()
        services.rescore_enterprises(ids=[enterprise.pk])
    with connection.cursor() as cur:
        trips = []
        for _ in range(20):
            t = time.perf_counter()
            cur.execute("SELECT 1")
            cur.fetchall()
            trips.append(time.perf_counter() - t)
    out["round_trip_s"] = statistics.median(trips)
    out["incremental_s"] = statistics.median(times) if times else float("nan")
    out["incremental_cpu_s"] = statistics.median(cpu) if cpu else float("nan")
    out["bare_one_s"] = statistics.median(bare) if bare else float("nan")
    return out


if __name__ == "__main__":
    import argparse
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(measure(args.runs)))
