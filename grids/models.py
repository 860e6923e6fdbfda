"""The region tree (区 → 镇街 → 村居 → 网格) and staff profiles.

Each region carries a materialised path of its ancestors' codes
(``440604/440604011/440604011003/``). "Everything below X" is one indexed
prefix filter on that path; cases, people and enterprises denormalise the
path of the region they belong to so that scoping them is the same filter.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.models import TimeStampedModel

from . import geo

# Code length for each level: district 6 (GB/T 2260), street 9, village 12
# (统计用区划代码), grid = village code + a 3-digit sequence.
CODE_LENGTHS = {1: 6, 2: 9, 3: 12, 4: 15}


class Region(TimeStampedModel):
    class Level(models.IntegerChoices):
        DISTRICT = 1, _("District")  # 区
        STREET = 2, _("Street / town")  # 镇街
        VILLAGE = 3, _("Village / community")  # 村居
        GRID = 4, _("Grid")  # 网格

    # The field every scoped queryset filters on (see grids.scoping.scope).
    SCOPE_PATH_FIELD = "path"

    code = models.CharField(_("administrative code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("path"), max_length=255, editable=False)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    centre_lat = models.FloatField(_("centre latitude"), null=True, blank=True)
    centre_lng = models.FloatField(_("centre longitude"), null=True, blank=True)
    # Bounding box of the boundary: the indexed pre-filter for point lookups.
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        permissions = [
            ("manage_region", _("Manage data in the region")),
            ("dispatch_region", _("Dispatch cases in the region")),
        ]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%'
            # whatever the database collation; other backends ignore opclasses.
            models.Index(fields=["path"], name="region_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "min_lat", "max_lat"], name="region_bbox_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="region_level_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | ~models.Q(parent=models.F("id")),
                name="region_not_own_parent",
            ),
        ]

    def __str__(self):
        return self.name

    # -- validation (called by full_clean from the services) --------------------------------
    def clean(self):
        errors = {}
        expected = CODE_LENGTHS.get(self.level)
        if self.code and (not self.code.isdigit() or (expected and len(self.code) != expected)):
            errors["code"] = _("A %(level)s code must be %(n)s digits.") % {
                "level": self.get_level_display(),
                "n": expected,
            }
        if self.parent_id:
            parent = self.parent
            if parent.level != self.level - 1:
                errors["parent"] = _("A %(level)s must sit directly under a %(parent_level)s.") % {
                    "level": self.get_level_display(),
                    "parent_level": Region.Level(self.level - 1).label if self.level > 1 else "—",
                }
            elif self.code and not self.code.startswith(parent.code):
                errors["code"] = _("The code %(code)s does not extend its parent's code %(parent)s.") % {
                    "code": self.code,
                    "parent": parent.code,
                }
            if self.pk and self._creates_cycle(parent):
                errors["parent"] = _("A region cannot be placed under itself or one of its own sub-regions.")
        elif self.level and self.level != self.Level.DISTRICT:
            errors["parent"] = _("Only a district can be at the top of the tree.")
        if self.boundary:
            try:
                geo.polygons(self.boundary)
            except geo.GeometryError as exc:
                errors["boundary"] = _("The boundary is not a valid GeoJSON polygon: %(error)s") % {"error": exc}
            else:
                if self.parent_id and self.parent.boundary and not geo.within(self.boundary, self.parent.boundary):
                    errors["boundary"] = _("The boundary of %(name)s lies outside its parent %(parent)s.") % {
                        "name": self.name,
                        "parent": self.parent.name,
                    }
        if errors:
            raise ValidationError(errors)

    def _creates_cycle(self, parent) -> bool:
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if node.pk == self.pk:
                return True
            seen.add(node.pk)
            node = node.parent
        return False

    def computed_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}/"

    def refresh_geometry(self):
        """Derive bbox and centre from the boundary (called by the services before save)."""
        if self.boundary:
            self.min_lng, self.min_lat, self.max_lng, self.max_lat = geo.bbox(self.boundary)
            if self.centre_lat is None or self.centre_lng is None:
                self.centre_lng, self.centre_lat = geo.centroid(self.boundary)
        else:
            self.min_lng = self.min_lat = self.max_lng = self.max_lat = None

    @property
    def is_grid(self) -> bool:
        return self.level == self.Level.GRID


# Direct foreign-key permission tables: guardian's recommended shape for speed
# (no generic object_pk text join). Grants are per user × region, a handful per user.
class RegionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Region, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("user jurisdiction")
        verbose_name_plural = _("user jurisdictions")


class RegionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Region, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("group jurisdiction")
        verbose_name_plural = _("group jurisdictions")


class StaffProfile(TimeStampedModel):
    class Role(models.TextChoices):
        GRID_WORKER = "grid_worker", _("Grid worker")  # 专职网格员
        VILLAGE_STAFF = "village_staff", _("Village/community staff")  # 村(居)工作人员
        STREET_OFFICER = "street_officer", _("Street centre officer")  # 镇街智慧社会治理中心
        DISTRICT_OFFICER = "district_officer", _("District centre officer")  # 区智慧社会治理中心
        DEPARTMENT_STAFF = "department_staff", _("Department staff")  # 部门人员
        ADMINISTRATOR = "administrator", _("Administrator")  # 系统管理员

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    full_name = models.CharField(_("full name"), max_length=32)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    department = models.ForeignKey(
        "dispatch.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="department_staff") | models.Q(department__isnull=False),
                name="department_staff_has_department",
                violation_error_message=_("Department staff must belong to a department."),
            )
        ]

    def __str__(self):
        return f"{self.full_name} ({self.get_role_display()})"

    @property
    def is_officer(self) -> bool:
        return self.role in {self.Role.STREET_OFFICER, self.Role.DISTRICT_OFFICER}
