"""Demo departments: the 13 district departments and a unit of each per street."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from core.demo import DEMO_PASSWORD
from grids.models import Region, StaffProfile
from grids.services import staff_create

from .models import Department

DATA = Path(__file__).resolve().parent / "data" / "departments.json"
User = get_user_model()


@transaction.atomic
def seed(ctx):
    district = Region.objects.get(level=Region.Level.DISTRICT, code="440604")
    streets = list(Region.objects.filter(parent=district).order_by("code"))
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        dept, _ = Department.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"], "short_name": row["short_name"], "region": district}
        )
        for street in streets:
            Department.objects.get_or_create(
                code=f"{row['code']}-{street.code}",
                defaults={
                    "name": f"{street.name}{row['street_unit_suffix']}",
                    "short_name": row["short_name"],
                    "parent": dept,
                    "region": street,
                },
            )
    ctx.say(f"Departments: {Department.objects.count()}")
    shiwan = Region.objects.get(code="440604011")
    for username, full_name, code in [
        ("cgzf_shiwan", "黄志强", "CGZF-440604011"),
        ("sjj_shiwan", "周丽华", "SJJ-440604011"),
    ]:
        if not User.objects.filter(username=username).exists():
            staff_create(
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                role=StaffProfile.Role.DEPARTMENT_STAFF,
                regions=[shiwan],
                department=Department.objects.get(code=code),
            )
        ctx.login(username, str(StaffProfile.Role.DEPARTMENT_STAFF.label), Department.objects.get(code=code).name)
