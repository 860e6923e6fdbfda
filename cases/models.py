"""Cases (事件/案件): categories, the case, its immutable timeline and its evidence.

The state machine lives in cases/workflow.py (one transition table); the
services in cases/services.py are the only writers.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import refdata
from core.models import TimeStampedModel

from .states import CaseStatus
from .workflow import EVENT_LABELS, STATUS_COLOURS, TERMINAL_STATES


class Urgency(models.TextChoices):
    LOW = "low", _("Low")  # 一般
    NORMAL = "normal", _("Normal")  # 普通
    URGENT = "urgent", _("Urgent")  # 紧急
    CRITICAL = "critical", _("Critical")  # 特急


class Tier(models.IntegerChoices):
    """Handling tier; the numbers match Region.Level so a tier maps onto the region tree."""

    DISTRICT = 1, _("District")  # 区
    STREET = 2, _("Street / town")  # 镇街
    VILLAGE = 3, _("Village / community")  # 村居
    GRID = 4, _("Grid")  # 网格


# The per-process set of case categories (core/refdata.py): the report form reads it instead of
# querying the categories on every request. Saves and deletes bump it (cases/apps.py tracks the
# model); the writes that skip the model signals bump it in CaseCategoryQuerySet.
CATEGORIES_REFDATA = "categories"


class CaseCategoryQuerySet(models.QuerySet):
    """Bulk writes (``update``, ``bulk_update``, ``bulk_create``) send no model signals, so they
    bump the categories' stamp themselves: a category retired with ``.update(is_active=False)``
    is gone from every process's report form at the next request."""

    def update(self, **kwargs):  # bulk_update() ends here too
        count = super().update(**kwargs)
        if count:
            refdata.bump(CATEGORIES_REFDATA)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            refdata.bump(CATEGORIES_REFDATA)
        return created


class CaseCategory(TimeStampedModel):
    """事件分类: 大类 (two-digit code, no parent) and 小类 (four-digit code under a 大类)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=64)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="subcategories", verbose_name=_("major class")
    )
    on_discovery = models.BooleanField(_("handled on discovery"), default=False)  # 发现即办
    default_urgency = models.CharField(_("default urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    phrases = models.JSONField(_("description phrases"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = CaseCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_major(self) -> bool:
        return self.parent_id is None


class Case(TimeStampedModel):
    Status = CaseStatus  # cases/states.py (the workflow reads it without importing this module)

    class Source(models.TextChoices):
        # Context "case source": "Grid worker" is also a role name, translated differently.
        GRID_WORKER = "grid_worker", pgettext_lazy("case source", "Grid worker")  # 网格员上报
        INSPECTION = "inspection", pgettext_lazy("case source", "Inspection")  # 巡查发现
        VOLUNTEER = "volunteer", pgettext_lazy("case source", "Volunteer")  # 兼职网格员
        PUBLIC_QR = "public_qr", _("Public QR code")  # 群众扫码
        OPEN_API = "open_api", _("Open API")  # 开放接口
        HOTLINE = "hotline", _("Hotline (entered by staff)")  # 12345 热线

    # Every scoped queryset filters on this (grids.scoping.scope).
    SCOPE_PATH_FIELD = "region_path"

    number = models.CharField(_("case number"), max_length=32, unique=True)
    client_uuid = models.UUIDField(_("submission id"), unique=True, default=uuid.uuid4, editable=False)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.GRID_WORKER)
    category = models.ForeignKey(CaseCategory, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category"))
    description = models.TextField(_("description"))
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    # Location: the grid resolved from boundaries, and its path denormalised for scoping.
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid = models.ForeignKey("grids.Region", on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid"))
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    # Who reported it: a staff user, or a named volunteer / member of the public.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="reported_cases", verbose_name=_("reporter")
    )
    reporter_name = models.CharField(_("reporter name"), max_length=32, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    place_name = models.CharField(_("place / enterprise"), max_length=100, blank=True)
    # Routing (set by dispatch on registration; tier moves up on escalation).
    tier = models.PositiveSmallIntegerField(_("handling tier"), choices=Tier.choices, null=True, blank=True)
    department = models.ForeignKey(
        "dispatch.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("department")
    )
    accept_deadline = models.DateTimeField(_("acceptance deadline"), null=True, blank=True)
    handle_deadline = models.DateTimeField(_("handling deadline"), null=True, blank=True)
    deadline_warned_at = models.DateTimeField(_("deadline warning sent"), null=True, blank=True)
    escalation_count = models.PositiveSmallIntegerField(_("escalations"), default=0)
    # Milestones.
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    self_handle_overdue = models.BooleanField(_("on-the-spot handling took too long"), default=False)
    location_flag = models.CharField(_("location note"), max_length=100, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name=_("merged into")
    )
    # Optimistic concurrency: every transition bumps it; a stale form gets a conflict message.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region_path"], name="case_region_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "tier", "handle_deadline"], name="case_queue_idx"),
            models.Index(fields=["department", "status"], name="case_department_idx"),
            models.Index(fields=["-created_at", "-id"], name="case_recent_idx"),
            models.Index(fields=["category", "status", "latitude"], name="case_nearby_idx"),
            # The newest cases of one category (Open311's service_code filter, the case list's).
            models.Index(fields=["category", "-created_at", "-id"], name="case_category_recent_idx"),
            models.Index(fields=["reporter", "-created_at"], name="case_reporter_idx"),
            # The dispatcher workbench (dispatch.selectors.dispatcher_queue): open cases at one
            # tier, ordered by (handle_deadline, id) with keyset pagination. Partial, so closed
            # cases (the bulk of a million) are not in it. Added by the dispatch capability.
            models.Index(
                fields=["tier", "handle_deadline", "id"],
                name="case_dispatch_queue_idx",
                condition=models.Q(status__in=["registered", "returned", "dispatched", "accepted", "handled", "verified"]),
            ),
            # The open cases of a region by deadline: the dashboard's "overdue now" (a path prefix
            # and deadline < now, read from the index alone) at a million cases.
            models.Index(
                fields=["region_path", "handle_deadline"],
                name="case_open_region_idx",
                opclasses=["varchar_pattern_ops", ""],
                include=["created_at"],
                condition=models.Q(status__in=["registered", "returned", "dispatched", "accepted", "handled", "verified"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="case_location_valid",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL_STATES

    @property
    def status_colour(self) -> str:
        """The badge colour of the status (presentation only; see workflow.STATUS_COLOURS)."""
        return STATUS_COLOURS.get(self.status, "")


class CaseEvent(models.Model):
    """One immutable step on a case's timeline (no updates, no deletes)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    actor_label = models.CharField(_("actor"), max_length=64, blank=True)  # 系统 / volunteer name
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_idx")]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self) -> str:
        return EVENT_LABELS.get(self.action, self.action)

    @property
    def from_label(self) -> str:
        return Case.Status(self.from_status).label if self.from_status in Case.Status.values else self.from_status

    @property
    def to_label(self) -> str:
        return Case.Status(self.to_status).label if self.to_status in Case.Status.values else self.to_status


