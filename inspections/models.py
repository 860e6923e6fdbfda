"""Inspections (一表巡): the unified checklist, its versions and scenes, places, inspections and answers.

The checklist is data, published as versions (``ChecklistVersion``). A published
version never changes (inspections.services refuses, the admin is read-only);
a change is a new draft copied from it, edited, then published — the previous
version is retired. Answers point at the *versioned* item row, so a past
inspection keeps showing the wording it was answered against and a retired item
stays readable.

Bulk inserts (benchmark, demo backfill) — the columns to fill, beyond the obvious:

* ``Inspection``: ``client_uuid`` (unique), ``place``, ``scene``, ``version``,
  ``inspector``, ``grid`` and ``region_path`` (= ``grid.path``), ``status``
  ("submitted"), ``started_at``, ``submitted_at``, ``pass_count`` /
  ``fail_count`` / ``na_count`` (the answers' tallies), ``draft`` = ``{}``.
* ``Answer``: ``inspection``, ``item``, ``result``, and the denormalised
  ``department`` (= ``item.department_id``), ``region_path`` (=
  ``inspection.region_path``) and ``submitted_at`` (= ``inspection.submitted_at``)
  that the department view filters on without joins.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from cases.models import EvidenceMetadata


class ChecklistVersion(TimeStampedModel):
    """One published (or draft, or retired) edition of the unified checklist (一表巡 巡查表版本)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # 草稿
        PUBLISHED = "published", _("Published")  # 已发布
        RETIRED = "retired", _("Retired")  # 已停用

    FORM_ID = "ecogrid_checklist"  # XLSForm settings.form_id of every version

    label = models.CharField(_("version"), max_length=32, unique=True)  # e.g. 2022.1
    title = models.CharField(_("title"), max_length=100)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("copied from")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one version is in use at a time; publishing retires the previous one.
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="published"), name="checklist_one_published"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="checklist_published_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.title} {self.label}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Severity(models.TextChoices):
    LOW = "low", _("Low")  # 一般
    MEDIUM = "medium", _("Medium")  # 较重
    HIGH = "high", _("High")  # 严重


class ChecklistItem(models.Model):
    """One check (巡查事项) of one version: who owns it, what a failure raises, how to judge it."""

    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("version"))
    code = models.CharField(_("code"), max_length=32)  # XF-001; stable across versions
    department = models.ForeignKey(
        "dispatch.Department", on_delete=models.PROTECT, related_name="checklist_items", verbose_name=_("department")
    )
    category = models.ForeignKey(
        "cases.CaseCategory", on_delete=models.PROTECT, related_name="checklist_items", verbose_name=_("case category raised")
    )
    title = models.CharField(_("check"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True)  # XLSForm hint
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    legal_basis = models.TextField(_("legal basis"), blank=True)  # 法律依据
    fail_reasons = models.JSONField(_("fail reasons"), default=list, blank=True)
    photo_required_on_fail = models.BooleanField(_("photo required on failure"), default=True)
    on_discovery = models.BooleanField(_("handled on discovery"), default=False)  # 发现即办
    required = models.BooleanField(_("answer required"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="checklist_item_code_unique")]

    def __str__(self):
        return f"{self.code} {self.title}"


class PlaceType(models.TextChoices):
    """What a place is; the published version's scene for the type is the form used (场景化表单)."""

    RESTAURANT = "restaurant", _("Restaurant")  # 餐饮店
    SHOP = "shop", _("Shop")  # 商铺门店
    SUPERMARKET = "supermarket", _("Supermarket")  # 超市
    FARMERS_MARKET = "farmers_market", _("Farmers' market")  # 农贸市场
    CONSTRUCTION_SITE = "construction_site", _("Construction site")  # 建筑工地
    FACTORY = "factory", _("Factory")  # 工厂
    WAREHOUSE = "warehouse", _("Warehouse")  # 仓库
    RENTAL_HOUSING = "rental_housing", _("Rental housing")  # 出租屋
    RESIDENTIAL_COMPOUND = "residential_compound", _("Residential compound")  # 住宅小区
    HOTEL = "hotel", _("Hotel / guesthouse")  # 旅馆
    STREET = "street", _("Street")  # 街面
    PUBLIC_SPACE = "public_space", _("Public space")  # 公共空间
    OTHER = "other", _("Other")  # 其他


class Scene(models.Model):
    """场景化表单: the subset of a version's items asked at one kind of place.

    Scenes belong to a version, like the items they hold, so a published form
    (items *and* scenes) never changes; an officer composes a scene on a draft.
    """

    class Kind(models.TextChoices):
        # The full form asked at its place types (the default when a type has no short list).
        TYPE = "type", _("Full list")  # 完整表
        # A short list (≈20 items, the most serious first) for its place types: the default start.
        SHORT = "short", _("Short list")  # 短表
        # 综合巡查: every item of the version, offered at every place (and the form of its place types).
        ALL = "all", _("Comprehensive (all items)")  # 综合巡查

    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="scenes", verbose_name=_("version"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TYPE)
    place_types = models.JSONField(_("place types"), default=list, blank=True)
    items = models.ManyToManyField(ChecklistItem, related_name="scenes", blank=True, verbose_name=_("items"))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("scene")
        verbose_name_plural = _("scenes")
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="scene_code_unique")]

    def __str__(self):
        return self.name


