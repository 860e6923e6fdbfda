"""Open311 GeoReport v2 figures (open311 app):

- the public request list (``GET /open311/v2/requests.json``: the newest 100 public
  requests of the last 90 days, and the same filtered by status and one service code)
  on the large database vs the baseline database, server time and query count;
- creating requests through the API (``POST requests.json`` with a key, triage path)
  vs the report form (``cases:report``, a grid worker's submission) on the large
  database, alternating, as submissions per second in-process (the whole Django stack,
  no socket).

One measuring process per database (``python -m open311.bench``,
JSON lines on stdin/stdout, like benchmarks.probe), so both see the same machine
conditions. The client, key and every case the figures write are removed afterwards.
"""

from __future__ import annotations

import sys
import time

from benchmarks import report
from benchmarks.probing import ProbeProcess, close_all, serve, submission_rates, timed

TITLE = "Open311 GeoReport v2 API (open311)"
BENCH_CLIENT = "bench-open311-client"
BENCH_KEY = "bench-open311-key-not-for-production"



def figures(ctx) -> list:
    small = ctx.small
    n = 12 if small else 60
    rounds = 3
    lbl, bbl = f"({ctx.plan.large.cases:,})", f"({ctx.plan.baseline.cases:,})"
    procs = {which: ProbeProcess(env, which, module="open311.bench")
             for which, env in (("large", ctx.env_large), ("baseline", ctx.env_baseline))}
    rows = []
    try:
        prepared = {k: p.ask("prepare") for k, p in procs.items()}
        for key, label in (
            ("list", "Open311 request list (GET requests.json, newest 100 of 90 days)"),
            ("list_filtered", "Open311 request list, status=closed and one service_code, same page size"),
        ):
            times = {"large": [], "baseline": []}
            counts, queries = {}, {}
            if key == "list_filtered":
                # Like with like: both databases return the same number of records (the baseline
                # holds ~15 per service in the 90 days, the large one hundreds), else the figure
                # compares writing 100 records with writing 5.
                filled = procs["baseline"].ask("time_get", key=key, n=1)["rows"]
                for p in procs.values():
                    p.ask("page_size", key=key, size=max(1, filled))
            for r in range(rounds):
                for which in ("baseline", "large"):
                    got = procs[which].ask("time_get", key=key, n=max(1, n // rounds), warmup=3 if r == 0 else 0)
                    times[which] += got["times"]
                    counts[which], queries[which] = got["rows"], got["queries"]
            note = (f"{counts['large']} records returned {lbl} vs {counts['baseline']} {bbl}; "
                    f"{prepared['large']['window']:,} public requests in the 90 days {lbl} vs {prepared['baseline']['window']:,} {bbl}")
            rows.append(report.timing_row(
                f"{label}: server time", report.median(times["large"]), report.median(times["baseline"]),
                limit=1.5, value_label=lbl, baseline_label=bbl, note=note,
            ))
            rows.append(report.same_row(f"{label}: queries", queries["large"], queries["baseline"], value_label=lbl, baseline_label=bbl))
        # Submissions on the large database: API and report form alternating.
        per = 10 if small else 40
        rate, done = submission_rates(procs["large"], ("form", "api"), rounds=rounds, per=per, warmup=3)
        rows.append(report.rate_row(
            "Open311 create (POST requests.json) vs the report form: submissions/s", rate["api"], rate["form"], limit=0.8, digits=1,
            value_label="API", baseline_label="report form", raw={"done": done},
            note=(f"{done['api']} API and {done['form']} form submissions on the large database {lbl}, in-process, one at a time; "
                  "every answer checked (201 with a token / 302 to the case) and the rows removed afterwards"),
        ))
    finally:
        close_all(procs)
    return rows


# --- the measuring process ---------------------------------------------------------------------------

class Probe:
    def __init__(self):
        from django.test import Client

        self.client = Client(raise_request_exception=False)
        self.paths = {}

    def prepare(self) -> dict:
        import datetime as dt

        from django.utils import timezone

        from benchmarks import submit
        from cases.models import CaseCategory
        from open311 import selectors
        from open311.models import ApiClient, ApiKey
        from open311.services import hash_key, key_create

        self.cleanup()
        client, _ = ApiClient.objects.get_or_create(name=BENCH_CLIENT, defaults={"rate_limit": 1_000_000})
        if not ApiKey.objects.filter(key_hash=hash_key(BENCH_KEY)).exists():
            key_create(client=client, label="bench", raw=BENCH_KEY)
        self.user, grid = submit._reporter()
        self.category = (
            selectors.public_categories().filter(on_discovery=False).order_by("code").first()
            or CaseCategory.objects.filter(parent__isnull=False).first()
        )
        self.lat = round((grid.min_lat + grid.max_lat) / 2, 6)
        self.lng = round((grid.min_lng + grid.max_lng) / 2, 6)
        self.form_client = type(self.client)(raise_request_exception=False)
        self.form_client.force_login(self.user, backend="django.contrib.auth.backends.ModelBackend")
        base = "/open311/v2/requests.json"
        self.paths = {
            "list": (base, {}),
            "list_filtered": (base, {"status": "closed", "service_code": self.category.code}),
        }
        since = timezone.now() - dt.timedelta(days=90)
        window = selectors.public_case_queryset().filter(created_at__gte=since).count()
        return {"window": window, "category": self.category.code}

    def page_size(self, key: str, size: int) -> dict:
        self.paths[key][1]["page_size"] = str(size)
        return {"ok": True}

    def time_get(self, key: str, n: int, warmup: int = 0) -> dict:
        path, params = self.paths[key]
        response, measured = timed(lambda: self.client.get(path, params), n=n, warmup=warmup)
        if response.status_code != 200:
            return {"error": f"GET {path} answered {response.status_code}: {response.content[:200]!r}"}
        return {**measured, "rows": len(response.json())}

    def submit(self, mode: str, n: int, warmup: int = 0) -> dict:
        import uuid

        times = []
        for i in range(warmup + n):
            if mode == "api":
                data = {
                    "api_key": BENCH_KEY, "service_code": self.category.code, "lat": str(self.lat), "long": str(self.lng),
                    "description": "压测：路边有散落生活垃圾未清运", "address_string": "压测地址",
                }
                t0 = time.perf_counter()
                response = self.client.post("/open311/v2/requests.json", data)
                elapsed = time.perf_counter() - t0
                if response.status_code != 201 or "token" not in response.json()[0]:
                    return {"error": f"POST requests.json answered {response.status_code}: {response.content[:300]!r}"}
            else:
                data = {
                    "client_uuid": str(uuid.uuid4()), "category": str(self.category.pk), "description": "压测：路边有散落生活垃圾未清运",
                    "urgency": "", "latitude": str(self.lat), "longitude": str(self.lng), "address": "压测地址",
                    "place_name": "", "handling_note": "",
                }
                t0 = time.perf_counter()
                response = self.form_client.post("/cases/report/", data)
                elapsed = time.perf_counter() - t0
                if response.status_code != 302:
                    return {"error": f"POST /cases/report/ answered {response.status_code}"}
            if i >= warmup:
                times.append(elapsed)
        return {"times": times}

    def cleanup(self) -> dict:
        from django.db import transaction

        from benchmarks import submit
        from cases.models import Case, CaseEvent
        from open311.models import ApiClient, Submission

        removed = 0
        client = ApiClient.objects.filter(name=BENCH_CLIENT).first()
        if client is not None:
            with transaction.atomic():
                ids = list(Submission.objects.filter(client=client).values_list("case_id", flat=True))
                for start in range(0, len(ids), 5000):
                    chunk = ids[start:start + 5000]
                    for model in submit._dependents():
                        model.objects.filter(case_id__in=chunk).delete()
                    CaseEvent.objects.filter(case_id__in=chunk).delete()
                    Case.objects.filter(id__in=chunk).delete()
                removed += len(ids)
                client.keys.all().delete()
                client.delete()
        user = getattr(self, "user", None)
        if user is not None:
            removed += submit.cleanup(user)
        return {"removed": removed}


if __name__ == "__main__":
    sys.exit(serve(Probe))
