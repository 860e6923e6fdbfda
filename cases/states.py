"""The statuses of a case (``Case.Status``), on their own so that the state machine
(cases/workflow.py) and the model (cases/models.py) both read them without importing
each other: models → workflow → states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")  # 已上报
    PENDING_TRIAGE = "pending_triage", _("Pending triage")  # 待初筛
    REJECTED = "rejected", _("Rejected")  # 不予立案
    MERGED = "merged", _("Merged")  # 已合并
    REGISTERED = "registered", _("Registered")  # 已立案
    SELF_HANDLED = "self_handled", _("Handled on discovery")  # 发现即办
    DISPATCHED = "dispatched", _("Dispatched")  # 已派遣
    ACCEPTED = "accepted", _("Accepted")  # 已签收
    RETURNED = "returned", _("Returned")  # 已退单
    HANDLED = "handled", _("Handled")  # 已处置
    VERIFIED = "verified", _("Verified")  # 已核查
    CLOSED = "closed", _("Closed")  # 已结案
    CANCELLED = "cancelled", _("Cancelled")  # 已撤销
