"""Reads of the dashboard (数读): the numbers of one region and period, from the rollups.

A period is split into whole calendar months (read from the monthly rollup rows) and
at most two partial months at its ends (read from the per-case facts of those days, an
index range). Nothing reads the cases table in bulk: the only query on it is the live
"overdue now" count, which a partial index of the open cases by region answers.
Scoping: the region must lie inside the user's jurisdiction (grids.scoping), else 404;
every row read is under that region's path, so a village user sees only its village.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseCategory
from grids.models import Region
from grids.scoping import path_in_scope, scope_paths

from . import facts
from .models import MEASURES, CaseFact, CaseRollup

# The open statuses (the partial indexes case_dispatch_queue_idx and case_open_region_idx on cases.Case).
QUEUE_STATES = ["registered", "returned", "dispatched", "accepted", "handled", "verified"]
DIMS = ("all", "cat", "src", "dept", "hrs")


@dataclass
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def months(self) -> tuple[dt.date, dt.date] | None:
        """(first, last) whole months inside the period, or None."""
        first = self.start if self.start.day == 1 else _next_month(self.start)
        last_day_month = self.end.replace(day=1)
        last = last_day_month if self.end.day == calendar.monthrange(self.end.year, self.end.month)[1] else _prev_month(last_day_month)
        return (first, last) if first <= last else None

    @property
    def edges(self) -> list[tuple[dt.date, dt.date]]:
        """The day ranges not covered by whole months."""
        months = self.months
        if months is None:
            return [(self.start, self.end)]
        out = []
        if self.start < months[0]:
            out.append((self.start, months[0] - dt.timedelta(days=1)))
        after = _next_month(months[1])
        if after <= self.end:
            out.append((after, self.end))
        return out

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end


def _next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _prev_month(d: dt.date) -> dt.date:
    return (d.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def period_preset(name: str, *, today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    if name == "last_month":
        first = _prev_month(today)
        return Period(first, today.replace(day=1) - dt.timedelta(days=1))
    if name == "year":
        return Period(today.replace(month=1, day=1), today.replace(month=12, day=31))
    if name == "last_year":
        return Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    if name == "30d":
        return Period(today - dt.timedelta(days=29), today)
    first = today.replace(day=1)  # "month"
    return Period(first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))


# --- the region -----------------------------------------------------------------------------

def dashboard_regions(*, user) -> list[Region]:
    """The top regions the user may open the dashboard for (the district for a superuser)."""
    paths = scope_paths(user)
    if paths is None:
        paths = (f"{settings.ECOGRID_DISTRICT_CODE}/",)
    return list(Region.objects.filter(path__in=paths, level__lte=Region.Level.VILLAGE).order_by("path"))


def dashboard_region(*, user, code: str = "", tops: list[Region] | None = None) -> Region:
    """The region of the dashboard: `code` if inside the user's scope (else 404), or the user's first."""
    if code:
        region = Region.objects.filter(code=code, level__lte=Region.Level.VILLAGE).first()
        if region is None or not path_in_scope(user, region.path):
            raise Http404(_("Not found, or outside your jurisdiction."))
        return region
    regions = tops if tops is not None else dashboard_regions(user=user)
    if not regions:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return regions[0]


# --- numbers ---------------------------------------------------------------------------------

def rates(m: dict) -> dict:
    """The ratios shown beside the counts (None where the denominator is 0)."""

    def ratio(a, b):
        return (m.get(a, 0) / m[b]) if m.get(b) else None

    resolved = m.get("closed", 0) + m.get("self_handled", 0)
    return {
        "resolved": resolved,
        "closure_rate": resolved / m["found"] if m.get("found") else None,  # 结案率
        "on_time_rate": ratio("closed_on_time", "closed_with_deadline"),  # 按期结案率
        "return_rate": ratio("returned", "dispatched"),  # 退单率
        "rework_rate": ratio("reworked", "dispatched"),  # 返工率
        "self_fast_rate": ratio("self_fast", "self_handled"),  # 发现即办 30 分钟内
        "avg_hours": (m["minutes_sum"] / m["hours_n"] / 60) if m.get("hours_n") else None,
        "accepted_on_time_rate": ratio("d_accepted_on_time", "d_accepted"),
        "handled_on_time_rate": ratio("d_handled_on_time", "d_handled"),
    }


def p90_hours(bins: dict[str, int]) -> str | None:
    """The histogram bin (upper bound, working hours) holding the 90th percentile."""
    n = sum(bins.values())
    if not n:
        return None
    rank = -(-9 * n // 10)  # ceil(0.9 n)
    seen = 0
    for edge in [*map(str, facts.HOUR_BINS), facts.INF_BIN]:
        seen += bins.get(edge, 0)
        if seen >= rank:
            return edge
    return facts.INF_BIN


@dataclass
class Dashboard:
    region: Region
    period: Period
    totals: dict = field(default_factory=facts.empty)
    by_dim: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(facts.empty)))
    children: dict = field(default_factory=lambda: defaultdict(facts.empty))  # path -> measures
    grids: dict = field(default_factory=lambda: defaultdict(facts.empty))  # grid path -> measures
    months: dict = field(default_factory=lambda: defaultdict(facts.empty))
    weeks: dict = field(default_factory=lambda: defaultdict(facts.empty))
    overdue: int = 0
    inspections: dict = field(default_factory=dict)

    def take(self, grain, period, level, path, dim, value, measures) -> None:
        """Route one rollup row (or one fact's row) to the tables it feeds."""
        lvl = self.region.level
        if level == lvl and path == self.region.path:
            if dim == "all":
                if grain == "w":
                    facts.add_into(self.weeks[period], measures)
                    return
                facts.add_into(self.totals, measures)
                facts.add_into(self.months[facts.month_start(period)], measures)
            else:
                facts.add_into(self.by_dim[dim][value], measures)
        if grain == "m" and dim == "all":
            if level == lvl + 1:
                facts.add_into(self.children[path], measures)
            if level == 4:
                facts.add_into(self.grids[path], measures)


def dashboard_get(*, user, region: Region, period: Period, with_inspections: bool = True) -> Dashboard:
    """Every number of the dashboard page for `region` (already checked in scope) and `period`."""
    board = Dashboard(region=region, period=period)
    lvl, path = region.level, region.path
    months = period.months
    sums = {m: Sum(m) for m in MEASURES}
    # 1. the region's own rows, from the covering index: the weeks overlapping the period and
    # the whole months (one row each: the key is unique), and each dimension's values summed
    # over the months by PostgreSQL (a district's year is ~2,700 rows, ~230 sums).
    own = CaseRollup.objects.filter(level=lvl, region_path=path).order_by()
    reads = [own.filter(grain="w", dim="all", period__range=(facts.week_start(period.start), period.end))]
    if months is not None:
        reads.append(own.filter(grain="m", dim="all", period__range=months))
    for rows in reads:
        for grain, day, *measures in rows.values_list("grain", "period", *MEASURES):
            board.take(grain, day, lvl, path, "all", "", dict(zip(MEASURES, measures)))
    if months is not None:
        by_value = (
            own.filter(grain="m", dim__in=[d for d in DIMS if d != "all"], period__range=months)
            .values("dim", "value").annotate(**sums).values_list("dim", "value", *MEASURES)
        )
        for dim, value, *measures in by_value:
            board.take("m", months[0], lvl, path, dim, value, dict(zip(MEASURES, measures)))
    if months is not None:
        # 2. the children (and, below a street, the grids are the children).
        below = [lvl + 1] if lvl + 1 >= 4 else [lvl + 1, 4]
        rows = (
            CaseRollup.objects.filter(grain="m", dim="all", level__in=below, region_path__startswith=path, period__range=months)
            .values("level", "region_path").annotate(**sums).order_by().values_list("level", "region_path", *MEASURES)
        )
        # One row per child or grid, and these tables are still empty: set, don't add (a district
        # has 1,200 grids; the partial months below are added to them with take()).
        for level, rpath, *measures in rows:
            m = dict(zip(MEASURES, measures))
            if level == lvl + 1:
                board.children[rpath] = m
            if level == 4:
                board.grids[rpath] = dict(m) if level == lvl + 1 else m
    # 4. the partial months at the ends, from the facts of those days.
    edge_rows = _edge_rows_sql if connection.vendor == "postgresql" else _edge_rows_python
    for first, last in period.edges:
        for row in edge_rows(region, first, last):
            board.take(*row)
    # 5. open cases past their handling deadline now (live; the open cases' partial index by region).
    start, end = period.bounds()
    board.overdue = Case.objects.filter(
        status__in=QUEUE_STATES, handle_deadline__lt=timezone.now(), region_path__startswith=path,
        created_at__gte=start, created_at__lt=end,
    ).count()
    if with_inspections:
        board.inspections = inspections_summary(user=user, region=region, period=period)
    return board


def _edge_rows_python(region: Region, first: dt.date, last: dt.date):
    """Monthly rollup rows (grain, day, level, path, dim, value, measures) of the facts of
    the days first..last under `region`, one case at a time (any database)."""
    for day, fpath, contribution in CaseFact.objects.filter(
        day__range=(first, last), region_path__startswith=region.path, contribution__isnull=False,
    ).values_list("day", "region_path", "contribution").iterator(chunk_size=5000):
        for key, measures in facts.rollup_rows(contribution, day=day, region_path=fpath, min_level=region.level):
            grain, _p, level, rpath, dim, value = key
            if grain == "m":  # weeks come from the weekly rows
                yield grain, day, level, rpath, dim, value, measures


# The same sums in PostgreSQL, from the facts' columns: one GROUP BY GROUPING SETS for the
# region's own months and dimensions, its children and its grids, and one over the
# departments' part (JSON, on the dispatched cases only) — a 30-day view of a district at a
# million cases sums ~10,000 facts in SQL instead of walking them in Python (~450 ms).
# Equal to _edge_rows_python (tested).
_EDGE_MEASURES = tuple(m for m in MEASURES if not m.startswith("d_"))
_EDGE_SQL = """
SELECT GROUPING(month, grid, child, cat, src, hrs, dept), month, grid, child, cat, src, hrs, dept, {sums}
FROM (
    SELECT date_trunc('month', day)::date AS month, CASE WHEN %(grids)s THEN region_path END AS grid,
           CASE WHEN %(children)s THEN array_to_string((string_to_array(region_path, '/'))[1:%(child_parts)s], '/') END AS child,
           cat::text AS cat, src, NULLIF(hrs, '') AS hrs, NULLIF(dept, '') AS dept, {columns}
    FROM dashboard_casefact
    WHERE day BETWEEN %(first)s AND %(last)s AND region_path LIKE %(prefix)s AND contribution IS NOT NULL
) AS f
GROUP BY GROUPING SETS ((month), (grid), (child), (cat), (src), (hrs), (dept))
""".format(sums=", ".join(f"SUM({m})" for m in _EDGE_MEASURES), columns=", ".join(_EDGE_MEASURES))
_EDGE_DEPTS_SQL = """
SELECT d.key, kv.key, SUM(kv.value::bigint)
FROM dashboard_casefact AS f CROSS JOIN LATERAL jsonb_each(f.contribution->'depts') AS d
     CROSS JOIN LATERAL jsonb_each_text(d.value) AS kv
WHERE f.day BETWEEN %(first)s AND %(last)s AND f.region_path LIKE %(prefix)s AND f.dispatched > 0
GROUP BY d.key, kv.key
"""
# GROUPING() is a bit mask over (month, grid, child, cat, src, hrs, dept), 1 = not grouped by.
_EDGE_SETS = {0b0111111: "all", 0b1011111: "grid", 0b1101111: "child", 0b1110111: "cat", 0b1111011: "src",
              0b1111101: "hrs", 0b1111110: "dept"}


def _edge_rows_sql(region: Region, first: dt.date, last: dt.date):
    """What _edge_rows_python yields, summed per destination row by PostgreSQL."""
    lvl = region.level
    params = {
        "first": first, "last": last, "prefix": region.path + "%",  # codes and slashes: nothing to escape
        # grids get their own rows above the village; a village's children are its grids.
        "grids": lvl < 3, "children": lvl < 4, "child_parts": lvl + 1,
    }
    dims = lvl < 4  # a grid's own rows are its totals only, as in facts.rollup_rows
    with transaction.atomic(), connection.cursor() as cur:
        # The planner's guess of 100 keys per jsonb_each makes a cost that switches JIT
        # compilation on: 700 ms of compiling for a statement of a few milliseconds.
        cur.execute("SET LOCAL jit = off")
        cur.execute(_EDGE_SQL, params)
        grouped = cur.fetchall()
        cur.execute(_EDGE_DEPTS_SQL, params)
        departments = cur.fetchall() if dims else []
    by_dept: dict = defaultdict(dict)
    for row in grouped:
        dim = _EDGE_SETS[row[0]]
        value = row[1 + ("all", "grid", "child", "cat", "src", "hrs", "dept").index(dim)]
        measures = {m: int(n) for m, n in zip(_EDGE_MEASURES, row[8:]) if n}
        if value is None or not measures:
            continue
        if dim == "all":
            yield "m", value, lvl, region.path, "all", "", measures
        elif dim == "grid":
            if value.count("/") == 4:  # a case filed on a grid (facts above the grid have no grid row)
                yield "m", first, 4, value, "all", "", measures
        elif dim == "child":
            value += "/"
            if value.count("/") == lvl + 1:
                yield "m", first, lvl + 1, value, "all", "", measures
        elif not dims:
            continue
        elif dim == "hrs":
            yield "m", first, lvl, region.path, "hrs", value, {k: measures.get(k, 0) for k in ("hours_n", "minutes_sum")}
        elif dim == "dept":
            by_dept[value].update(measures)
        else:
            yield "m", first, lvl, region.path, dim, value, measures
    for code, key, n in departments:
        by_dept[code][key] = by_dept[code].get(key, 0) + int(n)
    for code, measures in by_dept.items():
        yield "m", first, lvl, region.path, "dept", code, measures


# --- labels for the tables --------------------------------------------------------------------

@dataclass
class Line:
    """One row of a breakdown table: a label, its measures and rates, and the case-list filter."""

    key: str
    label: str
    m: dict
    filters: dict

    @property
    def r(self) -> dict:
        return rates(self.m)


def region_names(*by_path: dict) -> dict:
    """The regions of the paths keyed in `by_path` (e.g. the children and the top grids), one query."""
    wanted = set().union(*by_path)
    return {r.path: r for r in Region.objects.filter(path__in=list(wanted)).only("code", "name", "path", "level")}


def top_paths(by_path: dict, n: int) -> dict:
    """The `n` paths with the most cases found (then by path), with their measures."""
    shown = [(path, m) for path, m in by_path.items() if m.get("found") or m.get("open")]
    shown.sort(key=lambda item: (-item[1].get("found", 0), item[0]))
    return dict(shown[:n])


def region_lines(paths: dict, regions: dict) -> list[Line]:
    lines = []
    for path, m in paths.items():
        r = regions.get(path)
        if r is None or not m.get("found") and not m.get("open"):
            continue
        lines.append(Line(r.code, r.name, m, {"region": r.code}))
    lines.sort(key=lambda line: (-line.m["found"], line.label))
    return lines


def category_lines(board: Dashboard) -> tuple[list[Line], list[Line]]:
    """(major classes, sub-classes) with their counts, largest first."""
    by_cat = board.by_dim.get("cat", {})
    ids = [int(v) for v in by_cat if v.isdigit()]
    cats = {c.pk: c for c in CaseCategory.objects.filter(pk__in=ids).select_related("parent")}
    subs, majors = [], defaultdict(facts.empty)
    major_obj = {}
    for value, m in by_cat.items():
        c = cats.get(int(value)) if value.isdigit() else None
        if c is None or not m.get("found"):
            continue
        subs.append(Line(c.code, f"{c.code} {c.name}", m, {"category": c.code}))
        if c.parent_id:
            facts.add_into(majors[c.parent_id], m)
            major_obj[c.parent_id] = c.parent
    major_lines = [Line(major_obj[k].code, f"{major_obj[k].code} {major_obj[k].name}", m, {"category": major_obj[k].code}) for k, m in majors.items()]
    subs.sort(key=lambda line: (-line.m["found"], line.key))
    major_lines.sort(key=lambda line: (-line.m["found"], line.key))
    return major_lines, subs


def source_lines(board: Dashboard) -> list[Line]:
    labels = dict(Case.Source.choices)
    lines = [Line(v, str(labels.get(v, v)), m, {"source": v}) for v, m in board.by_dim.get("src", {}).items() if m.get("found")]
    lines.sort(key=lambda line: -line.m["found"])
    return lines


def department_lines(board: Dashboard) -> list[Line]:
    from dispatch.models import Department

    by_dept = board.by_dim.get("dept", {})
    names = dict(Department.objects.filter(code__in=list(by_dept)).values_list("code", "name"))
    lines = [Line(code, names.get(code, code), m, {"department": code}) for code, m in by_dept.items() if any(m.values())]
    lines.sort(key=lambda line: (-line.m["d_received"], line.label))
    return lines


def trend_lines(board: Dashboard, *, grain: str) -> list[Line]:
    data = board.weeks if grain == "w" else board.months
    lines = []
    for period in sorted(data):
        m = data[period]
        if grain == "w":
            last = period + dt.timedelta(days=6)
            label = f"{period:%Y-%m-%d}"
        else:
            last = _next_month(period) - dt.timedelta(days=1)
            label = f"{period:%Y-%m}"
        first, last = max(period, board.period.start), min(last, board.period.end)
        lines.append(Line(label, label, m, {"since": first.isoformat(), "until": last.isoformat()}))
    return lines


def hours_bins(board: Dashboard) -> dict[str, int]:
    return {v: m.get("hours_n", 0) for v, m in board.by_dim.get("hrs", {}).items()}


# --- inspections ------------------------------------------------------------------------------

def inspections_summary(*, user, region: Region, period: Period) -> dict:
    """Inspections, places inspected and the pass rate by department, for the inspections
    submitted in the period under `region` (already checked in scope): the monthly rollup for
    whole months, the per-inspection facts for partial ones and for the distinct places."""
    from dispatch.models import Department

    from .models import InspectionFact, InspectionRollup

    by_dept: dict = defaultdict(lambda: [0, 0])
    months = period.months
    if months is not None:
        for code, passed, failed in (
            InspectionRollup.objects.filter(region_path=region.path, month__range=months)
            .values("department").annotate(p=Sum("passed"), f=Sum("failed")).order_by().values_list("department", "p", "f")
        ):
            by_dept[code][0] += passed
            by_dept[code][1] += failed
    for first, last in period.edges:
        for depts in InspectionFact.objects.filter(day__range=(first, last), region_path__startswith=region.path).values_list("depts", flat=True):
            for code, (passed, failed) in depts.items():
                by_dept[code][0] += passed
                by_dept[code][1] += failed
    totals = InspectionFact.objects.filter(day__range=(period.start, period.end), region_path__startswith=region.path).aggregate(
        n=Count("*"), places=Count("place_id", distinct=True)
    )
    names = dict(Department.objects.filter(code__in=list(by_dept)).values_list("code", "name"))
    departments = []
    for code in sorted(by_dept):
        passed, failed = by_dept[code]
        rate = passed / (passed + failed) if passed + failed else None
        departments.append({"code": code, "name": names.get(code, code), "passed": passed, "failed": failed, "rate": rate,
                            "rate_text": "—" if rate is None else f"{rate * 100:.1f}%"})
    return {"inspections": totals["n"], "places": totals["places"], "departments": departments}


# --- the map -----------------------------------------------------------------------------------

MAP_MEASURES = ("found", "open", "closure_rate", "on_time_rate", "returned")


def grid_values(board: Dashboard, measure: str) -> dict[str, float | None]:
    """{grid path: value} of one measure for the choropleth."""
    out = {}
    for path, m in board.grids.items():
        out[path] = rates(m)[measure] if measure in ("closure_rate", "on_time_rate") else m.get(measure, 0)
    return out


def grid_features(*, region: Region) -> list[dict]:
    """The grids under `region` with their boundaries (the region was checked in scope)."""
    rows = Region.objects.filter(path__startswith=region.path, level=Region.Level.GRID).exclude(boundary=None).values(
        "code", "name", "path", "boundary"
    )
    return list(rows)


def case_points(*, user, region: Region, period: Period, limit: int = 2000) -> list[dict]:
    """The newest cases of the period in the region (scoped), for the map's points."""
    from cases.selectors import case_queryset_for_user  # jurisdiction and need-to-know, as on the case list

    start, end = period.bounds()
    qs = case_queryset_for_user(user=user).filter(region_path__startswith=region.path, created_at__gte=start, created_at__lt=end)
    return list(qs.order_by("-created_at", "-id").values("number", "latitude", "longitude", "status")[:limit])
