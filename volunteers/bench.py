"""Volunteer (兼职网格员) figures (volunteers app):

- the community views of a team page — leaderboard (all time and this month, from the
  ledger) and the six-month summary (reports, adopted, self-handled, points) — for the
  busiest team of the large database vs the busiest team of the baseline database: server
  time of the three selectors together, and their query count;
- public report submissions from the QR page (photo uploaded as you go, then the form; no
  login) vs a grid worker's report form with one photo, on the large database, alternating,
  as submissions per second in-process (the whole Django stack, no socket).

One measuring process per database (``python -m volunteers.bench``, JSON
lines on stdin/stdout, like benchmarks.probe), so both see the same machine conditions.
Every case the figures write is removed afterwards.
"""

from __future__ import annotations

import sys
import time

from benchmarks import report
from benchmarks.probing import ProbeProcess, close_all, serve, submission_rates, timed

TITLE = "volunteers (兼职网格员): leaderboard and public report page"



def _probe(env: dict, label: str) -> ProbeProcess:
    # the rate limit is not what is measured
    unlimited = {key: "1000000000" for key in (
        "VOLUNTEER_REPORTS_PER_IP_HOUR", "VOLUNTEER_REPORTS_PER_PHONE_HOUR", "VOLUNTEER_UPLOADS_PER_IP_HOUR")}
    return ProbeProcess({**env, **unlimited}, label, module="volunteers.bench")


