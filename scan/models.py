"""Scans (扫一扫): the stored photo, what OCR read, what a person confirmed, and where it went.

* ``ScanBatch`` — one upload (one photo from a phone, or 200 ID cards from a village desk),
  run by one ``core.Job``; the review queue of a batch is its scans.
* ``Scan`` — one photo: the clean re-encoded JPEG (``cases.evidence.process_image``: checked
  by content, EXIF/GPS stripped), the recognition (values with a confidence each), and after
  review the confirmed values.
* ``ScanLink`` — where a scan was saved or attached: a person, an enterprise, a case or an
  inspection. A generic (kind, id) pair rather than foreign keys, so this app's migrations
  do not depend on apps being built at the same time; the linking services check that the
  target exists and lies in the user's jurisdiction.

Every row carries ``region_path`` and reaches users only through ``grids.scoping.scope``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Kind(models.TextChoices):
    ID_CARD = "id_card", _("ID card (front)")  # 居民身份证 (人像面)
    LICENCE = "licence", _("Business licence")  # 营业执照
    DOCUMENT = "document", _("Document or form")  # 文档 / 表格


def scan_path(scan: "Scan", filename: str) -> str:
    # Never the uploader's file name: the uuid (fanned out by its first two characters).
    return f"scan/{str(scan.uuid)[:2]}/{scan.uuid}.jpg"


class ScanBatch(TimeStampedModel):
    """One upload of one or many photos, recognised by one background job."""

    SCOPE_PATH_FIELD = "region_path"

    uuid = models.UUIDField(_("public id"), unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    region_path = models.CharField(_("region path"), max_length=255)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("job"))
    count = models.PositiveIntegerField(_("photos"), default=0)
    # Where the scans should go once confirmed, when the scan was started from that page:
    # {"kind": "case"|"inspection"|"enterprise"|"person", "id": "...", "label": "..."}.
    attach_to = models.JSONField(_("attach to"), default=dict, blank=True)

    class Meta:
        verbose_name = _("scan batch")
        verbose_name_plural = _("scan batches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region_path"], name="scanbatch_region_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return f"{self.get_kind_display()} × {self.count}"

    def get_absolute_url(self):
        return reverse("scan:batch", args=[self.uuid])


class Scan(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for recognition")
        RECOGNISED = "recognised", _("To confirm")
        FAILED = "failed", _("Not readable")
        CONFIRMED = "confirmed", _("Confirmed")
        DISCARDED = "discarded", _("Discarded")

    SCOPE_PATH_FIELD = "region_path"

    uuid = models.UUIDField(_("public id"), unique=True, default=uuid.uuid4, editable=False)
    batch = models.ForeignKey(ScanBatch, on_delete=models.CASCADE, related_name="scans", verbose_name=_("batch"))
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    image = models.FileField(_("photo"), upload_to=scan_path, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    region_path = models.CharField(_("region path"), max_length=255)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    # {"fields": {key: {"value", "confidence", "valid", "corrected"}}, "warnings": [...]}
    recognition = models.JSONField(_("recognition"), default=dict, blank=True)
    text = models.TextField(_("recognised text"), blank=True)  # searchable
    error = models.CharField(_("error"), max_length=300, blank=True)  # shown to the user
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    confirmed_values = models.JSONField(_("confirmed values"), default=dict, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("confirmed by")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["batch_id", "position", "id"]
        indexes = [models.Index(fields=["region_path"], name="scan_region_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.uuid}"

    def get_absolute_url(self):
        return reverse("scan:review", args=[self.uuid])

    def field_value(self, key: str) -> str:
        return ((self.recognition or {}).get("fields", {}).get(key) or {}).get("value", "")


class ScanLink(models.Model):
    """A scan saved into / attached to a record, with the values that went there."""

    class Target(models.TextChoices):
        PERSON = "person", _("Person")
        ENTERPRISE = "enterprise", _("Enterprise")
        CASE = "case", _("Case")
        INSPECTION = "inspection", _("Inspection")

    SCOPE_PATH_FIELD = "region_path"

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="links", verbose_name=_("scan"))
    target = models.CharField(_("saved to"), max_length=16, choices=Target.choices)
    object_id = models.CharField(_("record"), max_length=64)  # pk, case number or inspection uuid
    label = models.CharField(_("label"), max_length=200, blank=True)
    fields = models.JSONField(_("fields written"), default=list, blank=True)
    region_path = models.CharField(_("region path"), max_length=255)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    linked_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scan link")
        verbose_name_plural = _("scan links")
        constraints = [models.UniqueConstraint(fields=["scan", "target", "object_id"], name="scanlink_unique")]
        indexes = [models.Index(fields=["target", "object_id"], name="scanlink_target_idx")]

    def __str__(self):
        return f"{self.scan_id} → {self.target}:{self.object_id}"
