"""Derived data of the dashboard (数读) and the map overlays.

Nothing here is a source of truth: ``CaseFact`` and ``CaseRollup`` are rebuilt from
the cases and their timeline by ``dashboard.rollup`` (``manage.py dashboard_rebuild``),
and kept current incrementally from the append-only ``cases.CaseEvent`` rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The additive measures of one case (dashboard.facts.case_contribution) and of a rollup row.
MEASURES = (
    "found",  # 发现 (registered, not merged/rejected/cancelled)
    "self_handled",  # 发现即办
    "self_fast",  # 发现即办 closed within ECOGRID_SELF_HANDLE_MINUTES
    "dispatched",  # 派遣
    "closed",  # 结案 (after dispatch)
    "open",  # 未结
    "closed_on_time",  # 按期结案
    "closed_with_deadline",
    "returned",  # 退单 (cases returned at least once)
    "reworked",  # 返工 (failed verification or reopened)
    "escalated",  # cases escalated at least once
    "escalations",  # 升级 (count)
    "hours_n",  # closed cases with a handling time
    "minutes_sum",  # their handling time, working minutes
    "d_received",  # per department: cases dispatched to it
    "d_accepted",
    "d_accepted_on_time",
    "d_returned",
    "d_handled",
    "d_handled_on_time",
)
# The measures a case adds under its own dimensions (the d_* ones go to each department it met).
CASE_MEASURES = tuple(m for m in MEASURES if not m.startswith("d_"))


class CaseFact(models.Model):
    """What one case currently adds to the rollups (so a change can be applied as a difference)."""

    SCOPE_PATH_FIELD = "region_path"

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    day = models.DateField(_("reported on"))  # local (Asia/Shanghai) date of the report
    region_path = models.CharField(_("region path"), max_length=255)
    # dashboard.facts.Contribution as JSON, or null when the case counts nowhere (merged, rejected …).
    contribution = models.JSONField(null=True, blank=True)
    # The same contribution in columns (dashboard.facts.fact_columns), so that PostgreSQL sums
    # the facts of partial months by plain GROUP BY; the departments' part stays in the JSON.
    cat = models.IntegerField(null=True, blank=True)  # 小类 id
    src = models.CharField(max_length=24, blank=True)
    dept = models.CharField(max_length=64, blank=True)
    hrs = models.CharField(max_length=8, blank=True)  # handling-time bin
    found = models.SmallIntegerField(default=0)
    self_handled = models.SmallIntegerField(default=0)
    self_fast = models.SmallIntegerField(default=0)
    dispatched = models.SmallIntegerField(default=0)
    closed = models.SmallIntegerField(default=0)
    open = models.SmallIntegerField(default=0)
    closed_on_time = models.SmallIntegerField(default=0)
    closed_with_deadline = models.SmallIntegerField(default=0)
    returned = models.SmallIntegerField(default=0)
    reworked = models.SmallIntegerField(default=0)
    escalated = models.SmallIntegerField(default=0)
    escalations = models.IntegerField(default=0)
    hours_n = models.SmallIntegerField(default=0)
    minutes_sum = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")
        indexes = [models.Index(fields=["day", "region_path"], name="dash_fact_day_idx")]


class CaseRollup(models.Model):
    """Sums of MEASURES per (grain, period, region, dimension value).

    grain ``m``: calendar month (period = first day), every dimension; ``w``: ISO week
    (period = Monday), dimension ``all`` only. Regions: the district, street and village
    of the case (every dimension) and its grid (``all`` only). Dimensions: ``all``,
    ``cat`` (小类 id), ``src`` (source), ``dept`` (department code), ``hrs`` (handling-time bin).
    """

    grain = models.CharField(max_length=1)
    period = models.DateField()
    level = models.PositiveSmallIntegerField()
    region_path = models.CharField(max_length=255)
    dim = models.CharField(max_length=4)
    value = models.CharField(max_length=32, blank=True)
    found = models.IntegerField(default=0)
    self_handled = models.IntegerField(default=0)
    self_fast = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    closed_with_deadline = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    escalations = models.IntegerField(default=0)
    hours_n = models.IntegerField(default=0)
    minutes_sum = models.BigIntegerField(default=0)
    d_received = models.IntegerField(default=0)
    d_accepted = models.IntegerField(default=0)
    d_accepted_on_time = models.IntegerField(default=0)
    d_returned = models.IntegerField(default=0)
    d_handled = models.IntegerField(default=0)
    d_handled_on_time = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("case rollup")
        verbose_name_plural = _("case rollups")
        constraints = [
            models.UniqueConstraint(fields=["grain", "period", "region_path", "dim", "value"], name="dash_rollup_key"),
        ]
        indexes = [
            # Every dashboard read: one grain and dimension at one level, a period range, a path
            # prefix — answered from the index alone (the measures are included): a district's
            # 1,200 grids over 12 months are 14,000 rows scattered over the heap, 100 ms read from
            # the table at a million cases, 13 ms from the index.
            models.Index(fields=["grain", "dim", "level", "region_path", "period"], name="dash_rollup_read_idx",
                         opclasses=["", "", "", "varchar_pattern_ops", ""], include=list(MEASURES)),
        ]


class RefreshState(models.Model):
    """Where the incremental refresh is in the case timeline (one row, pk=1).

    ``safe_event_id``: every event up to it has been applied and no older one can still
    commit. ``recent_ids``: events above it already applied (ids may commit out of order,
    so the window is re-read until it is older than dashboard.rollup.SETTLE).
    """

    safe_event_id = models.BigIntegerField(default=0)
    recent_ids = models.JSONField(default=list, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # Submitted inspections are counted once each (InspectionFact); those submitted since this
    # time (less dashboard.rollup.SETTLE) are looked at again on each refresh.
    inspections_since = models.DateTimeField(null=True, blank=True)


class InspectionFact(models.Model):
    """A submitted inspection already counted: its place, and passed/failed answers per department."""

    SCOPE_PATH_FIELD = "region_path"

    inspection = models.OneToOneField("inspections.Inspection", on_delete=models.CASCADE, primary_key=True, related_name="+")
    day = models.DateField(_("submitted on"))
    region_path = models.CharField(_("region path"), max_length=255)
    place_id = models.BigIntegerField(_("place"))
    depts = models.JSONField(default=dict)  # {department code: [passed, failed]}

    class Meta:
        verbose_name = _("inspection fact")
        verbose_name_plural = _("inspection facts")
        indexes = [
            models.Index(fields=["day", "region_path"], name="dash_ifact_day_idx"),
            # Inspections and distinct places of a region over a period, from the index alone.
            models.Index(fields=["region_path", "day"], name="dash_ifact_region_idx", opclasses=["varchar_pattern_ops", ""],
                         include=["place_id"]),
        ]


class InspectionRollup(models.Model):
    """Passed / failed checklist answers per (month, region above the grid, department)."""

    month = models.DateField()
    level = models.PositiveSmallIntegerField()
    region_path = models.CharField(max_length=255)
    department = models.CharField(max_length=32)
    passed = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("inspection rollup")
        verbose_name_plural = _("inspection rollups")
        constraints = [models.UniqueConstraint(fields=["month", "region_path", "department"], name="dash_irollup_key")]
        indexes = [models.Index(fields=["region_path", "month"], name="dash_irollup_read_idx")]


class MapOverlay(models.Model):
    """An offline GeoJSON layer the district uploads (roads, buildings, rivers …), drawn
    under the grid boundaries on every map (the base layers, with the tile URL setting)."""

    class Kind(models.TextChoices):
        ROADS = "roads", _("Roads")  # 道路
        BUILDINGS = "buildings", _("Buildings")  # 建筑
        WATER = "water", _("Rivers and water")  # 河流水系
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    geojson = models.JSONField(_("GeoJSON"))
    order = models.PositiveSmallIntegerField(_("drawing order"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)
    features = models.PositiveIntegerField(_("features"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("map overlay")
        verbose_name_plural = _("map overlays")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name
