"""Departments and their street-level units (部门 / 镇街执法办 …)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Department(TimeStampedModel):
    """A district department (区城市管理和综合执法局) or one of its street-level units
    (石湾镇街道综合执法办). A unit's ``region`` is the street it serves; a department's
    is the district. Scoping a department user's cases = cases assigned to their unit
    inside that region's subtree.
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
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self):
        return self.name
