"""Reads of forms_fill: master-data lists, the registry, templates, runs and the audit log.

Every queryset that reaches a user goes through ``grids.scoping.scope``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.identifiers import check_credit_code, check_id_number, normalize
from grids.scoping import get_in_scope_or_404, scope

from . import catalogue
from .catalogue import ENTERPRISE, PERSON
from .models import FillRun, Person, RecordChange, TableEntry, TableTemplate

# Filters a list (and a "fill everything matching" run) understands: name → how it applies.
PERSON_FILTERS = ("q", "grid", "sex", "employment_status", "population_type", "social_insurance_status",
                  "subsistence_status", "age_min", "age_max")
ENTERPRISE_FILTERS = ("q", "grid", "status", "industry")


def apply_filters(entity: str, qs: QuerySet, filters: dict) -> QuerySet:
    """Apply a list filter (GET parameters, or the ones saved on a fill job)."""
    q = (filters.get("q") or "").strip()[:64]
    if q:
        key = normalize(q)
        check = check_id_number if entity == PERSON else check_credit_code
        key_field = catalogue.KEY_FIELD[entity]
        if check(key).ok:
            qs = qs.filter(**{key_field: check(key).value})
        else:
            qs = qs.filter(name__icontains=q)
    grid = (filters.get("grid") or "").strip()
    if grid and grid.isdigit():
        from grids.models import Region

        region = Region.objects.filter(code=grid).only("path").first()
        qs = qs.filter(region_path__startswith=region.path) if region else qs.none()
    if entity == PERSON:
        if filters.get("sex") in ("M", "F"):
            qs = qs.filter(sex=filters["sex"])
        for key in ("employment_status", "population_type", "social_insurance_status", "subsistence_status"):
            value = (filters.get(key) or "").strip()
            if value and value in catalogue.field(PERSON, key).choices:
                qs = qs.filter(**{f"attributes__{key}": value})
        import datetime

        today = datetime.date.today()
        for name, op in (("age_min", "lte"), ("age_max", "gt")):
            value = str(filters.get(name) or "").strip()
            if value.isdigit() and int(value) < 150:
                years = int(value) + (1 if name == "age_max" else 0)
                try:
                    edge = today.replace(year=today.year - years)
                except ValueError:  # 29 February
                    edge = today.replace(year=today.year - years, day=28)
                qs = qs.filter(**{f"birth_date__{op}": edge})
    else:
        status = (filters.get("status") or "").strip()
        if status:
            qs = qs.filter(status=status)
        industry = (filters.get("industry") or "").strip()[:64]
        if industry:
            qs = qs.filter(industry__icontains=industry)
    return qs


def clean_filters(entity: str, data) -> dict:
    names = PERSON_FILTERS if entity == PERSON else ENTERPRISE_FILTERS
    return {n: str(data.get(n, ""))[:64] for n in names if data.get(n)}


def person_list(*, user, filters: dict) -> QuerySet:
    qs = scope(Person.objects.filter(deleted_at__isnull=True), user).select_related("region")
    return apply_filters(PERSON, qs, filters).order_by("region_path", "name", "id")


def person_get(*, user, pk: int, include_deleted: bool = False) -> Person:
    qs = Person.objects.select_related("region", "created_by")
    if not include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    return get_in_scope_or_404(qs, user, pk=pk)


def enterprise_list(*, user, filters: dict) -> QuerySet:
    from credit.models import Enterprise

    qs = scope(Enterprise.objects.filter(deleted_at__isnull=True), user).select_related("region")
    return apply_filters(ENTERPRISE, qs, filters).order_by("region_path", "name", "id")


def record_history(*, entity: str, object_id: int):
    return RecordChange.objects.filter(entity=entity, object_id=object_id).select_related("user")[:100]


def table_list(*, filters: dict) -> QuerySet:
    qs = TableEntry.objects.select_related("merged_into", "template")
    status = filters.get("status")
    if status in TableEntry.Status.values:
        qs = qs.filter(status=status)
    q = (filters.get("q") or "").strip()[:64]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(department__icontains=q) | Q(code__icontains=q))
    return qs


def tables_due(*, limit: int = 10):
    """Tables villages still report (active or smart-fill), soonest due first."""
    return (TableEntry.objects.filter(status__in=[TableEntry.Status.ACTIVE, TableEntry.Status.SMART_FILL])
            .exclude(next_due=None).select_related("template").order_by("next_due", "code")[:limit])


def template_list(*, user) -> QuerySet:
    """Templates shared at or above the user's jurisdiction (district-wide ones have an empty path)."""
    from grids.scoping import scope_paths

    qs = TableTemplate.objects.all()
    paths = scope_paths(user)
    if paths is None:
        return qs
    cond = Q(region_path="")
    for p in paths:
        # shared with an ancestor of mine, or inside my jurisdiction
        cond |= Q(region_path__startswith=p)
        prefix = ""
        for part in p.strip("/").split("/"):
            prefix += part + "/"
            cond |= Q(region_path=prefix)
    return qs.filter(cond)


def template_get(*, user, pk: int) -> TableTemplate:
    from django.http import Http404

    try:
        return template_list(user=user).get(pk=pk)
    except TableTemplate.DoesNotExist:
        raise Http404 from None


def my_runs(*, user, limit: int = 20):
    return FillRun.objects.filter(user=user).select_related("template", "table")[:limit]


def counts_for(*, user) -> dict:
    from credit.models import Enterprise

    return {
        "people": scope(Person.objects.filter(deleted_at__isnull=True), user).count(),
        "enterprises": scope(Enterprise.objects.filter(deleted_at__isnull=True), user).count(),
    }


def audit_log(*, filters: dict):
    from core.models import AuditLog

    qs = AuditLog.objects.select_related("user")
    action = filters.get("action")
    if action in AuditLog.Action.values:
        qs = qs.filter(action=action)
    user = (filters.get("user") or "").strip()[:64]
    if user:
        qs = qs.filter(user__username__icontains=user)
    for name, op in (("since", "gte"), ("until", "lte")):
        value = (filters.get(name) or "").strip()
        if value:
            import datetime

            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                continue
            qs = qs.filter(**{f"at__date__{op}": day})
    return qs.order_by("-at", "-id")


ENTITY_CHOICES = ((PERSON, "自然人"), (ENTERPRISE, "法人"))
