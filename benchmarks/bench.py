"""The benchmarks app's own figures: the grid worker's phone pages (``benchmarks/phone.py``,
issue 17) and the department's inspection export as a background job (core/jobs.py,
inspections/jobs.py).

The benchmarks app's own capability figures (discovered like every app's ``bench.py``): they
stay here because the apps they measure sit below benchmarks (a figure inside one of them
importing benchmarks would be an arrow back up a floor).

Goal (issue 9): an export of 200,000 answers completes as a job, with the time and the
worker's peak memory printed. Each run is a fresh process that does what a Celery worker
does with the message — ``core.jobs.run(job_id)``: claim, stream the rows from the database
into XlsxWriter's constant-memory mode, store the file — so its peak RSS (its own VmHWM) is the
worker's. The baseline, measured in the same run on the same database, is the same export
of a tenth of the rows (the old synchronous cap was 20,000): the time per row must stay
within 1.3x (it scales linearly) and the memory within 1.5x (it does not grow with rows;
the Django process itself is most of it).
"""

from __future__ import annotations


from benchmarks import report
from benchmarks.probing import run_job, run_python
from benchmarks.report import Row

TITLE = "inspection export job (core.Job)"
ROWS = 200_000

PREPARE = r"""
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db.models import Count
from inspections.models import Answer
import uuid
from core.models import Job
from inspections.jobs import EXPORT_KIND

rows = int(sys.argv[1])
User = get_user_model()
user, _ = User.objects.get_or_create(username="bench-export", defaults={"is_superuser": True, "is_staff": True})
top = Answer.objects.values("department").annotate(n=Count("id")).order_by("-n").first()
if not top:
    print(json.dumps({"unavailable": "no inspection answers seeded"})); sys.exit()
department = top["department"]
qs = Answer.objects.filter(department=department).order_by("-submitted_at", "-id")
available = top["n"]
want = min(rows, available)
from django.utils import timezone
out = []
for n in (want, max(1, want // 10)):
    # the day from which the department's newest n answers start: the export filters by date
    edge = qs.values_list("submitted_at", flat=True)[n - 1]
    day = timezone.localtime(edge).date()
    # a pending row, as start_job writes it, but not sent: this figure is the worker
    job = Job.objects.create(uuid=uuid.uuid4(), kind=EXPORT_KIND, started_by=user, label="bench",
                             params={"department": department, "filters": {"date_from": day.isoformat()}, "language": "zh-hans"})
    out.append({"job": job.pk})
print(json.dumps({"jobs": out, "available": available}))
"""

CLEANUP = r"""
import django
django.setup()
from django.contrib.auth import get_user_model
from core.models import Job
for job in Job.objects.filter(started_by__username="bench-export"):
    job.result_file.delete(save=False)
Job.objects.filter(started_by__username="bench-export").delete()
from core.models import AuditLog
AuditLog.objects.filter(user__username="bench-export").delete()
get_user_model().objects.filter(username="bench-export").delete()
"""


def figures(ctx) -> list[Row]:
    from benchmarks import phone

    rows = phone.figures(ctx)  # the grid worker's phone pages (field speed)
    return rows + export_figures(ctx)


def export_figures(ctx) -> list[Row]:
    env = dict(ctx.env_large)
    label = f"department export job, {ROWS:,} answers: time per 1,000 rows"
    label_rss = "department export job: worker peak memory"
    try:
        prepared = run_python(PREPARE, env, ROWS)
        if "unavailable" in prepared:
            return [report.unavailable(label, prepared["unavailable"])]
        (big, small) = prepared["jobs"]
        # Run the small one first (warms the disk cache for both alike), then the big one.
        small_run = run_job(small["job"], env)
        big_run = run_job(big["job"], env)
    finally:
        try:
            run_python(CLEANUP, env)
        except RuntimeError:
            pass
    n_big, n_small = big_run["rows"], small_run["rows"]
    if not n_big or not n_small:
        return [report.error(label, f"the exports wrote {n_big} and {n_small} rows")]
    per_big = big_run["seconds"] / n_big * 1000
    per_small = small_run["seconds"] / n_small * 1000
    note = (f"{n_big:,} rows in {big_run['seconds']:.1f} s (process {big_run['wall']:.1f} s) vs {n_small:,} rows in "
            f"{small_run['seconds']:.1f} s; {prepared['available']:,} answers of the department seeded"
            + ("" if n_big >= ROWS else f" (fewer than {ROWS:,}: the seeded database is small)"))
    time_row = report.timing_row(label, per_big / 1000, per_small / 1000, limit=1.3, value_label=f"({n_big:,})",
                                 baseline_label=f"({n_small:,})", note=note)
    ratio = big_run["rss_mb"] / small_run["rss_mb"] if small_run["rss_mb"] else None
    rss_row = Row(
        label_rss, f"{big_run['rss_mb']:.0f} MB ({n_big:,} rows)", f"{small_run['rss_mb']:.0f} MB ({n_small:,} rows)", ratio,
        "<= 1.5x and <= 200 MB",
        report.OK if ratio is not None and ratio <= 1.5 and big_run["rss_mb"] <= 200 else report.MISSED,
        "peak RSS of the process running the job (the Django process itself included)",
        {"value": big_run["rss_mb"], "baseline": small_run["rss_mb"]},
    )
    return [time_row, rss_row]
