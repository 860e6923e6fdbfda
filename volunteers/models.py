"""Volunteers (兼职网格员): teams, volunteers, their reports, the points ledger, rewards.

A volunteer has no account: they are recognised by their phone number on the
public report page (案件上报码), and by the token on their personal card. A
report they send becomes an ordinary case waiting for triage (``cases``); the
link table ``VolunteerReport`` carries what cases does not know: the team, the
volunteer, the status-link token and the triage outcome that earned points.

Points are an append-only ledger (``PointEntry``: never updated or deleted; on
PostgreSQL a trigger refuses it). ``Volunteer.points_balance`` / ``points_earned``
are the running totals, changed only in the same transaction as a ledger row,
under a row lock on the volunteer (volunteers.services).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel


def new_token() -> str:
    """An unguessable URL token (status links, cards): 128 bits."""
    return secrets.token_urlsafe(16)


def new_code() -> str:
    """The short code printed on a community's report poster."""
    return secrets.token_urlsafe(6)


class Team(TimeStampedModel):
    """兼职网格员队伍: one per village / community."""

    SCOPE_PATH_FIELD = "region_path"

    village = models.OneToOneField(
        "grids.Region", on_delete=models.PROTECT, related_name="volunteer_team", verbose_name=_("village / community")
    )
    name = models.CharField(_("name"), max_length=64)
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    # In the URL the poster's QR code opens (案件上报码); a new code retires a leaked poster.
    report_code = models.CharField(_("report code"), max_length=16, unique=True, default=new_code)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["region_path"]
        indexes = [models.Index(fields=["region_path"], name="vol_team_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return self.name


class Volunteer(TimeStampedModel):
    class Kind(models.TextChoices):
        PARTY_MEMBER = "party_member", _("Party member")  # 党员
        BUILDING_HEAD = "building_head", _("Building head")  # 楼长
        PROPERTY_STAFF = "property_staff", _("Property management staff")  # 物业
        RESIDENT = "resident", _("Resident")  # 热心居民
        MERCHANT = "merchant", _("Merchant")  # 商户

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")  # 待审核
        APPROVED = "approved", _("Approved")  # 已通过
        REJECTED = "rejected", _("Not approved")  # 未通过
        LEFT = "left", _("Left the team")  # 已退出

    SCOPE_PATH_FIELD = "region_path"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("team"))
    name = models.CharField(_("name"), max_length=32)
    phone = models.CharField(_("phone"), max_length=11)  # normalised (core.identifiers.check_phone); shown masked
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    card_token = models.CharField(_("card token"), max_length=32, unique=True, default=new_token, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=200, blank=True)
    # Running totals of the ledger (changed only with a ledger row, under a row lock).
    points_balance = models.IntegerField(_("points balance"), default=0)
    points_earned = models.IntegerField(_("points earned"), default=0)  # cumulative, for star levels

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["team", "name", "id"]
        indexes = [
            models.Index(fields=["region_path"], name="vol_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["team", "status", "-points_earned"], name="vol_leaderboard_idx"),
        ]
        constraints = [
            # One person, one registration (a rejected one may register again).
            models.UniqueConstraint(fields=["phone"], condition=~models.Q(status="rejected"), name="vol_phone_unique"),
            models.CheckConstraint(condition=models.Q(points_balance__gte=0), name="vol_balance_not_negative"),
            models.CheckConstraint(condition=models.Q(points_earned__gte=0), name="vol_earned_not_negative"),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        from core.identifiers import mask_phone

        return mask_phone(self.phone)

    @property
    def stars(self) -> int:
        """评星定级: 1–5 stars by cumulative points (settings.VOLUNTEER_STAR_THRESHOLDS)."""
        return star_level(self.points_earned)


def star_level(points: int) -> int:
    thresholds = getattr(settings, "VOLUNTEER_STAR_THRESHOLDS", (0, 10, 30, 60, 100))
    return max(1, sum(1 for t in thresholds if points >= t))


class VolunteerReport(models.Model):
    """A report sent from the public page (案件上报码), linked to its case."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for triage")  # 待初筛
        ADOPTED = "adopted", _("Adopted")  # 采纳立案
        SELF_HANDLED = "self_handled", _("Handled by the volunteer")  # 自主处理
        DUPLICATE = "duplicate", _("Duplicate")  # 重复上报
        REJECTED = "rejected", _("Not adopted")  # 不予采纳

    SCOPE_PATH_FIELD = "region_path"

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="volunteer_report", verbose_name=_("case"))
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="reports", verbose_name=_("team"))
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="reports", verbose_name=_("volunteer")
    )
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    token = models.CharField(_("status link token"), max_length=32, unique=True, default=new_token, editable=False)
    problem_type = models.CharField(_("problem type"), max_length=24)
    claims_self_handled = models.BooleanField(_("the reporter says it is handled"), default=False)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_note = models.CharField(_("reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("volunteer report")
        verbose_name_plural = _("volunteer reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "created_at"], name="vol_report_team_idx"),
            models.Index(fields=["volunteer", "created_at"], name="vol_report_volunteer_idx"),
            models.Index(fields=["outcome", "team"], name="vol_report_outcome_idx"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.outcome}"


class PointRule(TimeStampedModel):
    """积分规则: how many points each kind of contribution earns (editable in the admin)."""

    class Code(models.TextChoices):
        ADOPTED = "adopted", _("Report adopted")  # 上报被采纳
        SELF_HANDLED = "self_handled", _("Handled it myself")  # 自主处理
        MONTHLY_ACTIVITY = "monthly_activity", _("Active this month")  # 月度活跃

    code = models.CharField(_("rule"), max_length=20, choices=Code.choices, unique=True)
    points = models.PositiveIntegerField(_("points"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["code"]

    def __str__(self):
        return f"{self.get_code_display()} +{self.points}"


class Reward(TimeStampedModel):
    """积分兑换目录: material rewards with stock, and non-material ones (no stock limit)."""

    class Kind(models.TextChoices):
        MATERIAL = "material", _("Goods")  # 实物兑换
        COMMENDATION = "commendation", _("Community commendation")  # 社区表彰
        SCHOOL_ADMISSION = "school_admission", _("Points for school admission certificate")  # 积分入学
        RECOMMENDATION = "recommendation", _("Recommendation for honours")  # 推优推先

    SCOPE_PATH_FIELD = "region_path"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("team"))
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MATERIAL)
    description = models.CharField(_("description"), max_length=200, blank=True)
    cost = models.PositiveIntegerField(_("points needed"))
    stock = models.PositiveIntegerField(_("stock"), null=True, blank=True, help_text=_("Empty: no limit."))
    is_active = models.BooleanField(_("available"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["team", "cost", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost__gt=0), name="reward_cost_positive"),
            models.CheckConstraint(condition=models.Q(stock__isnull=True) | models.Q(stock__gte=0), name="reward_stock_not_negative"),
        ]

    def __str__(self):
        return self.name


class Redemption(TimeStampedModel):
    """积分兑换: requested (points and stock reserved) → approved → handed over; or rejected (refunded)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")  # 待审批
        APPROVED = "approved", _("Approved")  # 已批准
        HANDED_OVER = "handed_over", _("Handed over")  # 已发放
        REJECTED = "rejected", pgettext_lazy("redemption", "Rejected")  # 已驳回

    SCOPE_PATH_FIELD = "region_path"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("volunteer"))
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("reward"))
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("requested by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("handed over by")
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region_path"], name="vol_redemption_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "created_at"], name="vol_redemption_status_idx"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.reward}"


