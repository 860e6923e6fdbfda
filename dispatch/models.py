"""Dispatch (镇街调度、部门报到): departments and their street units, routing rules, the
working calendar, notifications, rectification notices (限期整改通知书) and consultations (会商).

Cases themselves live in the cases app; dispatch sets their tier, department and
deadlines through cases.services.case_transition, and records escalations and
consultations as timeline events (see dispatch/services.py).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Tier, Urgency
from core.models import TimeStampedModel


class Department(TimeStampedModel):
    """A district department (区城市管理和综合执法局) or one of its street-level units
    (石湾镇街道综合执法办). A unit's ``region`` is the street it serves; a department's
    is the district. Scoping a department user's cases = cases assigned to their unit
    inside that region's subtree (dispatch.selectors.department_case_queryset).
    """

    SCOPE_PATH_FIELD = "region__path"

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    short_name = models.CharField(_("short name"), max_length=16)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="units", verbose_name=_("parent department")
    )
    region = models.ForeignKey(
        "grids.Region", on_delete=models.PROTECT, related_name="departments", verbose_name=_("region served")
    )
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # 文号前缀 of its rectification notices, e.g. 禅城城管限改 → 禅城城管限改〔2026〕第0042号.
    notice_prefix = models.CharField(
        _("notice number prefix"), max_length=16, blank=True,
        help_text=_("e.g. 禅城城管限改; units use their department's prefix when left empty."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def is_unit(self) -> bool:
        return self.parent_id is not None

    def clean(self):
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("A unit must belong to a district department, not to another unit.")})
        if self.parent_id and self.region_id and self.parent.region_id and self.region.level <= self.parent.region.level:
            raise ValidationError({"region": _("A unit serves a region inside its department's region.")})


class DeadlineUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("working hours")  # 工作小时
    WORKING_DAYS = "working_days", _("working days")  # 工作日


class RoutingRule(TimeStampedModel):
    """Where a case category goes on registration (路由规则): tier, department, urgency and deadlines.

    A rule with no region is the district-wide default; a rule for a region (street,
    village or grid) overrides it for cases inside that region — the most specific wins.
    The department is a district department; dispatch resolves it to the unit serving
    the case's street when there is one.
    """

    category = models.ForeignKey(
        "cases.CaseCategory", on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("category")
    )
    region = models.ForeignKey(
        "grids.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="routing_rules",
        verbose_name=_("region override"), help_text=_("Empty: the default for the whole district."),
    )
    tier = models.PositiveSmallIntegerField(_("handling tier"), choices=Tier.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("responsible department"),
        limit_choices_to={"parent__isnull": True},
    )
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, blank=True, help_text=_("Empty: the category's default.")
    )
    accept_limit = models.DecimalField(
        _("acceptance time limit"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    accept_unit = models.CharField(_("unit"), max_length=16, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_HOURS)
    handle_limit = models.DecimalField(
        _("handling time limit"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    handle_unit = models.CharField(_("unit"), max_length=16, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category__code", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["category", "region"], name="routing_rule_one_per_region"),
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(region__isnull=True), name="routing_rule_one_default",
                violation_error_message=_("This category already has a district-wide default rule."),
            ),
            models.CheckConstraint(
                condition=models.Q(accept_limit__gt=0, handle_limit__gt=0), name="routing_rule_limits_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(accept_unit__in=DeadlineUnit.values, handle_unit__in=DeadlineUnit.values),
                name="routing_rule_units_valid",
            ),
        ]

    def __str__(self):
        where = self.region.name if self.region_id else _("district default")
        return f"{self.category.code} · {where}"

    def clean(self):
        errors = {}
        if self.category_id and self.category.parent_id is None:
            errors["category"] = _("Rules are per sub-class, not per major class.")
        if self.department_id and self.department.parent_id is not None:
            errors["department"] = _("Choose the district department; the unit serving the case's street is found on registration.")
        if self.region_id and self.region.level == 1:
            errors["region"] = _("Leave the region empty for the district-wide default.")
        if errors:
            raise ValidationError(errors)


class CalendarOverride(TimeStampedModel):
    """An administrator's entry in the working calendar (工作日调整): a holiday, a make-up
    working day (调休上班) or a local closure such as a typhoon day. Takes precedence over
    chinese_calendar, whose data ends in 2026."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"), help_text=_("Ticked: a working day (e.g. 调休上班). Unticked: closed."))
    reason = models.CharField(_("reason"), max_length=100)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.reason}"


