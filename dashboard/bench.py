"""数读 dashboard figures: the district's dashboard for a month and for a year, and a village's.

Each figure is the server time of the whole page (django.test.Client, DEBUG off, the same
probe style as benchmarks.probe) and its query count, on the large database and on the
baseline one, alternating rounds so both see the same machine. Goals: ≤ 1.5x the baseline
and ≤ 200 ms. The seeder fills the rollups (dashboard/scale.py), so the page reads rollup
rows, not cases. Run as ``python -m dashboard.bench`` it is the probe.
"""

from __future__ import annotations

import sys

from benchmarks import report
from benchmarks.probing import ProbeError, ProbeProcess, alternate, close_all, serve, timed

TITLE = "dashboard (数读)"
LIMIT = 1.5
GOAL_S = 0.200
FIGURES = [
    ("district_month", "district_officer", "dashboard: district, last month"),
    ("district_year", "district_officer", "dashboard: district, last 12 months"),
    ("village_month", "village_staff", "dashboard: a village, last month"),
]


def figures(ctx) -> list:
    probes = {which: ProbeProcess(env, which, module="dashboard.bench")
              for which, env in (("large", ctx.env_large), ("baseline", ctx.env_baseline))}
    rows = []
    try:
        prepared = {k: p.call("prepare") for k, p in probes.items()}
        for which, got in prepared.items():
            if "error" in got:
                return [report.error(TITLE, f"{which}: {got['error']}")]
        plan = ctx.plan
        per_round = max(1, plan.iterations // plan.rounds)
        for key, _role, label in FIGURES:
            try:
                times, queries = alternate(probes, key, rounds=plan.rounds, per_round=per_round, warmup=plan.warmup,
                                           order=("large", "baseline"))
            except ProbeError as exc:
                rows.append(report.error(label, str(exc)))
                continue
            value, base = report.median(times["large"]), report.median(times["baseline"])
            cases = prepared["large"]["cases"], prepared["baseline"]["cases"]
            note = (f"{queries['large']} queries (baseline {queries['baseline']}); goal also <= {GOAL_S * 1000:.0f} ms: "
                    f"{'ok' if value <= GOAL_S else 'MISSED'}; {prepared['large']['urls'][key]}")
            row = report.timing_row(label, value, base, limit=LIMIT, value_label=f"@ {cases[0]:,} cases",
                                    baseline_label=f"@ {cases[1]:,} cases", note=note)
            if value > GOAL_S:
                row.verdict = report.MISSED
            rows.append(row)
    finally:
        close_all(probes, cleanup=False)
    return rows


# --- the probe process ------------------------------------------------------------------------------

def _targets() -> dict:
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from benchmarks import targets

    today = timezone.localdate()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    last_month_start = last_month_end.replace(day=1)
    year_start = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    d = settings.ECOGRID_DISTRICT_CODE
    month = f"period=custom&since={last_month_start}&until={last_month_end}"
    year = f"period=custom&since={year_start}&until={last_month_end}"
    base = targets.url("dashboard:index")
    return {
        "district_month": ("district_officer", f"{base}?region={d}&{month}"),
        "district_year": ("district_officer", f"{base}?region={d}&{year}"),
        "village_month": ("village_staff", f"{base}?{month}"),
    }


class Probe:
    """The measuring side: logs each role in once, then times the dashboard URLs."""

    def __init__(self):
        self.clients, self.urls = {}, {}

    def prepare(self) -> dict:
        from django.test import Client

        from benchmarks import targets
        from cases.models import Case

        self.urls = _targets()
        for role in {r for r, _u in self.urls.values()}:
            client = Client(raise_request_exception=False)
            client.force_login(targets.user(role), backend="django.contrib.auth.backends.ModelBackend")
            self.clients[role] = client
        return {"cases": Case.objects.count(), "urls": {k: u for k, (_r, u) in self.urls.items()}}

    def time(self, key: str, n: int, warmup: int = 0) -> dict:
        role, path = self.urls[key]
        client = self.clients[role]
        response, measured = timed(lambda: client.get(path), n=n, warmup=warmup)
        if response.status_code != 200:
            return {"error": f"GET {path} answered {response.status_code}"}
        return measured


if __name__ == "__main__":
    sys.exit(serve(Probe))
