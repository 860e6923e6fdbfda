"""Need-to-know (部门按需知悉): the second rule after jurisdiction, written once.

``grids.scoping.scope`` limits every user to the regions they hold. Department staff
are limited further: inside their jurisdiction they see only what concerns their own
unit (or, for a district department, its street units). Everything that shows a case,
or anything that names a case (its number, status, description), goes through one of
the two functions here:

* ``case_scope(qs, user)`` — a queryset of cases (or of rows carrying a case, with
  ``case_field="case"``) restricted by jurisdiction *and* need-to-know;
* ``need_to_know(qs, user, *department_fields)`` — any queryset whose rows concern the
  departments in ``department_fields`` (OR'd): e.g. a consultation concerns its invited
  departments, its decided department and its case's department.

Users who are not department staff are not restricted by need-to-know (jurisdiction
still applies). Out-of-scope rows are simply absent, so detail lookups answer 404.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .scoping import scope

_CACHE_ATTR = "_ecogrid_need_to_know_units"


def _units(user):
    """None when need-to-know does not bind `user`; else a queryset of the department ids they may
    see (their unit, and a district department's units) — used as a subquery, no query of its own."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    profile = getattr(user, "profile", None) if not user.is_superuser else None
    if profile is None or profile.role != "department_staff":
        return None
    if profile.department_id is None:
        return ()
    from django.apps import apps

    Department = apps.get_model("dispatch", "Department")
    return Department.objects.filter(Q(pk=profile.department_id) | Q(parent_id=profile.department_id)).values("pk")


def department_unit_ids(user) -> tuple[int, ...] | None:
    """The departments whose matters the user may see, or ``None`` when need-to-know does not
    bind the user (not department staff). A department user without a department sees nothing.
    Cached on the user object for the request (one query)."""
    units = _units(user)
    if units is None or units == ():
        return units
    cached = user.__dict__.get(_CACHE_ATTR)
    if cached is None:
        cached = user.__dict__[_CACHE_ATTR] = tuple(units.order_by("pk").values_list("pk", flat=True))
    return cached


def need_to_know(queryset: QuerySet, user, *department_fields: str) -> QuerySet:
    """Keep rows concerning one of the user's departments (any of `department_fields`).

    Applies only the need-to-know rule; combine with ``scope`` (or use ``case_scope``)."""
    if not department_fields:
        raise TypeError("need_to_know needs at least one department field")
    units = _units(user)
    if units is None:
        return queryset
    if isinstance(units, tuple):  # () — bound, but no department
        return queryset.none()
    model = queryset.model
    conditions = []
    for field in department_fields:
        if _is_many(model, field.split("__", 1)[0]):
            # A many-to-many field would repeat rows: match through a subquery instead.
            conditions.append(Q(pk__in=model._base_manager.filter(**{f"{field}__in": units}).values("pk")))
        else:
            conditions.append(Q(**{f"{field}__in": units}))
    return queryset.filter(reduce(or_, conditions))


def _is_many(model, field_name: str) -> bool:
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 — not a model field: treated as single-valued
        return False
    return bool(field.many_to_many or field.one_to_many)


def case_scope(queryset: QuerySet, user, *, verb: str = "view", case_field: str = "") -> QuerySet:
    """Cases (or rows naming a case through `case_field`) the user may see: jurisdiction + need-to-know.

    For rows that carry a case (``case_field="case"``), rows whose case is empty stay visible
    only when need-to-know does not bind the user."""
    prefix = f"{case_field}__" if case_field else ""
    path_field = f"{prefix}region_path" if case_field else None
    scoped = scope(queryset, user, verb=verb, path_field=path_field)
    return need_to_know(scoped, user, f"{prefix}department")


def case_visible(case, user) -> bool:
    """True when `case` (already inside the user's jurisdiction) passes need-to-know."""
    if case is None:
        return False
    units = department_unit_ids(user)
    return units is None or case.department_id in units