class PointEntry(models.Model):
    """One line of the append-only points ledger (积分台账). Corrections are new lines."""

    class Kind(models.TextChoices):
        ADOPTED = "adopted", _("Report adopted")  # 上报被采纳
        SELF_HANDLED = "self_handled", _("Handled it myself")  # 自主处理
        MONTHLY_ACTIVITY = "monthly_activity", _("Active this month")  # 月度活跃
        REDEMPTION = "redemption", _("Redeemed")  # 兑换扣减
        REFUND = "refund", _("Redemption refunded")  # 兑换退回
        CORRECTION = "correction", _("Correction")  # 更正

    EARNING_KINDS = ("adopted", "self_handled", "monthly_activity", "correction")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("volunteer"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    points = models.IntegerField(_("points"))  # signed
    balance_after = models.IntegerField(_("balance after"))
    report = models.ForeignKey(VolunteerReport, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("report"))
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("redemption"))
    period = models.CharField(_("month"), max_length=7, blank=True)  # "2026-11" for monthly activity
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["volunteer", "-created_at"], name="vol_ledger_idx")]
        constraints = [
            # Each report earns each kind of points once (a re-run of triage or of the sync awards nothing).
            models.UniqueConstraint(fields=["report", "kind"], condition=models.Q(report__isnull=False), name="vol_points_once_per_report"),
            models.UniqueConstraint(
                fields=["volunteer", "period"], condition=models.Q(kind="monthly_activity"), name="vol_points_once_per_month"
            ),
            models.UniqueConstraint(
                fields=["redemption", "kind"], condition=models.Q(redemption__isnull=False), name="vol_points_once_per_redemption"
            ),
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="vol_ledger_balance_not_negative"),
            models.CheckConstraint(condition=~models.Q(points=0), name="vol_ledger_points_not_zero"),
        ]

    def __str__(self):
        return f"{self.volunteer_id} {self.points:+d} {self.kind}"
