"""Shared building blocks: the timestamped base model and the audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class Notification(models.Model):
    """One message in a user's inbox (站内消息), from any app (core/inbox.py: notify)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    # The sending app's word for it, e.g. "dispatched", "verify_needed", "credit.rescored";
    # drives the badge colour only. What the user reads is the title and the body.
    kind = models.CharField(_("kind"), max_length=40, default="other")
    title = models.CharField(_("title"), max_length=120)
    body = models.CharField(_("text"), max_length=1000, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)  # a path of this site, opened on click
    # What the message is about, as "<what>:<key>" (e.g. "case:440604-20261130-0001"), for the
    # sending app to find its messages again; never shown.
    about = models.CharField(_("about"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email = models.OneToOneField(
        "core.OutboxEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="notification", verbose_name=_("email")
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="core_inbox_idx"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="core_inbox_unread_idx"),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.kind} {self.title}"


class OutboxEmail(models.Model):
    """An e-mail to send (the outbox): written in the transaction of the action that causes it,
    sent by a task after commit, re-sent by the sweep (core/outbox.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Email queued")
        SENDING = "sending", _("Email being sent")
        SENT = "sent", _("Email sent")
        FAILED = "failed", _("Email failed")

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)  # first queued, or re-queued
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outbox")
        indexes = [
            models.Index(fields=["status", "queued_at"], condition=models.Q(status__in=["queued", "sending"]), name="core_outbox_pending_idx"),
        ]

    def __str__(self):
        return f"{self.to} {self.subject} ({self.status})"


class RefDataVersion(models.Model):
    """The version stamp of one set of reference data (core/refdata.py): bumped in the
    transaction that changes the data, read once per request by every process."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    version = models.BigIntegerField(_("version"), default=0)  # random, replaced at each change

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")

    def __str__(self):
        return f"{self.name} v{self.version}"