def figures(ctx) -> list:
    n = 10 if ctx.small else 50
    rounds = 3
    lbl, bbl = f"({ctx.plan.large.cases:,})", f"({ctx.plan.baseline.cases:,})"
    procs = {"large": _probe(ctx.env_large, "large"), "baseline": _probe(ctx.env_baseline, "baseline")}
    rows = []
    try:
        prepared = {k: p.ask("prepare") for k, p in procs.items()}
        if not all(p["team"] for p in prepared.values()):
            return [report.unavailable("Volunteer leaderboard", "no volunteer team seeded (volunteers/scale.py did not run)")]
        times = {"large": [], "baseline": []}
        queries = {}
        for r in range(rounds):
            for which in ("baseline", "large"):
                got = procs[which].ask("time_views", n=max(1, n // rounds), warmup=2 if r == 0 else 0)
                times[which] += got["times"]
                queries[which] = got["queries"]
        note = (f"busiest team: {prepared['large']['entries']:,} ledger lines, {prepared['large']['reports']:,} reports {lbl} "
                f"vs {prepared['baseline']['entries']:,} / {prepared['baseline']['reports']:,} {bbl}; "
                f"{prepared['large']['all_entries']:,} ledger lines in all {lbl}")
        label = "Volunteer team views (leaderboard all-time + this month, 6-month summary)"
        rows.append(report.timing_row(f"{label}: server time", report.median(times["large"]), report.median(times["baseline"]),
                                      limit=1.5, value_label=lbl, baseline_label=bbl, note=note))
        rows.append(report.same_row(f"{label}: queries", queries["large"], queries["baseline"], value_label=lbl, baseline_label=bbl))

        per = 6 if ctx.small else 30
        rate, done = submission_rates(procs["large"], ("form", "public"), rounds=rounds, per=per, warmup=2)
        rows.append(report.rate_row(
            "Public QR report (photo upload + submit, no login) vs the grid worker's report form: submissions/s", rate["public"], rate["form"], limit=0.7, digits=1,
            value_label="public page", baseline_label="report form", raw={"done": done},
            note=(f"{done['public']} public and {done['form']} form submissions on the large database {lbl}, each with one photo, "
                  "in-process, one at a time; every answer checked (302 to the status link / the case) and the rows removed afterwards"),
        ))
    finally:
        close_all(procs)
    return rows


# --- the measuring process ---------------------------------------------------------------------------

class Probe:
    def __init__(self):
        from django.test import Client

        self.client = Client(raise_request_exception=False)
        self.public_cases: list[int] = []
        self.user = None

    def prepare(self) -> dict:
        from django.db.models import Count

        from benchmarks import submit
        from volunteers.models import PointEntry, Team, VolunteerReport

        busiest = (
            PointEntry.objects.values("volunteer__team_id").annotate(n=Count("id")).order_by("-n").first()
        )
        self.team = Team.objects.filter(pk=busiest["volunteer__team_id"]).first() if busiest else None
        if self.team is None:
            return {"team": None}
        self.user, self.grid = submit._reporter()
        self.public_team = Team.objects.filter(village_id=self.grid.parent_id).first() or self.team
        self.lat = round((self.grid.min_lat + self.grid.max_lat) / 2, 6)
        self.lng = round((self.grid.min_lng + self.grid.max_lng) / 2, 6)
        self.form_client = type(self.client)(raise_request_exception=False)
        self.form_client.force_login(self.user, backend="django.contrib.auth.backends.ModelBackend")
        from cases.models import CaseCategory

        self.category = CaseCategory.objects.filter(code="0102").first() or CaseCategory.objects.filter(parent__isnull=False).first()
        return {
            "team": self.team.pk, "entries": busiest["n"], "all_entries": PointEntry.objects.count(),
            "reports": VolunteerReport.objects.filter(team=self.team).count(),
        }

    def time_views(self, n: int, warmup: int = 0) -> dict:
        from django.utils import timezone

        from volunteers import selectors

        month = timezone.localdate().replace(day=1)

        def views():
            leaders = selectors.leaderboard(team=self.team, limit=10)
            month_leaders = selectors.leaderboard(team=self.team, month=month, limit=10)
            summary = selectors.monthly_summary(team=self.team, months=6)
            return leaders, month_leaders, summary

        return timed(views, n=n, warmup=warmup)[1]

    def _photo(self, i: int):
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (640, 480), (i * 37 % 256, i * 91 % 256, i * 53 % 256)).save(buf, format="JPEG", quality=80)
        return SimpleUploadedFile(f"bench-{i}.jpg", buf.getvalue(), content_type="image/jpeg")

    def submit(self, mode: str, n: int, warmup: int = 0) -> dict:
        import uuid

        from volunteers.models import VolunteerReport

        times = []
        for i in range(warmup + n):
            form_uuid = str(uuid.uuid4())
            if mode == "public":
                code = self.public_team.report_code
                t0 = time.perf_counter()
                up = self.client.post(f"/volunteers/r/{code}/upload/", {"form_uuid": form_uuid, "file": self._photo(i)})
                response = self.client.post(f"/volunteers/r/{code}/", {
                    "client_uuid": form_uuid, "phone": "", "problem_type": "garbage", "grid": self.grid.code if self.public_team.village_id == self.grid.parent_id else "",
                    "latitude": str(self.lat), "longitude": str(self.lng), "address": "压测地址", "description": "压测：垃圾桶满溢", "website": "",
                })
                elapsed = time.perf_counter() - t0
                if up.status_code != 200 or response.status_code != 302:
                    return {"error": f"public report answered {up.status_code}/{response.status_code}: {response.content[:300]!r}"}
                report_ = VolunteerReport.objects.filter(case__client_uuid=form_uuid).first()
                if report_ is not None:
                    self.public_cases.append(report_.case_id)
            else:
                t0 = time.perf_counter()
                up = self.form_client.post("/cases/uploads/", {"form_uuid": form_uuid, "slot": "report", "file": self._photo(i)})
                response = self.form_client.post("/cases/report/", {
                    "client_uuid": form_uuid, "category": str(self.category.pk), "description": "压测：垃圾桶满溢", "urgency": "",
                    "latitude": str(self.lat), "longitude": str(self.lng), "address": "压测地址", "place_name": "", "handling_note": "",
                })
                elapsed = time.perf_counter() - t0
                if up.status_code != 200 or response.status_code != 302:
                    return {"error": f"report form answered {up.status_code}/{response.status_code}"}
            if i >= warmup:
                times.append(elapsed)
        return {"times": times}

    def cleanup(self) -> dict:
        from django.db import transaction

        from benchmarks import submit
        from cases.models import Case, CaseEvent

        removed = 0
        ids = self.public_cases
        from volunteers.models import VolunteerReport

        with transaction.atomic():
            for start in range(0, len(ids), 5000):
                chunk = ids[start:start + 5000]
                VolunteerReport.objects.filter(case_id__in=chunk).delete()  # one-to-one: not among _dependents()
                for model in submit._dependents():
                    model.objects.filter(case_id__in=chunk).delete()
                CaseEvent.objects.filter(case_id__in=chunk).delete()
                Case.objects.filter(id__in=chunk).delete()
        removed += len(ids)
        self.public_cases = []
        if self.user is not None:
            removed += submit.cleanup(self.user)
        return {"removed": removed}


if __name__ == "__main__":
    sys.exit(serve(Probe))
