"""Writes to the region tree and jurisdiction grants."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from guardian.shortcuts import assign_perm, remove_perm

from core.services import audit_record

from .models import Region, StaffProfile
from .scoping import VERBS, _perm, forget_scope

User = get_user_model()


@transaction.atomic
def region_create(*, code: str, name: str, level: int, parent: Region | None = None, boundary: dict | None = None) -> Region:
    region = Region(code=code, name=name, level=level, parent=parent, boundary=boundary)
    region.full_clean(exclude=["path"])
    region.path = region.computed_path()
    region.refresh_geometry()
    region.save()
    return region


@transaction.atomic
def region_update(*, region: Region, **fields) -> Region:
    """Change a region; moving it (new parent or code) rewrites its subtree's paths in one UPDATE."""
    old_path = region.path
    for name, value in fields.items():
        setattr(region, name, value)
    region.full_clean(exclude=["path"])
    region.path = region.computed_path()
    if "boundary" in fields:
        region.centre_lat = region.centre_lng = None
    region.refresh_geometry()
    region.save()
    if region.path != old_path:
        Region.objects.filter(path__startswith=old_path).exclude(pk=region.pk).update(
            path=Concat(Value(region.path), Substr(F("path"), len(old_path) + 1))
        )
    return region


def jurisdiction_grant(*, user, region: Region, verbs=("view",), by=None) -> None:
    """Give `user` the `verbs` over `region` and its subtree. View is implied by the others."""
    verbs = set(verbs) | {"view"}
    for verb in verbs:
        assign_perm(_perm(verb), user, region)
    forget_scope(user)
    audit_record(user=by, action="grant", object_type="grids.Region", object_ids=[region.code], reason=f"{user.username}: {','.join(sorted(verbs))}")


def jurisdiction_revoke(*, user, region: Region, verbs=VERBS, by=None) -> None:
    for verb in verbs:
        remove_perm(_perm(verb), user, region)
    forget_scope(user)
    audit_record(user=by, action="revoke", object_type="grids.Region", object_ids=[region.code], reason=user.username)


@transaction.atomic
def staff_create(*, username: str, password: str, full_name: str, role: str, regions=(), verbs=("view",), phone: str = "", department=None, email: str = "") -> User:
    user = User.objects.create_user(username=username, password=password, email=email, is_staff=role == StaffProfile.Role.ADMINISTRATOR)
    profile = StaffProfile(user=user, full_name=full_name, role=role, phone=phone, department=department)
    profile.full_clean()
    profile.save()
    for region in regions:
        jurisdiction_grant(user=user, region=region, verbs=verbs)
    return user
