"""Field-speed figures (issue 17): the grid worker's phone pages at a million cases.

What a grid worker opens on the phone, as the seeded grid worker of the district's first grid:
the phone home (/m/), the inspection start page (every place of the grid, due ones first), a
place's page (its lists and 复查), the report form, and the address look-up the report form
makes when the location is known. Each is the whole request's server time (django.test.Client,
DEBUG off, the probe style of benchmarks.probing) and its query count, on the large database
and on the baseline one, alternating rounds. Goal: ≤ 1.5x the baseline and the same number of
queries (nothing on these pages may grow with the district's cases).

URL names only (no import of the apps: benchmarks stays above them only through its seed steps): the probe reverses them. Run as
``python -m benchmarks.phone`` it is the probe.
"""

from __future__ import annotations

import sys

from benchmarks import report
from benchmarks.probing import ProbeError, ProbeProcess, alternate, close_all, serve, timed

TITLE = "the grid worker's phone pages (field speed)"
LIMIT = 1.5
PAGES = [
    ("home", "phone home (grids:mobile_home)"),
    ("inspections", "inspection start: every place of my grid (inspections:mobile_start)"),
    ("place", "a place's page: its lists and 复查 (inspections:mobile_place)"),
    ("report", "report form (cases:report)"),
    ("address", "report form's address look-up (cases:report_address)"),
]
# The start page reads its second list (the places that are not due) only when the grid has
# some: the query count follows the grid's places, which the two databases hold differently
# (the baseline is seeded with a hundredth of the inspections), not the district's cases.
QUERIES_FOLLOW_PLACES = {"inspections"}


def figures(ctx) -> list:
    probes = {which: ProbeProcess(env, which, module="benchmarks.phone")
              for which, env in (("large", ctx.env_large), ("baseline", ctx.env_baseline))}
    lbl, bbl = f"({ctx.plan.large.cases:,})", f"({ctx.plan.baseline.cases:,})"
    rows = []
    try:
        prepared = {k: p.call("prepare") for k, p in probes.items()}
        for which, got in prepared.items():
            if "error" in got:
                return [report.error(TITLE, f"{which}: {got['error']}")]
        per_round = max(1, ctx.plan.iterations // ctx.plan.rounds)
        for key, label in PAGES:
            if key not in prepared["large"]["urls"] or key not in prepared["baseline"]["urls"]:
                rows.append(report.unavailable(label, prepared["large"].get("missing", {}).get(key, "not in this database")))
                continue
            try:
                times, queries = alternate(probes, key, rounds=ctx.plan.rounds, per_round=per_round, warmup=ctx.plan.warmup)
            except ProbeError as exc:
                rows.append(report.error(label, str(exc)))
                continue
            rows.append(report.timing_row(
                f"{label}: server time", report.median(times["large"]), report.median(times["baseline"]), limit=LIMIT,
                value_label=lbl, baseline_label=bbl, note=prepared["large"]["urls"][key],
            ))
            if key in QUERIES_FOLLOW_PLACES:
                rows[-1].note += f"; {queries['large']} queries {lbl} vs {queries['baseline']} {bbl} (a second list when the grid has places not due)"
            else:
                rows.append(report.same_row(f"{label}: queries", queries["large"], queries["baseline"], value_label=lbl, baseline_label=bbl))
    finally:
        close_all(probes, cleanup=False)
    return rows


# --- the probe process ------------------------------------------------------------------------------

class Probe:
    """The measuring side: the seeded grid worker, logged in once, times the phone pages."""

    def __init__(self):
        self.client, self.urls = None, {}

    def prepare(self) -> dict:
        from urllib.parse import urlencode

        from django.apps import apps
        from django.test import Client

        from benchmarks import targets

        from grids.models import Region
        from grids.scoping import scope_paths

        user = targets.user("grid_worker")
        paths = scope_paths(user) or ()
        grid = Region.objects.filter(path__in=list(paths), level=Region.Level.GRID).order_by("path").first()
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        urls, missing = {}, {}
        for key, name in (("home", "grids:mobile_home"), ("inspections", "inspections:mobile_start"), ("report", "cases:report")):
            try:
                urls[key] = targets.url(name) + ("?new=1" if key == "report" else "")
            except targets.NotAvailable as exc:
                missing[key] = str(exc)
        if grid is not None and grid.min_lat is not None:
            lat, lng = (grid.min_lat + grid.max_lat) / 2, (grid.min_lng + grid.max_lng) / 2
            try:
                urls["address"] = f"{targets.url('cases:report_address')}?{urlencode({'latitude': f'{lat:.6f}', 'longitude': f'{lng:.6f}'})}"
            except targets.NotAvailable as exc:
                missing["address"] = str(exc)
        if apps.is_installed("inspections") and grid is not None:
            Place = apps.get_model("inspections", "Place")
            place = Place.objects.filter(grid=grid).order_by("pk").first()
            if place is not None:
                urls["place"] = targets.url("inspections:mobile_place", place.pk)
            else:
                missing["place"] = "no inspection place in the grid worker's grid"
        self.urls = urls
        return {"urls": urls, "missing": missing}

    def time(self, key: str, n: int, warmup: int = 0) -> dict:
        path = self.urls[key]
        response, measured = timed(lambda: self.client.get(path), n=n, warmup=warmup)
        if response.status_code != 200:
            return {"error": f"GET {path} answered {response.status_code}"}
        return measured


if __name__ == "__main__":
    sys.exit(serve(Probe))
