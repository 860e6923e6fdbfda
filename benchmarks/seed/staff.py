"""Seed step: staff users, their profiles and their jurisdiction grants.

One grid worker per grid, one staff member per village, one officer per street and
per district, one member of staff per department unit; grants are guardian's
direct-FK rows (grids.RegionUserObjectPermission) with the verbs each role holds in
the demo. Usernames say what the user is: ``gw_<grid code>``, ``vs_<village>``,
``so_<street>``, ``do_<district>``, ``ds_<department code>``; ``admin`` is a
superuser. Every password is the demo password (core.demo.DEMO_PASSWORD).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.utils import timezone

from core.demo import DEMO_PASSWORD
from grids.models import RegionUserObjectPermission, StaffProfile

from . import names, register
from .writer import BulkWriter, SeedError, next_id, reset_sequence

User = get_user_model()
R = StaffProfile.Role
VERBS = {
    R.GRID_WORKER: ("view",),
    R.VILLAGE_STAFF: ("view", "manage"),
    R.STREET_OFFICER: ("view", "dispatch"),
    R.DISTRICT_OFFICER: ("view", "dispatch"),
    R.DEPARTMENT_STAFF: ("view",),
    R.ADMINISTRATOR: ("view", "manage", "dispatch"),
}


@register("staff", models=("auth.User", "grids.StaffProfile", "grids.RegionUserObjectPermission"))
def seed_staff(ctx) -> int:
    rng = ctx.rng
    regions = ctx.data["regions"]
    perms = {p.codename.split("_", 1)[0]: p.pk for p in Permission.objects.filter(content_type__app_label="grids", codename__endswith="_region")}
    if not {"view", "manage", "dispatch"} <= perms.keys():
        raise SeedError("the grids region permissions are missing: run `manage.py migrate` first")
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by every seeded user
    now = timezone.now()
    uid, pid = next_id(User), next_id(StaffProfile)
    people: list[tuple] = []  # (user id, username, role, region id, department id, superuser)

    def person(username, role, region_id, department_id=None, superuser=False):
        nonlocal uid
        people.append((uid, username, role, region_id, department_id, superuser))
        uid += 1
        return uid - 1

    staff = {"grid_worker": {}, "village_staff": {}, "street_officer": {}, "district_officer": {}, "department_staff": {}}
    names_by_user: dict[int, str] = {}
    admin_id = person("admin", R.ADMINISTRATOR, regions[1][0].id if regions[1] else None, superuser=True)
    for d in regions[1]:
        staff["district_officer"][d.id] = person(f"do_{d.code}", R.DISTRICT_OFFICER, d.id)
    for s in regions[2]:
        staff["street_officer"][s.id] = person(f"so_{s.code}", R.STREET_OFFICER, s.id)
    for v in regions[3]:
        staff["village_staff"][v.id] = person(f"vs_{v.code}", R.VILLAGE_STAFF, v.id)
    for g in regions[4]:
        staff["grid_worker"][g.id] = person(f"gw_{g.code}", R.GRID_WORKER, g.id)
    for dept_id, code, region_id in ctx.data.get("department_units", []):
        staff["department_staff"][dept_id] = person(f"ds_{code}", R.DEPARTMENT_STAFF, region_id, department_id=dept_id)

    with BulkWriter(User, ["id", "password", "username", "is_superuser", "is_staff", "is_active", "date_joined"]) as w:
        for user_id, username, role, _region, _dept, superuser in people:
            w.write((user_id, password, username, superuser, role == R.ADMINISTRATOR, True, now))
    rows = w.count
    with BulkWriter(StaffProfile, ["id", "user_id", "full_name", "role", "phone", "department_id", "created_at", "updated_at"]) as w:
        for user_id, _username, role, _region, dept_id, _superuser in people:
            full_name = "系统管理员" if user_id == admin_id else names.person(rng)
            names_by_user[user_id] = full_name
            w.write((pid, user_id, full_name, role, names.phone(rng), dept_id, now, now))
            pid += 1
    rows += w.count
    with BulkWriter(RegionUserObjectPermission, ["permission_id", "user_id", "content_object_id"]) as w:
        for user_id, _username, role, region_id, _dept, _superuser in people:
            if region_id is None:
                continue
            for verb in VERBS[role]:
                w.write((perms[verb], user_id, region_id))
    rows += w.count
    reset_sequence(User)
    reset_sequence(StaffProfile)
    ctx.data["staff"] = staff
    ctx.data["staff_names"] = names_by_user
    return rows
