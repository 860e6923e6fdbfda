"""Enterprises (法人主体) and their credit ratings (信用三色码).

``Enterprise`` is the ONE legal-person master record: the credit registry and the
one-click fill (一表填, ``forms_fill``) both read and write it. Catalogue fields
that have no column of their own live in ``attributes`` keyed by the catalogue
key; ``sources`` records where each field's value came from
(``{"name": {"source": "import", "date": "2026-11-30"}}``).

Scoping: ``region`` is the grid (or any region) the enterprise sits in and
``region_path`` its denormalised materialised path, so "enterprises in my
jurisdiction" is the same indexed prefix filter as cases (``grids.scoping``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


def licence_path(instance, filename):
    # Private: MEDIA_ROOT is never served directly; only credit's checked view streams it.
    return f"credit/licences/{uuid.uuid4().hex}/{filename}"


class Enterprise(TimeStampedModel):
    """A legal person / business registered in the district (企业/法人主体)."""

    class Status(models.TextChoices):
        EXISTING = "existing", _("In existence")  # 存续
        OPERATING = "operating", _("Operating")  # 在业
        SUSPENDED = "suspended", _("Suspended")  # 停业
        MOVED_OUT = "moved_out", _("Moved out")  # 迁出
        DEREGISTERED = "deregistered", _("Deregistered")  # 注销
        REVOKED = "revoked", _("Licence revoked")  # 吊销
        CANCELLED = "cancelled", _("Registration cancelled")  # 撤销

    # Statuses of a business that still operates (and so is supervised and scored).
    ACTIVE_STATUSES = (Status.EXISTING, Status.OPERATING, Status.SUSPENDED)

    SCOPE_PATH_FIELD = "region_path"

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)  # 统一社会信用代码 (GB 32100)
    name = models.CharField(_("name"), max_length=200)  # 名称
    enterprise_type = models.CharField(_("enterprise type"), max_length=100, blank=True)  # 类型
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)  # 法定代表人
    registered_capital = models.DecimalField(  # 注册资本 (万元)
        _("registered capital (10,000 yuan)"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    established_on = models.DateField(_("date of establishment"), null=True, blank=True)  # 成立日期
    business_term_from = models.DateField(_("business term from"), null=True, blank=True)  # 营业期限自
    # Null = 长期 (no end date).
    business_term_to = models.DateField(_("business term to"), null=True, blank=True)  # 营业期限至
    registration_authority = models.CharField(_("registration authority"), max_length=100, blank=True)  # 登记机关
    business_scope = models.TextField(_("business scope"), blank=True)  # 经营范围
    address = models.CharField(_("registered address"), max_length=255, blank=True)  # 住所
    premises_address = models.CharField(_("business premises"), max_length=255, blank=True)  # 经营场所
    industry = models.CharField(_("industry"), max_length=100, blank=True)  # 所属行业
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)  # 从业人数
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)  # 联系人
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)  # 联系电话 (masked in lists)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.EXISTING)  # 登记状态
    region = models.ForeignKey(
        "grids.Region", on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("grid / region")
    )
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    # A place on the inspection round can be this enterprise (巡查对象 = 企业); the link lives here.
    place = models.OneToOneField(
        "inspections.Place",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprise",
        verbose_name=_("inspection place"),
    )
    licence_photo = models.FileField(_("business licence photo"), upload_to=licence_path, blank=True)  # 营业执照
    # Other legal-person catalogue fields, keyed by the catalogue key (forms_fill).
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    # Provenance per field key: {"<key>": {"source": "...", "date": "YYYY-MM-DD"}}.
    sources = models.JSONField(_("sources"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    # Soft delete: the row stays (cases, history and fills keep pointing at it).
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("deleted by")
    )

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["region_path"], name="enterprise_region_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name"], name="enterprise_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(business_term_to__isnull=True)
                | models.Q(business_term_from__isnull=True)
                | models.Q(business_term_to__gte=models.F("business_term_from")),
                name="enterprise_business_term_order",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class EnterpriseCase(models.Model):
    """A case about an enterprise (the link the cases app left out; it lives here)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="enterprise_link", verbose_name=_("case"))
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="case_links", verbose_name=_("enterprise"))
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("linked by")
    )

    class Meta:
        verbose_name = _("case about an enterprise")
        verbose_name_plural = _("cases about enterprises")
        indexes = [models.Index(fields=["enterprise", "case"], name="enterprise_case_idx")]

    def __str__(self):
        return f"{self.enterprise_id} ← {self.case_id}"


# =========================================================================== credit ratings

class CreditClass(models.TextChoices):
    """The national enterprise credit-risk classes (企业信用风险分类, SAMR 2022)."""

    A = "A", _("A — low risk")  # 信用风险低
    B = "B", _("B — ordinary risk")  # 信用风险一般
    C = "C", _("C — higher risk")  # 信用风险较高
    D = "D", _("D — high risk")  # 信用风险高


