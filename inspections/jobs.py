"""Background jobs of inspections (core/jobs.py): the department's results export.

一次采集、多方利用: a department exports its items across every inspection in its
jurisdiction. With no row cap the export runs as a job: the rows stream from one
server-side cursor into XlsxWriter's constant-memory mode (a 200,000-row export stays
well under 100 MB of worker memory; `manage.py bench` prints the figure), the bar moves
every chunk, and the finished file is downloaded through core's checked view.
"""

from __future__ import annotations

import datetime as dt
import tempfile

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import override

from core.jobs import JobFailed, job_handler
from core.services import audit_record

from . import selectors

EXPORT_KIND = "inspections.department_export"
HEADERS = [
    N_("Submitted at"), N_("Grid"), N_("Place"), N_("Address"), N_("Scene"), N_("Item code"), N_("Item"), N_("Result"),
    N_("Fail reason"), N_("Remark"), N_("Fixed on the spot"), N_("Case number"), N_("Inspector"),
]


def export_params(*, department, filters: dict) -> dict:
    """The view's cleaned filters as JSON for the job (the grid by code, dates as ISO)."""
    params = {"department": department.pk, "filters": {}}
    for key, value in filters.items():
        if key == "grid":
            value = value.code
        elif isinstance(value, dt.date):
            value = value.isoformat()
        params["filters"][key] = value
    return params


def _filters(user, raw: dict) -> dict:
    from grids.selectors import user_grids

    filters = dict(raw)
    if code := filters.get("grid"):
        grid = next((g for g in user_grids(user=user) if g.code == code), None)
        if grid is None:  # the starter lost the grid since: export nothing rather than more
            raise JobFailed(_("The grid of this export is no longer in your jurisdiction."))
        filters["grid"] = grid
    for key in ("date_from", "date_to"):
        if filters.get(key):
            filters[key] = dt.date.fromisoformat(filters[key])
    return filters


@job_handler(EXPORT_KIND)
def department_export(job, progress):
    import xlsxwriter

    from dispatch.models import Department

    user = job.started_by
    if user is None or not user.is_active:
        raise JobFailed(_("The account that started this export is no longer active."))
    user = get_user_model().objects.select_related("profile").get(pk=user.pk)
    department = Department.objects.filter(pk=job.params.get("department")).first()
    if department is None:
        raise JobFailed(_("The department of this export no longer exists."))
    filters = _filters(user, job.params.get("filters", {}))
    qs = selectors.department_answers(user=user, department=department, filters=filters)
    progress.total(qs.order_by().count())
    language = job.params.get("language") or "zh-hans"
    with override(language), tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        workbook = xlsxwriter.Workbook(tmp.name, {"constant_memory": True})
        sheet = workbook.add_worksheet(_("Results"))
        sheet.write_row(0, 0, [_(h) for h in HEADERS], workbook.add_format({"bold": True}))
        ids = []
        n = 0
        for n, (pk, row) in enumerate(selectors.department_export_rows(qs, user=user), start=1):
            sheet.write_row(n, 0, row)
            ids.append(pk)
            if n % 2000 == 0:
                progress.set(n)
        workbook.close()
        progress.set(n, force=True)
        name = f"inspection-results-{department.code}-{timezone.localdate():%Y%m%d}.xlsx"
        progress.save_file(name, tmp.name)
    audit_record(user=user, action="export", object_type="inspections.Answer", object_ids=ids,
                 reason=f"{department.code} {job.params.get('query', '')}"[:255])
    return {"rows": n, "message": _("%(n)s rows exported.") % {"n": n}}
