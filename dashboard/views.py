"""Dashboard (数读) views: HTTP only — the numbers come from dashboard.selectors."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.decorators import role_required
from core.roles import AD, ALL, DO, SO, VS
from grids.models import Region

from . import rollup, selectors, tables
from .forms import DashboardFilterForm
from .models import MapOverlay

DASHBOARD_ROLES = (VS, SO, DO, AD)  # grid workers and department staff have their own workbenches
REQUEST_REFRESH = 500  # cases recomputed at most per page view; the beat task does the rest

# Labels of the case list's dashboard filters (cases/forms.py), translated in this app's catalogue.
_CASE_LIST_LABELS = (gettext_lazy("Reported from"), gettext_lazy("Reported to"))


def _board(request):
    form = DashboardFilterForm(request.GET or None)
    request.dashboard_tops = selectors.dashboard_regions(user=request.user)
    region = selectors.dashboard_region(user=request.user, code=request.GET.get("region", "")[:15], tops=request.dashboard_tops)
    period = form.period_value()
    _done, lagging = rollup.refresh_step(limit=REQUEST_REFRESH, inspections=False)
    request.dashboard_lagging = lagging
    return form, region, period


def _fmt(value, kind):
    if value is None:
        return "—"
    if kind == "r":
        return f"{value * 100:.1f}%"
    if kind == "h":
        return f"{value:.1f}"
    return f"{value:,}"


def _rows(lines, columns, base: dict):
    """Table rows with their links; query strings are joined, not re-encoded per cell (a later
    parameter wins over an earlier one of the same name in the case list's form)."""
    list_url = reverse("cases:list")
    base_qs = urlencode(base)
    col_qs = [None if group is None else urlencode(group) for _k, _label, _kind, group in columns]
    out = []
    for line in lines:
        line_url = f"{list_url}?{base_qs}&{urlencode(line.filters)}"
        cells = []
        for (key, _label, kind, _group), qs in zip(columns, col_qs):
            value = tables.cell(line, key, kind)
            cells.append((_fmt(value, kind), (f"{line_url}&{qs}" if qs else line_url) if qs is not None and value else ""))
        out.append({"label": line.label, "url": line_url, "cells": cells})
    return out


# Rows shown on the page per table (the .xlsx has them all).
PAGE_ROWS = {"categories": 15, "departments": 20, "weeks": 0}  # a district has ~120 departments: the busiest on the page


@require_GET
@role_required(*DASHBOARD_ROLES)
def dashboard(request):
    """The numbers of one region and period: headline, breakdowns, trend, map."""
    form, region, period = _board(request)
    board = selectors.dashboard_get(user=request.user, region=region, period=period)
    base = {"since": period.start.isoformat(), "until": period.end.isoformat(), "region": region.code}
    built = tables.build(board)
    sections = []
    for name, lines in built.items():
        title, first, columns = tables.TABLES[name]
        shown = lines[: PAGE_ROWS.get(name, len(lines))]
        sections.append({
            "name": name, "title": title, "first": first, "columns": [label for _k, label, _kind, _g in columns],
            "rows": _rows(shown, columns, base), "more": len(lines) - len(shown),
        })
    m, r = board.totals, selectors.rates(board.totals)
    list_url = reverse("cases:list")

    def link(**extra):
        return f"{list_url}?{urlencode({**base, **extra})}"

    headline = [
        (_("Found"), _fmt(m["found"], "n"), link(group="found")),
        (_("Handled on discovery"), _fmt(m["self_handled"], "n"), link(status="self_handled")),
        (_("Dispatched"), _fmt(m["dispatched"], "n"), link(group="dispatched")),
        (_("Closed"), _fmt(m["closed"], "n"), link(status="closed")),
        (_("Still open"), _fmt(m["open"], "n"), link(group="open")),
        (_("Overdue now"), _fmt(board.overdue, "n"), link(group="overdue")),
    ]
    p90 = selectors.p90_hours(selectors.hours_bins(board))
    rates_line = [
        (_("Closure rate"), _fmt(r["closure_rate"], "r"), _("closed and handled on discovery, of found")),
        (_("On-time closure rate"), _fmt(r["on_time_rate"], "r"), _("closed by the deadline (working time)")),
        (_("Return rate"), _fmt(r["return_rate"], "r"), _("returned by a department, of dispatched")),
        (_("Rework rate"), _fmt(r["rework_rate"], "r"), _("failed verification or reopened, of dispatched")),
        (_("Escalations"), _fmt(m["escalations"], "n"), ""),
        (_("Average handling"), _fmt(r["avg_hours"], "h"), _("working hours, dispatch to close")),
        (_("90% handled within"), "—" if p90 is None else (_("over %(h)s h") % {"h": 140} if p90 == "inf" else _("%(h)s h") % {"h": p90}), _("working hours")),
        (_("On discovery within 30 min"), _fmt(r["self_fast_rate"], "r"), _("of cases handled on discovery")),
    ]
    chart = {
        "months": [{"label": f"{k:%Y-%m}", "found": v["found"], "closed": v["closed"] + v["self_handled"]} for k, v in sorted(board.months.items())],
        "weeks": [{"label": f"{k:%m-%d}", "found": v["found"], "closed": v["closed"] + v["self_handled"]} for k, v in sorted(board.weeks.items())],
        "labels": {"found": _("Found"), "closed": _("Closed or handled on discovery")},
    }
    return render(request, "dashboard/dashboard.html", {
        "form": form, "region": region, "period": period, "regions": _region_choices(request.user, region, request.dashboard_tops),
        "headline": headline, "rates": rates_line, "sections": sections, "chart": chart, "board": board,
        "query": request.GET.urlencode(), "lagging": request.dashboard_lagging,
        "measure": form.measure_value(),
    })


def _region_choices(user, current: Region, tops=None):
    """The regions the user may pick (their top regions, the streets and villages below)."""
    tops = tops if tops is not None else selectors.dashboard_regions(user=user)
    from django.db.models import Q
    from functools import reduce
    from operator import or_

    if not tops:
        return [(current.code, current.name)]
    q = reduce(or_, (Q(path__startswith=t.path) for t in tops))
    rows = Region.objects.filter(q, level__lte=Region.Level.VILLAGE).order_by("path").values_list("code", "name", "level")[:2000]
    return [(code, "\u3000" * (level - 1) + name) for code, name, level in rows]


@require_GET
@role_required(*DASHBOARD_ROLES)
def export(request, table: str):
    """One table (or the headline) as .xlsx, for the same region and period as the page."""
    if table not in tables.TABLES and table != "headline":
        raise Http404(_("No such table."))
    _form, region, period = _board(request)
    board = selectors.dashboard_get(user=request.user, region=region, period=period, with_inspections=table == "headline")
    subtitle = f"{region.name} {period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"
    if table == "headline":
        content = tables.headline_xlsx(board, subtitle=subtitle)
    else:
        content = tables.xlsx(table, tables.build(board)[table], subtitle=subtitle)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{table}-{region.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"'
    return response


@require_GET
@role_required(*DASHBOARD_ROLES)
def map_data(request):
    """The choropleth's grids with one measure, and the period's newest case points (JSON)."""
    form, region, period = _board(request)
    measure = form.measure_value()
    board = selectors.dashboard_get(user=request.user, region=region, period=period, with_inspections=False)
    values = selectors.grid_values(board, measure)
    list_url = reverse("cases:list")
    base = {"since": period.start.isoformat(), "until": period.end.isoformat()}
    features = []
    for g in selectors.grid_features(region=region):
        features.append({
            "type": "Feature", "geometry": g["boundary"],
            "properties": {
                "code": g["code"], "name": g["name"], "value": values.get(g["path"]),
                "url": f"{list_url}?{urlencode({**base, 'region': g['code']})}",
            },
        })
    points = [
        {"n": p["number"], "lat": p["latitude"], "lng": p["longitude"], "s": p["status"],
         "url": reverse("cases:detail", args=[p["number"]])}
        for p in selectors.case_points(user=request.user, region=region, period=period)
    ]
    return JsonResponse({
        "measure": measure, "rate": measure in ("closure_rate", "on_time_rate"),
        "grids": {"type": "FeatureCollection", "features": features}, "points": points,
    })


@require_GET
@role_required(*ALL)
def overlay(request, pk: int):
    """One offline base-layer overlay (roads, buildings, rivers …) as GeoJSON, for every map."""
    layer = get_object_or_404(MapOverlay, pk=pk, is_active=True)
    response = JsonResponse(layer.geojson, safe=False)
    response["Cache-Control"] = "private, max-age=3600"
    return response
