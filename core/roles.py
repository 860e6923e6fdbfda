"""The staff roles, on the ground floor: every app may import them, they import no app.

The values are those of ``grids.StaffProfile.Role`` (the staff profile stores one of
them; tests/core/test_navigation.py checks that the two lists agree). Two more actors
appear in the case workflow but are not roles: "system" and "reporter" (cases/workflow.py).
"""

GRID_WORKER = GW = "grid_worker"  # 专职网格员
VILLAGE_STAFF = VS = "village_staff"  # 村(居)工作人员
STREET_OFFICER = SO = "street_officer"  # 镇街智慧社会治理中心
DISTRICT_OFFICER = DO = "district_officer"  # 区智慧社会治理中心
DEPARTMENT_STAFF = DS = "department_staff"  # 部门人员
ADMINISTRATOR = AD = "administrator"  # 系统管理员

ALL = frozenset({GW, VS, SO, DO, DS, AD})
OFFICERS = frozenset({SO, DO, AD})


def user_role(user) -> str | None:
    """The role of `user` (its staff profile's), "administrator" for a superuser without one, else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.role
    return AD if user.is_superuser else None
