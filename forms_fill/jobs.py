"""Background jobs of forms_fill: the one-click fill and the master-data import."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import JobFailed, job_handler
from core.services import audit_record

from .fill import DUPLICATE, FILLED, INVALID, NOT_FOUND, check_keys, write_fill
from .imports import ImportFailed, run_import
from .models import FillRun, TableTemplate


@job_handler("forms_fill.fill")
def fill(job, progress):
    """Fill one template for pasted keys or a saved filter; writes the .xlsx and records the fill."""
    params = job.params
    template = TableTemplate.objects.filter(pk=params.get("template")).first()
    if template is None:
        raise JobFailed(_("The template was deleted."))
    user = job.started_by
    if user is None or not user.is_active:
        raise JobFailed(_("The user who started this fill can no longer fill tables."))
    keys = params.get("keys")
    outcomes = None
    valid = None
    if keys is not None:
        valid, outcomes = check_keys(template.entity, keys)
        progress.total(len(valid))
    with tempfile.TemporaryDirectory(prefix="fill-job-") as tmp:
        out = Path(tmp) / "filled.xlsx"
        try:
            counts = write_fill(template=template, user=user, region_path=params.get("region_path") or job.region_path,
                                out=out, keys=valid, outcomes=outcomes, filters=params.get("filters"),
                                on_rows=lambda n: progress.set(n))
        except ValueError as exc:  # a template that cannot be used (TemplateError)
            raise JobFailed(_("The template cannot be filled: %(error)s") % {"error": exc}) from exc
        name = f"{template.name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        progress.save_file(name, out)
    what = (_("%(n)s numbers") % {"n": len(keys)}) if keys is not None else (
        _("filter %(f)s") % {"f": params.get("filters") or {}})
    audit_record(user=user, action="fill", object_type=f"forms_fill.{template.entity}", object_ids=[job.uuid],
                 reason=f"{template.name} · {what} · {counts['rows']} rows")
    FillRun.objects.filter(job_uuid=job.uuid).update(summary={**counts, "filters": params.get("filters")})
    if keys is not None:
        message = _("%(filled)s filled, %(nf)s not found in your jurisdiction, %(inv)s invalid, %(dup)s duplicates.") % {
            "filled": counts[FILLED], "nf": counts[NOT_FOUND], "inv": counts[INVALID], "dup": counts[DUPLICATE]}
    else:
        message = _("%(n)s records filled.") % {"n": counts["rows"]}
    return {**counts, "message": message}


@job_handler("forms_fill.import")
def import_records(job, progress):
    """Check the uploaded file and upsert its rows (all or nothing); the report stays on the run."""
    run = FillRun.objects.filter(pk=job.params.get("run")).first()
    if run is None or not run.upload:
        raise JobFailed(_("The uploaded file is gone; upload it again."))
    user = job.started_by

    def on_progress(done, total):
        if total is not None and progress.job.progress_total != total:
            progress.total(total)
        progress.set(done)

    with tempfile.TemporaryDirectory(prefix="import-job-") as tmp:
        local = Path(tmp) / Path(run.upload.name).name
        with run.upload.open("rb") as src, open(local, "wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                dst.write(chunk)
        try:
            report = run_import(entity=run.entity, path=str(local), name=run.upload.name, user=user,
                                source=run.source, region_path=run.region_path, on_progress=on_progress)
        except ImportFailed as exc:
            run.summary = {"ok": False, "fatal": str(exc)}
            run.save(update_fields=["summary"])
            raise JobFailed(str(exc)) from exc
    run.summary = report.as_dict()
    run.key_count = report.rows
    run.save(update_fields=["summary", "key_count"])
    if report.ok:
        message = _("%(rows)s rows: %(created)s added, %(updated)s updated, %(same)s unchanged.") % {
            "rows": report.rows, "created": report.created, "updated": report.updated, "same": report.unchanged}
    elif report.missing_columns:
        message = _("Nothing imported: the file lacks the columns %(cols)s.") % {"cols": "、".join(report.missing_columns)}
    else:
        message = _("Nothing imported: %(n)s rows have problems (see the report).") % {"n": report.problem_rows}
    return {"ok": report.ok, "message": message, "next_url": reverse("forms_fill:import_detail", args=[run.pk]),
            "next_label": _("See the report")}