class Place(TimeStampedModel):
    """A shop, site or free location in a grid that gets inspected (巡查对象)."""

    SCOPE_PATH_FIELD = "region_path"

    name = models.CharField(_("name"), max_length=100)
    place_type = models.CharField(_("place type"), max_length=24, choices=PlaceType.choices, default=PlaceType.OTHER)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    grid = models.ForeignKey("grids.Region", on_delete=models.PROTECT, related_name="places", verbose_name=_("grid"))
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    # Optional link to the enterprise registry (统一社会信用代码); the credit capability adds the registry.
    enterprise_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    is_free_location = models.BooleanField(_("free location"), default=False)  # 自由点位 (not a registered business)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["region_path"], name="place_region_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name


def photo_path(instance, filename):
    return f"inspections/{instance.inspection.client_uuid}/{filename}"


class Inspection(TimeStampedModel):
    """One visit to a place with one scene of one checklist version.

    ``draft`` holds the answers while the worker goes (keyed by item code); on
    submit they become ``Answer`` rows in one batched insert.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # 草稿
        SUBMITTED = "submitted", _("Submitted")  # 已提交

    class LocationFlag(models.TextChoices):
        NONE = "", _("At the place")  # 位置正常
        FAR = "far", _("Far outside the grid")  # 远离网格
        MISSING = "missing", _("No location from the device")  # 未获取定位

    SCOPE_PATH_FIELD = "region_path"

    client_uuid = models.UUIDField(_("submission id"), unique=True, default=uuid.uuid4)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("place"))
    scene = models.ForeignKey(Scene, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("scene"))
    version = models.ForeignKey(ChecklistVersion, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("checklist version"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("inspector")
    )
    grid = models.ForeignKey("grids.Region", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("grid"))
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(_("started at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # Accepted with a visible flag: submitted far from the grid, or without a location.
    location_flag = models.CharField(_("location flag"), max_length=8, choices=LocationFlag.choices, blank=True, default="")
    location_distance_m = models.PositiveIntegerField(_("distance outside the grid (m)"), null=True, blank=True)
    remark = models.TextField(_("remark"), blank=True)
    draft = models.JSONField(_("draft answers"), default=dict, blank=True)
    # Bumped by every change of the draft's answers: a page that posts an older number was
    # loaded before a change made elsewhere (another tab or phone) and is refused, not applied.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    # 复查: a re-inspection of only the items that failed in ``previous`` (their codes in
    # ``item_codes``). Empty ``item_codes``: the scene's items.
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reinspections", verbose_name=_("re-inspection of"),
    )
    item_codes = models.JSONField(_("only these items"), default=list, blank=True)
    pass_count = models.PositiveIntegerField(_("passed"), default=0)
    fail_count = models.PositiveIntegerField(_("failed"), default=0)
    na_count = models.PositiveIntegerField(_("not applicable"), default=0)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["region_path"], name="inspection_region_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["place", "status", "submitted_at"], name="inspection_place_idx"),
            models.Index(fields=["inspector", "status"], name="inspection_inspector_idx"),
            models.Index(fields=["status", "-submitted_at"], name="inspection_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="inspection_submitted_has_time",
            ),
            # One open draft per worker and place: starting again resumes it (a double tap opens one draft).
            models.UniqueConstraint(
                fields=["inspector", "place"], condition=models.Q(status="draft"), name="inspection_one_draft_per_place"
            ),
        ]

    def __str__(self):
        return f"{self.place} {self.started_at:%Y-%m-%d}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def answered_count(self) -> int:
        return self.pass_count + self.fail_count + self.na_count

    @property
    def is_reinspection(self) -> bool:
        return self.previous_id is not None

    def checklist_items(self) -> models.QuerySet:
        """The items this inspection asks: the scene's, or only ``item_codes`` (a re-inspection)."""
        if self.item_codes:
            return ChecklistItem.objects.filter(version_id=self.version_id, code__in=self.item_codes)
        return ChecklistItem.objects.filter(scenes=self.scene_id)


class Result(models.TextChoices):
    PASS = "pass", _("Pass")  # 合格
    FAIL = "fail", _("Fail")  # 不合格
    NA = "na", _("Not applicable")  # 不涉及


class Answer(models.Model):
    """One item's result in a submitted inspection (一次采集、多方利用: each department reads its own)."""

    SCOPE_PATH_FIELD = "region_path"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers", verbose_name=_("inspection"))
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers", verbose_name=_("item"))
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    fail_reason = models.CharField(_("fail reason"), max_length=200, blank=True)
    remark = models.TextField(_("remark"), blank=True)
    fixed_on_spot = models.BooleanField(_("fixed on the spot"), default=False)  # 发现即办
    # The case raised by a failed item (one per answer; self-handled when fixed on the spot).
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="inspection_answer", verbose_name=_("case")
    )
    # Denormalised from item / inspection so the department view filters without joins.
    department = models.ForeignKey("dispatch.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department"))
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["inspection", "item__order", "id"]
        indexes = [
            models.Index(fields=["department", "-submitted_at"], name="answer_department_idx"),
            models.Index(fields=["region_path"], name="answer_region_path_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="answer_one_per_item")]

    def __str__(self):
        return f"{self.item.code} {self.result}"


class InspectionPhoto(EvidenceMetadata):
    """A photo taken for one item: the failure itself, or the result after fixing it on the spot.

    Stored privately under MEDIA_ROOT and served only through views that check jurisdiction.
    Uploaded while the worker goes (the draft keeps it), de-duplicated by sha256.
    """

    class Stage(models.TextChoices):
        FAIL = "fail", _("Problem found")  # 问题照片
        AFTER = "after", _("After fixing")  # 整改后

    SCOPE_PATH_FIELD = "inspection__region_path"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos", verbose_name=_("inspection"))
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices, default=Stage.FAIL)
    file = models.FileField(_("file"), upload_to=photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, blank=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item", "stage", "sha256"], name="inspection_photo_unique"),
        ]
