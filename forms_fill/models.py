"""一表填: people master data, the table registry, table templates and fill runs.

The legal-person master record is ``credit.Enterprise`` (one model for the credit registry
and the fills); this app owns the natural person, the registry of tables villages report,
the templates composed from the field catalogue (``forms_fill.catalogue``) and the record
of each fill and import. Every record a user reaches carries ``region_path`` and goes
through ``grids.scoping.scope``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Person(TimeStampedModel):
    """A natural person in the district's master data (实有人口 / 自然人数据).

    The catalogue fields with a column are here; the others live in ``attributes`` keyed by
    catalogue key. ``sources`` remembers where each value came from and when
    (``{"phone": {"source": "市人社局回流", "date": "2026-11-30"}}``). Deletion is soft.
    """

    class Sex(models.TextChoices):
        MALE = "M", _("Male")  # 男
        FEMALE = "F", _("Female")  # 女

    SCOPE_PATH_FIELD = "region_path"

    id_number = models.CharField(_("ID number"), max_length=18, unique=True)  # 公民身份号码 (GB 11643)
    name = models.CharField(_("name"), max_length=64)  # 姓名
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)  # 性别 (from the ID number)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)  # 出生日期 (from the ID number)
    ethnicity = models.CharField(_("ethnicity"), max_length=32, blank=True)  # 民族
    household_address = models.CharField(_("household registration address"), max_length=255, blank=True)  # 户籍地址
    current_address = models.CharField(_("current address"), max_length=255, blank=True)  # 现住址
    phone = models.CharField(_("phone"), max_length=20, blank=True)  # 联系电话 (masked in lists)
    region = models.ForeignKey(
        "grids.Region", on_delete=models.PROTECT, related_name="people", verbose_name=_("grid")
    )  # 所属网格
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    sources = models.JSONField(_("sources"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("deleted by"),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["region_path", "name", "id"]
        indexes = [
            models.Index(fields=["region_path", "name"], name="person_region_path_idx", opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
            models.Index(fields=["name"], name="person_name_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class RecordChange(models.Model):
    """Who changed what in the master data (people and enterprises): one row per change."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Edited")
        DELETE = "delete", _("Deleted")
        RESTORE = "restore", _("Restored")
        IMPORT = "import", _("Imported")

    entity = models.CharField(_("kind"), max_length=16)  # "person" | "enterprise"
    object_id = models.BigIntegerField(_("record"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    # {"key": [old, new]} — sensitive values stored masked (the log is read more widely than the data).
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("master-data change")
        verbose_name_plural = _("master-data changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity", "object_id", "-at"], name="record_change_obj_idx")]

    def __str__(self):
        return f"{self.entity}#{self.object_id} {self.action}"


class TableEntry(TimeStampedModel):
    """A table villages must report (表格目录): who issues it, how often, and whether it still exists."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        HALF_YEARLY = "half_yearly", _("Half-yearly")
        YEARLY = "yearly", _("Yearly")
        AD_HOC = "ad_hoc", _("When asked")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")  # 保留
        ABOLISHED = "abolished", _("Abolished")  # 取消
        MERGED = "merged", _("Merged into another")  # 合并
        SMART_FILL = "smart_fill", _("Smart fill")  # 智能填报

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    department = models.CharField(_("issuing department"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from", verbose_name=_("merged into")
    )
    template = models.ForeignKey(
        "TableTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="registry_entries",
        verbose_name=_("template"),
    )
    next_due = models.DateField(_("next due"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("registered table")
        verbose_name_plural = _("table registry")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="table_entry_merged_has_target",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


def template_path(instance, filename):
    # Private media; only read by the fill job.
    return f"forms_fill/templates/{uuid.uuid4().hex}.xlsx"


class TableTemplate(TimeStampedModel):
    """A table layout: tags picked and ordered, or an official .xlsx whose header cells are mapped to tags."""

    class Kind(models.TextChoices):
        COMPOSED = "composed", _("Composed from tags")
        OFFICIAL = "official", _("Official template")

    SCOPE_PATH_FIELD = "region_path"

    name = models.CharField(_("name"), max_length=200)
    entity = models.CharField(
        _("records"), max_length=16, choices=[("person", _("Natural persons")), ("enterprise", _("Legal persons"))]
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMPOSED)
    title = models.CharField(_("title"), max_length=200, blank=True)
    # Extra header lines printed under the title (e.g. "填报单位:…  填报日期:…").
    header_lines = models.JSONField(_("header lines"), default=list, blank=True)
    # Composed: ordered catalogue keys. Official: {"<column letter>": "<key>"} for the data columns.
    columns = models.JSONField(_("columns"), default=list, blank=True)
    mapping = models.JSONField(_("header mapping"), default=dict, blank=True)
    serial_column = models.CharField(_("serial-number column"), max_length=3, blank=True)  # 序号
    file = models.FileField(_("official .xlsx"), upload_to=template_path, blank=True)
    sheet_name = models.CharField(_("sheet"), max_length=64, blank=True)
    first_data_row = models.PositiveIntegerField(_("first data row"), null=True, blank=True)
    # Where the template is shared: everyone under this path sees it (district-wide by default).
    region_path = models.CharField(_("region path"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("table template")
        verbose_name_plural = _("table templates")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def keys(self) -> list[str]:
        if self.kind == self.Kind.OFFICIAL:
            return list(self.mapping.values())
        return list(self.columns)


class FillRun(models.Model):
    """One one-click fill (or import) a user started: what, where, how many; the job does the work."""

    class Kind(models.TextChoices):
        FILL = "fill", _("One-click fill")
        IMPORT = "import", _("Import")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    job_uuid = models.UUIDField(_("job"), unique=True)
    template = models.ForeignKey(
        TableTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs", verbose_name=_("template")
    )
    table = models.ForeignKey(
        TableEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs", verbose_name=_("table")
    )
    entity = models.CharField(_("records"), max_length=16)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user"))
    region_path = models.CharField(_("region path"), max_length=255)
    upload = models.FileField(_("uploaded file"), upload_to="forms_fill/uploads/", blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    key_count = models.PositiveIntegerField(_("keys"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fill or import run")
        verbose_name_plural = _("fill and import runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="fill_run_user_idx")]

    def __str__(self):
        return f"{self.kind} {self.job_uuid}"
