"""Reference data kept per process (core/refdata.py): routing rules, departments, the calendar
and the grids are read once per process and version, and a change made anywhere — the admin,
an import, another process — applies to the very next report."""

import datetime as dt
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseCategory
from cases.services import case_report
from core import refdata
from dispatch import services
from dispatch.models import RoutingRule
from dispatch.routing import rule_for

from .conftest import S1_POINT

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
REFERENCE_TABLES = ("dispatch_routingrule", "dispatch_department", "dispatch_calendaroverride", "grids_region", "core_refdataversion")


def _report(users, code="0101"):
    case, _created = case_report(
        reporter=users["grid_worker"], client_uuid=uuid.uuid4(), category=CaseCategory.objects.get(code=code),
        description="人行道私搭棚架", **S1_POINT,
    )
    return case


def test_a_warm_process_routes_a_report_without_reading_the_reference_tables_but_the_stamps(users, rules, departments):
    _report(users)  # warms the rules, departments, calendar and grids
    refdata._request_started()  # as in a request (Django's request_started signal)
    try:
        with CaptureQueriesContext(connection) as ctx:
            case = _report(users)
    finally:
        refdata._request_finished()
    touched = [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in REFERENCE_TABLES)]
    assert len(touched) == 1 and "core_refdataversion" in touched[0]  # the stamps, one query
    assert case.department == departments["CGZF-440604011"] and case.accept_deadline is not None


def test_a_rule_edited_in_the_admin_applies_to_the_next_report(client, users, rules, departments, tree):
    first = _report(users)
    assert first.department == departments["CGZF-440604011"]
    admin = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "pw-for-tests-1")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    rule = rules["0101"]
    url = reverse("admin:dispatch_routingrule_change", args=[rule.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if not isinstance(v, bool) or v}
    data["department"] = departments["SJJ"].pk
    data["handle_limit"] = "9"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    second = _report(users)
    assert second.department == departments["SJJ-440604011"]  # the unit of the new department serving the street
    assert rule_for(category_id=rule.category_id, region_path=second.region_path).handle_limit == 9


def test_deleting_or_deactivating_a_rule_and_a_new_override_apply_at_once(users, rules, departments, tree):
    assert _report(users).department == departments["CGZF-440604011"]
    override = RoutingRule.objects.create(
        category=rules["0101"].category, department=departments["SJJ"], tier=rules["0101"].tier, region=tree["s1"],
        accept_limit=1, accept_unit="working_hours", handle_limit=1, handle_unit="working_days",
    )
    assert _report(users).department == departments["SJJ-440604011"]  # the street's override wins
    override.delete()
    assert _report(users).department == departments["CGZF-440604011"]
    rule = rules["0101"]
    rule.is_active = False
    rule.save()
    assert _report(users).department is None  # unrouted: a dispatcher routes it by hand


def test_a_calendar_override_moves_the_next_deadline(users, rules):
    before = _report(users).handle_deadline
    day = before.date() - dt.timedelta(days=1)
    services.calendar_override_set(date=day, is_working_day=False, reason="台风停工")
    services.calendar_override_set(date=before.date(), is_working_day=False, reason="台风停工")
    after = _report(users).handle_deadline
    assert after > before


def test_the_stamps_are_read_once_per_request_and_at_every_use_outside_one(users, rules):
    # What Django's request_started / request_finished signals call (sending the signals
    # themselves would also close the test's database connection).
    refdata._request_started()
    try:
        with CaptureQueriesContext(connection) as ctx:
            _report(users)
            _report(users)
        assert sum("core_refdataversion" in q["sql"] for q in ctx.captured_queries) == 1
    finally:
        refdata._request_finished()
    with CaptureQueriesContext(connection) as ctx:  # a shell, a script: no request to bound it
        _report(users)
    assert sum("core_refdataversion" in q["sql"] for q in ctx.captured_queries) > 1  # at every use


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="another process needs the PostgreSQL test database")
def test_a_rule_changed_by_another_process_applies_to_this_processs_next_report(users, rules, departments):
    assert _report(users).department == departments["CGZF-440604011"]  # this process holds the rules now
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    code = (
        "from dispatch.models import Department, RoutingRule;"
        f"r = RoutingRule.objects.get(pk={rules['0101'].pk}); r.department = Department.objects.get(code='SJJ'); r.save()"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
    )
    assert done.returncode == 0, done.stderr
    assert _report(users).department == departments["SJJ-440604011"]
    refdata.forget()


def test_a_new_grid_locates_the_next_report(users, rules, tree):
    from grids import geo
    from grids.selectors import grid_for_point
    from grids.services import region_create

    point = {"latitude": 22.95, "longitude": 113.11}
    assert grid_for_point(lat=point["latitude"], lng=point["longitude"]).code == "440604011001001"  # warm
    # The village splits its first grid: a new, smaller grid around the point (ordered first by code).
    region_create(code="440604011001000", name="丽豪社区第0网格", level=4, parent=tree["v1"], boundary=geo.rectangle(113.105, 22.94, 113.115, 22.96))
    case = _report(users)
    assert case.grid.code == "440604011001000"
