"""The demo cases: every resting state, through the services, and idempotent."""

import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cases import demo
from cases.models import Case, CaseEvent
from cases.workflow import ALL_STATES
from core.demo import DemoContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(db):
    """The demo regions and users (grids/demo.py) and the departments dispatch's demo makes."""
    import grids.demo
    from dispatch.models import Department
    from grids.models import Region, StaffProfile
    from grids.services import staff_create

    ctx = DemoContext(stdout=io.StringIO())
    grids.demo.seed(ctx)
    district = Region.objects.get(code="440604")
    rows = json.loads((Path(__file__).resolve().parents[2] / "dispatch" / "data" / "departments.json").read_text(encoding="utf-8"))
    for row in rows:
        top = Department.objects.create(code=row["code"], name=row["name"], short_name=row["short_name"], region=district)
        for street in Region.objects.filter(parent=district):
            Department.objects.create(code=f"{row['code']}-{street.code}", name=street.name + row["street_unit_suffix"], short_name=row["short_name"], parent=top, region=street)
    shiwan = Region.objects.get(code="440604011")
    for username, code in [("cgzf_shiwan", "CGZF-440604011"), ("sjj_shiwan", "SJJ-440604011")]:
        staff_create(username=username, password="pw-for-tests-1", full_name=username, role=StaffProfile.Role.DEPARTMENT_STAFF, regions=[shiwan], department=Department.objects.get(code=code))
    return ctx


def test_demo_has_every_resting_state_and_runs_twice_without_change(demo_world):
    demo.seed(demo_world)
    resting = ALL_STATES - {Case.Status.REPORTED}  # a report is registered or triaged at once
    assert set(Case.objects.values_list("status", flat=True)) == resting
    assert Case.objects.filter(self_handle_overdue=True).exists()
    assert Case.objects.filter(status="handled", grid__code=demo.LIHAO_G1).count() >= 1  # lihao_grid01 has something to verify
    # Across several demo villages, with photos, backdated with numbers of their own day.
    assert Case.objects.values("grid__parent").distinct().count() >= 6
    shanghai = ZoneInfo("Asia/Shanghai")
    assert all(c.number.split("-")[1] == f"{c.created_at.astimezone(shanghai):%Y%m%d}" for c in Case.objects.all())
    for closed in Case.objects.filter(status="closed"):
        assert closed.events.filter(action__in=["verify", "self_handle"]).exists()
    counts = (Case.objects.count(), CaseEvent.objects.count())
    demo.seed(demo_world)
    assert (Case.objects.count(), CaseEvent.objects.count()) == counts
    assert "0 demo cases created" in demo_world.stdout.getvalue().splitlines()[-1]