class NumberCounter(models.Model):
    """Per prefix-and-year sequence of document numbers (〔2026〕第0042号)."""

    key = models.CharField(max_length=48, unique=True)
    value = models.PositiveIntegerField(default=0)


class RectificationNotice(TimeStampedModel):
    """限期整改通知书: issued by a department (巡罚分离: the grid finds, the department enforces)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued, awaiting follow-up")  # 已下达，待复查
        COMPLIED = "complied", _("Rectified")  # 已整改
        NOT_COMPLIED = "not_complied", _("Not rectified (escalated)")  # 逾期未整改，已升级

    SCOPE_PATH_FIELD = "region_path"

    number = models.CharField(_("notice number"), max_length=48, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="rectification_notices", verbose_name=_("case"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="notices", verbose_name=_("issued by"))
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    party_name = models.CharField(_("party (enterprise or person)"), max_length=100)  # 当事人
    party_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True,
        help_text=_("For an enterprise; leave empty for a person."),
    )
    party_address = models.CharField(_("address"), max_length=200)
    finding = models.TextField(_("finding"))  # 检查发现的问题
    legal_basis = models.TextField(_("legal basis"))  # 法律依据
    requirement = models.TextField(_("what must be done"))  # 整改要求
    deadline = models.DateField(_("rectify by"))  # 整改期限
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ISSUED)
    # The follow-up check (复查) is due at the deadline: claimed once by the periodic task.
    followup_notified_at = models.DateTimeField(_("follow-up reminder sent"), null=True, blank=True)
    followup_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    followup_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("checked by")
    )
    followup_note = models.TextField(_("follow-up result"), blank=True)

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="notice_followup_idx"),
            models.Index(fields=["region_path"], name="notice_region_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.number


class PartyKind(models.TextChoices):
    COMMUNITY = "community", _("Village / community")  # 村(社区)
    PROPERTY = "property", _("Property company")  # 物业公司
    RESIDENTS = "residents", _("Residents")  # 居民代表
    MERCHANTS = "merchants", _("Merchants")  # 商户
    OTHER = "other", _("Other")  # 其他


class Consultation(TimeStampedModel):
    """会商: a joint meeting on a hard case at street or district tier (难事区镇(街道)会商)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Scheduled")  # 待会商
        DECIDED = "decided", _("Decided")  # 已形成决定

    SCOPE_PATH_FIELD = "region_path"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="consultations", verbose_name=_("case"))
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    topic = models.CharField(_("topic"), max_length=200)
    meeting_at = models.DateTimeField(_("meeting time"))
    location = models.CharField(_("meeting place"), max_length=100, blank=True)
    departments = models.ManyToManyField(Department, blank=True, related_name="consultations", verbose_name=_("departments"))
    # Other parties: [{"kind": PartyKind, "name": "…"}] — free text.
    parties = models.JSONField(_("other parties"), default=list, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    minutes = models.TextField(_("minutes"), blank=True)  # 会议纪要
    decision = models.TextField(_("decision"), blank=True)  # 会商决定
    decided_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided department")
    )
    decided_deadline = models.DateTimeField(_("decided handling deadline"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-meeting_at", "-id"]
        indexes = [models.Index(fields=["region_path"], name="consultation_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return self.topic


class ConsultationAction(models.Model):
    """A follow-up action agreed at a consultation, with an owner and a deadline."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="actions", verbose_name=_("consultation"))
    description = models.CharField(_("what to do"), max_length=200)
    owner = models.CharField(_("owner"), max_length=64)
    deadline = models.DateField(_("deadline"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["deadline", "id"]

    def __str__(self):
        return self.description
