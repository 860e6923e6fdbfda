"""Jurisdiction scoping (分权分域): the one function every user-facing queryset goes through.

Who holds which region is stored as django-guardian object permissions on
Region (verbs: view / manage / dispatch). A user's scope is the subtree under
each region they hold; a subtree is a prefix of the materialised path, so
scoping any model is ``path LIKE 'prefix%'`` OR'd over the user's few grants —
one indexed filter, no tree walk, no per-row grants.

Out-of-scope objects must answer 404 (``get_in_scope_or_404``) so that their
existence does not leak.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

VERBS = ("view", "manage", "dispatch")
_CACHE_ATTR = "_ecogrid_scope_paths"


def _perm(verb: str) -> str:
    if verb not in VERBS:
        raise ValueError(f"unknown jurisdiction verb {verb!r}")
    return f"grids.{verb}_region"


def scope_paths(user, verb: str = "view") -> tuple[str, ...] | None:
    """Region paths the user holds for `verb`, with nested ones folded away.

    ``None`` means unrestricted (superusers). An anonymous or inactive user gets
    an empty tuple. The result is cached on the user object for the request.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if user.is_superuser:
        return None
    cache = user.__dict__.setdefault(_CACHE_ATTR, {})
    if verb not in cache:
        from .models import RegionGroupObjectPermission, RegionUserObjectPermission

        perm = _perm(verb).split(".", 1)[1]
        # One query, a UNION of two index-driven joins (grant rows by user → region by pk).
        # An OR of two IN-subqueries here made PostgreSQL scan every region on every
        # request (docs/performance.md, "scoping").
        direct = RegionUserObjectPermission.objects.filter(user=user, permission__codename=perm).values_list(
            "content_object__path", flat=True
        )
        via_group = RegionGroupObjectPermission.objects.filter(group__user=user, permission__codename=perm).values_list(
            "content_object__path", flat=True
        )
        paths = sorted(set(direct.union(via_group)))
        folded: list[str] = []
        for path in paths:  # sorted, so an ancestor comes before its descendants
            if not folded or not path.startswith(folded[-1]):
                folded.append(path)
        cache[verb] = tuple(folded)
    return cache[verb]


def forget_scope(user) -> None:
    """Drop the cached scope (after granting or revoking)."""
    user.__dict__.pop(_CACHE_ATTR, None)


def scope(queryset: QuerySet, user, *, verb: str = "view", path_field: str | None = None) -> QuerySet:
    """Restrict `queryset` to rows inside the user's jurisdiction.

    The model names its path field in ``SCOPE_PATH_FIELD`` (e.g. ``"region_path"``
    on cases, ``"path"`` on regions); pass `path_field` to override.
    """
    field = path_field or getattr(queryset.model, "SCOPE_PATH_FIELD", None)
    if not field:
        raise TypeError(f"{queryset.model.__name__} has no SCOPE_PATH_FIELD; it cannot be scoped")
    paths = scope_paths(user, verb)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    return queryset.filter(reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths)))


def get_in_scope_or_404(queryset: QuerySet, user, *, verb: str = "view", path_field: str | None = None, **lookup) -> Model:
    """Fetch one object inside the user's jurisdiction, or raise Http404 (never 403)."""
    try:
        return scope(queryset, user, verb=verb, path_field=path_field).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(_("Not found, or outside your jurisdiction.")) from None


def path_in_scope(user, path: str, *, verb: str = "view") -> bool:
    """True if a single path lies inside the user's jurisdiction (no query after the first)."""
    paths = scope_paths(user, verb)
    return paths is None or any(path.startswith(p) for p in paths)


def job_region_path(user, *, verb: str = "view") -> str:
    """The region a background job started by ``user`` runs under (core.Job.region_path).

    The user's one region, or the deepest path covering all of them; "" (the starter alone
    may see the job) for an unrestricted superuser.
    """
    paths = scope_paths(user, verb)
    if not paths:
        return ""
    if len(paths) == 1:
        return paths[0]
    parts = [p.rstrip("/").split("/") for p in paths]
    common = []
    for codes in zip(*parts):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    return "/".join(common) + "/" if common else ""
