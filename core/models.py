"""Shared building blocks: the timestamped base model and the audit log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """Who did what to which records, and why (PIPL: reveal, export, fill)."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Reveal sensitive data")
        EXPORT = "export", _("Export")
        FILL = "fill", _("One-click fill")
        GRANT = "grant", _("Grant jurisdiction")
        REVOKE = "revoke", _("Revoke jurisdiction")
        LOGIN = "login", _("Log in")
        DOWNLOAD = "download", _("Download")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    object_ids = models.JSONField(_("objects"), default=list)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}"


def _job_result_path(job: "Job", filename: str) -> str:
    # One folder per job: a re-run (after a worker died) overwrites its own file, never another's.
    return f"jobs/{job.uuid}/{filename}"


class Job(models.Model):
    """One background task a user started or waits for (fill, export, import, OCR, rescoring …).

    The row is the truth; the broker only carries the wake-up. See ``core/jobs.py``
    for the life cycle: pending → running → done | failed, claimed by a conditional
    UPDATE, swept back to pending when left unclaimed or when its heartbeat stops.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(_("public id"), unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    label = models.CharField(_("title"), max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs",
        verbose_name=_("started by"),
    )
    # The region path the job runs under: its results are visible only to users whose
    # jurisdiction covers it (core.jurisdiction, i.e. grids.scoping).
    region_path = models.CharField(_("region path"), max_length=255, blank=True, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    progress_done = models.BigIntegerField(_("done"), default=0)
    progress_total = models.BigIntegerField(_("total"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to=_job_result_path, max_length=255, blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    # Downloads of a result holding personal data are written to the audit log (PIPL).
    sensitive = models.BooleanField(_("holds personal data"), default=False)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="core_job_status_heartbeat"),
            models.Index(fields=["started_by", "-created_at"], name="core_job_starter_created"),
        ]

    def __str__(self):
        return f"{self.label or self.kind} ({self.get_status_display()})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("core:job_detail", args=[self.uuid])

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return max(0, min(100, int(self.progress_done * 100 / self.progress_total)))
