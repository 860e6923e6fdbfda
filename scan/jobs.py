"""The recognition job: one per upload (one photo or a village's 200), scans in order."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core.jobs import JobFailed, job_handler

from . import ocr
from .models import Scan, ScanBatch
from .services import ERROR_MESSAGES, JOB_KIND, scan_recognise


@job_handler(JOB_KIND)
def recognise_batch(job, progress):
    """Idempotent: a re-run (after a worker died) skips the scans already recognised."""
    ok, _why = ocr.availability()
    if not ok:
        raise JobFailed(str(ERROR_MESSAGES["ocr_missing"]))
    batch = ScanBatch.objects.filter(pk=(job.params or {}).get("batch")).first()
    if batch is None:
        raise JobFailed(_("The photos of this scan are gone."))
    scans = list(batch.scans.order_by("position", "pk"))
    progress.total(len(scans))
    for scan in scans:
        try:
            scan_recognise(scan=scan)
        except ocr.ScanError as exc:  # OCR disappeared mid-run
            raise JobFailed(str(ERROR_MESSAGES.get(exc.code, ERROR_MESSAGES["unreadable"]))) from exc
        progress.advance(1)
    counts = {s: 0 for s in Scan.Status.values}
    for status in batch.scans.values_list("status", flat=True):
        counts[status] += 1
    if len(scans) == 1:
        scan = scans[0]
        next_url, next_label = reverse("scan:review", args=[scan.uuid]), _("Check and confirm")
    else:
        next_url, next_label = reverse("scan:batch", args=[batch.uuid]), _("Open the review queue")
    message = _("%(ok)s recognised, %(failed)s not readable.") % {"ok": counts["recognised"], "failed": counts["failed"]}
    return {"message": message, "next_url": next_url, "next_label": next_label, "counts": counts}
