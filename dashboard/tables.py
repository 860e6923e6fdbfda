"""The dashboard's tables: one column list per kind of table, shared by the page and the .xlsx."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors

# (key, label, kind): kind "n" a count from the measures, "r" a rate, "h" hours; group: the case-list filter of the count.
CASE_COLUMNS = [
    ("found", gettext_lazy("Found"), "n", {"group": "found"}),
    ("self_handled", gettext_lazy("Handled on discovery"), "n", {"status": "self_handled"}),
    ("dispatched", gettext_lazy("Dispatched"), "n", {"group": "dispatched"}),
    ("closed", gettext_lazy("Closed"), "n", {"status": "closed"}),
    ("open", gettext_lazy("Still open"), "n", {"group": "open"}),
    ("closure_rate", gettext_lazy("Closure rate"), "r", None),
    ("on_time_rate", gettext_lazy("On-time closure rate"), "r", None),
    ("return_rate", gettext_lazy("Return rate"), "r", None),
    ("rework_rate", gettext_lazy("Rework rate"), "r", None),
    ("escalations", gettext_lazy("Escalations"), "n", {"group": "escalated"}),
    ("avg_hours", gettext_lazy("Average handling (working hours)"), "h", None),
]
DEPT_COLUMNS = [
    ("d_received", gettext_lazy("Received"), "n", {}),
    ("d_accepted", gettext_lazy("Accepted"), "n", {}),
    ("accepted_on_time_rate", gettext_lazy("Accepted on time"), "r", None),
    ("d_returned", gettext_lazy("Returned"), "n", None),
    ("d_handled", gettext_lazy("Handled"), "n", {}),
    ("handled_on_time_rate", gettext_lazy("Handled on time"), "r", None),
    ("closed", gettext_lazy("Closed"), "n", {"status": "closed"}),
    ("open", gettext_lazy("Still open"), "n", {"group": "open"}),
]

TABLES = {
    # name: (title, first column label, columns)
    "regions": (gettext_lazy("By area"), gettext_lazy("Area"), CASE_COLUMNS),
    "majors": (gettext_lazy("By major class (大类)"), gettext_lazy("Major class"), CASE_COLUMNS),
    "categories": (gettext_lazy("By sub-class (小类)"), gettext_lazy("Sub-class"), CASE_COLUMNS),
    "departments": (gettext_lazy("By department"), gettext_lazy("Department"), DEPT_COLUMNS),
    "sources": (gettext_lazy("By source"), gettext_lazy("Source"), CASE_COLUMNS),
    "months": (gettext_lazy("Trend by month"), gettext_lazy("Month"), CASE_COLUMNS),
    "weeks": (gettext_lazy("Trend by week"), gettext_lazy("Week from"), CASE_COLUMNS),
    "places": (gettext_lazy("Top places (grids)"), gettext_lazy("Grid"), CASE_COLUMNS),
}
TOP = 10


def build(board: selectors.Dashboard) -> dict[str, list[selectors.Line]]:
    majors, subs = selectors.category_lines(board)
    # Only the top grids are shown (a district has 1,200): their names, not every grid's, are read.
    top_grids = selectors.top_paths(board.grids, TOP) if board.region.level < 3 else {}
    names = selectors.region_names(board.children, top_grids)
    grids = selectors.region_lines(top_grids, names) if board.region.level < 3 else None
    regions = selectors.region_lines(board.children, names)
    return {
        "regions": regions,
        "majors": majors,
        "categories": subs,
        "departments": selectors.department_lines(board),
        "sources": selectors.source_lines(board),
        "months": selectors.trend_lines(board, grain="m"),
        "weeks": selectors.trend_lines(board, grain="w"),
        "places": (grids if grids is not None else regions)[:TOP],
    }


def cell(line: selectors.Line, key: str, kind: str):
    if kind == "n":
        return line.m.get(key, 0)
    value = line.r.get(key)
    if value is None:
        return None
    return round(value, 4) if kind == "r" else round(value, 1)


def xlsx(name: str, lines: list[selectors.Line], *, subtitle: str) -> bytes:
    """One table as an .xlsx (rates as percentages, hours with one decimal)."""
    import xlsxwriter

    title, first, columns = TABLES[name]
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet(str(title)[:31])
    bold = book.add_format({"bold": True})
    pct = book.add_format({"num_format": "0.0%"})
    one = book.add_format({"num_format": "0.0"})
    sheet.write(0, 0, f"{title} · {subtitle}", bold)
    sheet.write_row(2, 0, [str(first), *[str(label) for _k, label, _kind, _f in columns]], bold)
    for i, line in enumerate(lines, start=3):
        sheet.write(i, 0, line.label)
        for j, (key, _label, kind, _f) in enumerate(columns, start=1):
            value = cell(line, key, kind)
            if value is None:
                sheet.write_blank(i, j, None)
            else:
                sheet.write_number(i, j, value, pct if kind == "r" else one if kind == "h" else None)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, len(columns), 12)
    book.close()
    return buf.getvalue()


def headline_xlsx(board: selectors.Dashboard, *, subtitle: str) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet(_("Headline")[:31])
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, subtitle, bold)
    for i, (label, value) in enumerate(headline(board), start=2):
        sheet.write(i, 0, str(label))
        sheet.write(i, 1, "" if value is None else value)
    sheet.set_column(0, 0, 36)
    book.close()
    return buf.getvalue()


def headline(board: selectors.Dashboard) -> list[tuple]:
    m, r = board.totals, selectors.rates(board.totals)
    p90 = selectors.p90_hours(selectors.hours_bins(board))

    def pct(v):
        return None if v is None else round(v * 100, 1)

    insp = board.inspections or {}
    return [
        (_("Found"), m["found"]),
        (_("Handled on discovery"), m["self_handled"]),
        (_("Dispatched"), m["dispatched"]),
        (_("Closed"), m["closed"]),
        (_("Still open"), m["open"]),
        (_("Overdue now"), board.overdue),
        (_("Closure rate (%)"), pct(r["closure_rate"])),
        (_("On-time closure rate (%)"), pct(r["on_time_rate"])),
        (_("Return rate (%)"), pct(r["return_rate"])),
        (_("Rework rate (%)"), pct(r["rework_rate"])),
        (_("Escalations"), m["escalations"]),
        (_("Average handling time (working hours)"), None if r["avg_hours"] is None else round(r["avg_hours"], 1)),
        (_("90th percentile handling time, at most (working hours)"), p90),
        (_("Handled on discovery within 30 minutes (%)"), pct(r["self_fast_rate"])),
        (_("Inspections"), insp.get("inspections")),
        (_("Places inspected"), insp.get("places")),
    ]
