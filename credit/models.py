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
