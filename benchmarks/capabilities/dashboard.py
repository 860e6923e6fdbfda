"""数读 dashboard figures: the district's dashboard for a month and for a year, and a village's.

Each figure is the server time of the whole page (django.test.Client, DEBUG off, the same
probe style as benchmarks.probe) and its query count, on the large database and on the
baseline one, alternating rounds so both see the same machine. Goals: ≤ 1.5x the baseline
and ≤ 200 ms. The seeder fills the rollups (dashboard/scale.py), so the page reads rollup
rows, not cases. Run as ``python -m benchmarks.capabilities.dashboard`` it is the probe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from benchmarks import report

TITLE = "dashboard (数读)"
LIMIT = 1.5
GOAL_S = 0.200
FIGURES = [
    ("district_month", "district_officer", "dashboard: district, last month"),
    ("district_year", "district_officer", "dashboard: district, last 12 months"),
    ("village_month", "village_staff", "dashboard: a village, last month"),
]


class _Probe:
    def __init__(self, env: dict, label: str):
        from django.conf import settings

        self.label = label
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.capabilities.dashboard"], cwd=settings.BASE_DIR, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
        )

    def call(self, cmd: str, **kwargs) -> dict:
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.label} dashboard probe died (see its output above)")
        return json.loads(line)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call("quit")
                self.proc.wait(timeout=10)
            except (OSError, RuntimeError, subprocess.TimeoutExpired):
                self.proc.kill()


def figures(ctx) -> list:
    probes = {"large": _Probe(ctx.env_large, "large"), "baseline": _Probe(ctx.env_baseline, "baseline")}
    rows = []
    try:
        prepared = {k: p.call("prepare") for k, p in probes.items()}
        for which, got in prepared.items():
            if "error" in got:
                return [report.error(TITLE, f"{which}: {got['error']}")]
        plan = ctx.plan
        per_round = max(1, plan.iterations // plan.rounds)
        for key, _role, label in FIGURES:
            times = {"large": [], "baseline": []}
            queries = {}
            failed = None
            for r in range(plan.rounds):
                for which in ("large", "baseline"):
                    got = probes[which].call("time", key=key, n=per_round, warmup=plan.warmup if r == 0 else 0)
                    if "error" in got:
                        failed = f"{which}: {got['error']}"
                        break
                    times[which] += got["times"]
                    queries[which] = got["queries"]
                if failed:
                    break
            if failed:
                rows.append(report.error(label, failed))
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
        for p in probes.values():
            p.close()
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


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks import targets
    from cases.models import Case

    settings.DEBUG = False
    clients, urls = {}, {}
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg.get("cmd")
        try:
            if cmd == "quit":
                print(json.dumps({"ok": True}), flush=True)
                return 0
            if cmd == "prepare":
                urls = _targets()
                for role in {r for r, _u in urls.values()}:
                    c = Client(raise_request_exception=False)
                    c.force_login(targets.user(role), backend="django.contrib.auth.backends.ModelBackend")
                    clients[role] = c
                out = {"cases": Case.objects.count(), "urls": {k: u for k, (_r, u) in urls.items()}}
            elif cmd == "time":
                role, path = urls[msg["key"]]
                client = clients[role]
                for _ in range(msg.get("warmup", 0)):
                    client.get(path)
                with CaptureQueriesContext(connection) as qctx:
                    response = client.get(path)
                queries = len(qctx.captured_queries)
                if response.status_code != 200:
                    out = {"error": f"GET {path} answered {response.status_code}"}
                else:
                    times = []
                    for _ in range(msg["n"]):
                        t0 = time.perf_counter()
                        client.get(path)
                        times.append(time.perf_counter() - t0)
                    out = {"times": times, "queries": queries}
            else:
                out = {"error": f"unknown command {cmd}"}
        except Exception as exc:  # noqa: BLE001 - reported in the table
            out = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