def evidence_path(instance, filename):
    return f"evidence/{instance.case.created_at:%Y/%m}/{instance.case.number}/{filename}"


class EvidenceMetadata(TimeStampedModel):
    """What cases.evidence reads from a checked photo or video, shared by every evidence file
    (case attachments, inspection photos)."""

    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    latitude = models.FloatField(_("photo latitude"), null=True, blank=True)
    longitude = models.FloatField(_("photo longitude"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)

    class Meta:
        abstract = True


class CaseAttachment(EvidenceMetadata):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    class Stage(models.TextChoices):
        REPORT = "report", _("At report")  # 上报
        BEFORE = "before", _("Before handling")  # 处置前
        AFTER = "after", _("After handling")  # 处置后
        HANDLING = "handling", _("Handling result")  # 处置结果
        VERIFICATION = "verification", _("Verification")  # 核查

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case"))
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.REPORT)
    file = models.FileField(_("file"), upload_to=evidence_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=evidence_path, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage", "sha256"], name="attachment_unique_per_case_stage"),
        ]


def pending_path(instance, filename):
    return f"pending/{instance.form_uuid}/{filename}"


class PendingUpload(models.Model):
    """A photo/video uploaded while a form is still being filled in (待提交附件).

    The phone uploads each photo as soon as it is taken, keyed by the form's
    client UUID, so a bad submit or a flaky network loses nothing; the final
    submit attaches the pending uploads to the case and deletes them. Files are
    stored already checked and re-encoded (cases.evidence). Stale ones are
    swept by a periodic task (config/schedules.py).
    """

    class Slot(models.TextChoices):
        REPORT = "report", _("At report")  # 上报照片
        AFTER = "after", _("After handling")  # 处置后照片 (发现即办)
        ACTION = "action", _("With an action")  # 办理/核查照片

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    form_uuid = models.UUIDField(_("form id"))
    slot = models.CharField(_("slot"), max_length=8, choices=Slot.choices, default=Slot.REPORT)
    kind = models.CharField(_("kind"), max_length=8, choices=CaseAttachment.Kind.choices)
    original_name = models.CharField(_("file name"), max_length=120, blank=True)
    file = models.FileField(_("file"), upload_to=pending_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=pending_path, blank=True)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["user", "form_uuid"], name="pending_upload_form_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "form_uuid", "slot", "sha256"], name="pending_upload_unique"),
        ]

    def __str__(self):
        return f"{self.form_uuid} {self.slot} {self.original_name}"


class DailyCounter(models.Model):
    """Per-day sequence for human-readable case numbers (440604-20261127-00042)."""

    key = models.CharField(max_length=32, unique=True)
    value = models.PositiveIntegerField(default=0)