class Colour(models.TextChoices):
    """The three-colour code (信用三色码): a local mapping of the four classes."""

    GREEN = "green", _("Green")  # 绿码
    YELLOW = "yellow", _("Yellow")  # 黄码
    RED = "red", _("Red")  # 红码


# Sort rank of a colour: red first (the due list and the registry order by it).
COLOUR_RANK = {Colour.RED: 0, Colour.YELLOW: 1, Colour.GREEN: 2}


class CreditScore(models.Model):
    """The current computed rating of an enterprise (one row each, upserted by the rescoring).

    ``factors`` explains the rating: a list of ``{"code", "points", "count", "detail"}``
    (see ``credit.scoring``). ``fingerprint`` is a hash of what the rating says, so the
    rescoring writes (and records history) only when something changed.
    """

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, primary_key=True, related_name="credit", verbose_name=_("enterprise")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    credit_class = models.CharField(_("credit class"), max_length=1, choices=CreditClass.choices)
    colour = models.CharField(_("computed colour"), max_length=6, choices=Colour.choices)
    veto = models.BooleanField(_("one-vote veto"), default=False)  # 一票否决
    factors = models.JSONField(_("factors"), default=list)
    fingerprint = models.CharField(max_length=32, editable=False)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("credit rating")
        verbose_name_plural = _("credit ratings")
        indexes = [models.Index(fields=["colour"], name="credit_score_colour_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(score__lte=100), name="credit_score_max_100")]

    def __str__(self):
        return f"{self.enterprise_id}: {self.score} {self.credit_class} {self.colour}"


class CreditScoreHistory(models.Model):
    """Every change of a rating, kept (a rescoring that changes nothing adds no row)."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly rescoring")
        EVENT = "event", _("Inspection, case or notice completed")
        MANUAL = "manual", _("Started by an officer")
        EDIT = "edit", _("Registry change")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="credit_history", verbose_name=_("enterprise"))
    score = models.PositiveSmallIntegerField(_("score"))
    credit_class = models.CharField(_("credit class"), max_length=1, choices=CreditClass.choices)
    colour = models.CharField(_("computed colour"), max_length=6, choices=Colour.choices)
    veto = models.BooleanField(_("one-vote veto"), default=False)
    factors = models.JSONField(_("factors"), default=list)
    fingerprint = models.CharField(max_length=32, editable=False)
    computed_at = models.DateTimeField(_("computed at"))
    trigger = models.CharField(_("trigger"), max_length=8, choices=Trigger.choices, default=Trigger.NIGHTLY)

    class Meta:
        verbose_name = _("credit rating history")
        verbose_name_plural = _("credit rating history")
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-computed_at"], name="credit_history_idx")]


class ColourOverride(models.Model):
    """A district officer's override of the colour, with a reason and an expiry (audited, never edited).

    The effective colour is the latest unrevoked override whose window contains now,
    else the computed one (``credit.selectors.effective_colour``).
    """

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="colour_overrides", verbose_name=_("enterprise"))
    colour = models.CharField(_("colour"), max_length=6, choices=Colour.choices)
    reason = models.CharField(_("reason"), max_length=500)
    starts_at = models.DateTimeField(_("from"))
    expires_at = models.DateTimeField(_("expires at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )

    class Meta:
        verbose_name = _("colour override")
        verbose_name_plural = _("colour overrides")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "expires_at"], name="credit_override_active_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="credit_override_reason_required"),
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("starts_at")), name="credit_override_expires_after_start"),
        ]


class DepartmentRating(models.Model):
    """A rating a department gave the enterprise (e.g. the market regulator's risk class), imported."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="department_ratings", verbose_name=_("enterprise"))
    department = models.ForeignKey(
        "dispatch.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    credit_class = models.CharField(_("class"), max_length=1, choices=CreditClass.choices)
    rated_on = models.DateField(_("rated on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("imported by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("department rating")
        verbose_name_plural = _("department ratings")
        ordering = ["-rated_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "department", "rated_on"], name="credit_department_rating_unique"),
        ]


class CreditVeto(models.Model):
    """A one-vote-veto event (一票否决, e.g. 重大火灾隐患) recorded by an officer: the rating is red while it holds."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="vetoes", verbose_name=_("enterprise"))
    reason = models.CharField(_("reason"), max_length=300)
    occurred_on = models.DateField(_("occurred on"))
    valid_until = models.DateField(_("holds until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-vote veto")
        verbose_name_plural = _("one-vote vetoes")
        ordering = ["-occurred_on", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="credit_veto_reason_required")]


class PlacardToken(models.Model):
    """The unguessable token in a public placard's QR code (revocable: a revoked token answers 404)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="placard_tokens", verbose_name=_("enterprise"))
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )

    class Meta:
        verbose_name = _("placard token")
        verbose_name_plural = _("placard tokens")
        ordering = ["-created_at", "-id"]
