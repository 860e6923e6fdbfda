"""Open311 GeoReport v2 (开放接口): API clients and keys, the public face of the case
categories (services and their attributes), and the link from each API submission to
its case (idempotency by the client's request id, the token a client resolves later).

Cases and categories belong to the cases app; nothing here changes them. Keys are stored
hashed (SHA-256): the plain key is shown once, when it is created.
"""

import hashlib

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class ApiClient(TimeStampedModel):
    """A third-party system that files cases (a reporting app, the 12345 hotline's system)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True, help_text=_("Who runs the client and how to reach them."))
    is_active = models.BooleanField(_("active"), default=True)
    # Requests per minute for each of the client's keys (counted in the shared cache).
    rate_limit = models.PositiveIntegerField(_("requests per minute per key"), default=60, validators=[MinValueValidator(1)])
    # A client whose operators already screen reports (e.g. the 12345 hotline's desk) may have its
    # requests registered at once; everyone else's wait for triage by the village (初筛).
    skip_triage = models.BooleanField(
        _("register without triage"), default=False,
        help_text=_("Only for clients whose reports are already screened by people (e.g. the 12345 hotline)."),
    )

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self):
        return self.name


def hash_key(raw: str) -> str:
    """Keys are stored as their SHA-256 only (a new key is shown once)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiKey(TimeStampedModel):
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys", verbose_name=_("client"))
    label = models.CharField(_("label"), max_length=64, blank=True)
    prefix = models.CharField(_("key prefix"), max_length=12, editable=False, help_text=_("The first characters, to tell keys apart."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["client__name", "-created_at"]

    def __str__(self):
        return f"{self.client.name} · {self.prefix}…"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.client.is_active


class Service(TimeStampedModel):
    """How a case category (小类) appears to API clients. A category without a row is public."""

    category = models.OneToOneField(
        "cases.CaseCategory", on_delete=models.CASCADE, related_name="open311_service", verbose_name=_("category")
    )
    is_public = models.BooleanField(
        _("public"), default=True,
        help_text=_("Listed to API clients, and its cases shown in the public request list."),
    )
    description = models.CharField(_("description for the public"), max_length=400, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True, help_text=_("Comma-separated."))

    class Meta:
        verbose_name = _("API service")
        verbose_name_plural = _("API services")
        ordering = ["category__code"]

    def __str__(self):
        return str(self.category)


class ServiceAttribute(TimeStampedModel):
    """An extra question of a category (Open311 attribute), answered by the reporter."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLEVALUELIST = "singlevaluelist", _("One choice")
        MULTIVALUELIST = "multivaluelist", _("Several choices")

    LIST_TYPES = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)

    category = models.ForeignKey(
        "cases.CaseCategory", on_delete=models.CASCADE, related_name="open311_attributes", verbose_name=_("category")
    )
    code = models.CharField(
        _("code"), max_length=40,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Letters, digits, - and _ only."))],
    )
    description = models.CharField(_("question"), max_length=200)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(_("answered by the reporter"), default=True, help_text=_("Off: information only, no answer."))
    order = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        verbose_name = _("API service attribute")
        verbose_name_plural = _("API service attributes")
        ordering = ["category__code", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code_unique")]

    def __str__(self):
        return f"{self.category.code} · {self.code}"


class ServiceAttributeValue(models.Model):
    attribute = models.ForeignKey(ServiceAttribute, on_delete=models.CASCADE, related_name="values", verbose_name=_("attribute"))
    key = models.CharField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        verbose_name = _("allowed value")
        verbose_name_plural = _("allowed values")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["attribute", "key"], name="open311_attribute_value_unique")]

    def __str__(self):
        return f"{self.key} {self.name}"


class Submission(TimeStampedModel):
    """One service request received through the API, and the case it became.

    ``request_id`` is the client's own id for the request (``X-Request-Id`` or the
    ``client_request_id`` parameter): a retry with the same key's client and id gets
    the same case. ``token`` is what a client resolves via ``tokens/{token}`` while
    the case waits for triage. Contact details are kept for the staff only.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("client"))
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("API key"))
    request_id = models.CharField(_("client request id"), max_length=100, blank=True)
    token = models.CharField(_("token"), max_length=40, unique=True)
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="open311_submission", verbose_name=_("case"))
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("API submission")
        verbose_name_plural = _("API submissions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "request_id"], condition=~models.Q(request_id=""), name="open311_submission_request_unique"
            ),
        ]

    def __str__(self):
        return f"{self.client.name} → {self.case_id}"
