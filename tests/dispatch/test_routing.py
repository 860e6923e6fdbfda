"""Routing on registration: rules as data, the unit serving the street, deadlines in working time.

Deadline values are worked out by hand from the default periods 08:30–12:00 / 14:00–17:30
(7 working hours a day) and the 2026 State Council holiday notice: Spring Festival off
15–23 February, make-up working Saturdays 14 and 28 February.
"""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Case, Tier
from dispatch.checks import every_category_is_routed
from dispatch.routing import route_for_case, work_schedule
from dispatch.services import calendar_override_set

from .conftest import S2_POINT, rule

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=CST)


def unsaved_case(category, grid):
    return Case(category=category, grid=grid, region_path=grid.path)


def test_registration_routes_to_the_unit_serving_the_street(report, departments):
    case = report("0101")
    assert case.status == Case.Status.REGISTERED
    assert case.tier == Tier.STREET
    assert case.department == departments["CGZF-440604011"]  # 石湾镇街道综合执法办, not the district bureau
    assert case.accept_deadline == work_schedule().add(case.registered_at, 2, "working_hours")
    assert case.handle_deadline == work_schedule().add(case.registered_at, 3, "working_days")


def test_other_street_gets_its_own_unit(report, departments, users):
    case = report("0101", point=S2_POINT, reporter=users["district_officer"])
    assert case.department == departments["CGZF-440604010"]


def test_the_most_specific_region_override_wins(report, categories, departments, tree, rules):
    rule(categories["0101"], departments["SJJ"], tier=Tier.VILLAGE, region=tree["s1"], accept=("1", "working_hours"), urgency="urgent")
    rule(categories["0101"], departments["CGZF"], tier=Tier.GRID, region=tree["v1"], accept=("3", "working_hours"))
    case = report("0101")  # in v1 (丽豪社区), inside s1
    assert case.tier == Tier.GRID and case.department.code == "CGZF-440604011"
    assert case.accept_deadline == work_schedule().add(case.registered_at, 3, "working_hours")
    elsewhere = route_for_case(unsaved_case(categories["0101"], tree["440604011002001"]), now=at(2026, 3, 10, 9, 0))
    assert elsewhere["tier"] == Tier.VILLAGE and elsewhere["department"].code == "SJJ-440604011" and elsewhere["urgency"] == "urgent"


def test_a_category_without_a_rule_goes_to_the_street_without_a_department(report):
    case = report("0199")
    assert case.tier == Tier.STREET and case.department is None and case.handle_deadline is None


# --- deadline arithmetic through route_for_case -------------------------------------------------

def test_deadlines_across_the_2026_spring_festival_and_its_make_up_days(categories, rules, tree):
    fields = route_for_case(unsaved_case(categories["0101"], tree["440604011001001"]), now=at(2026, 2, 13, 16, 0))
    # Fri 16:00 + 2 h: 1.5 h on Friday, the rest on the make-up Saturday 14 Feb.
    assert fields["accept_deadline"] == at(2026, 2, 14, 9, 0)
    # 3 days = 21 h: Fri 1.5 + Sat 14th 7 + (holiday 15–23) Tue 24th 7 + Wed 25th 5.5 → 16:00.
    assert fields["handle_deadline"] == at(2026, 2, 25, 16, 0)
    # The second make-up Saturday (28 Feb) counts too.
    assert route_for_case(unsaved_case(categories["0101"], tree["440604011001001"]), now=at(2026, 2, 27, 16, 0))["accept_deadline"] == at(2026, 2, 28, 9, 0)


def test_deadline_skips_the_lunch_break(categories, rules, tree):
    fields = route_for_case(unsaved_case(categories["0101"], tree["440604011001001"]), now=at(2026, 3, 10, 11, 0))
    assert fields["accept_deadline"] == at(2026, 3, 10, 15, 0)  # 11:00–12:00, then 14:00–15:00


def test_deadline_skips_the_weekend(categories, rules, tree):
    fields = route_for_case(unsaved_case(categories["0101"], tree["440604011001001"]), now=at(2026, 3, 13, 17, 0))
    assert fields["accept_deadline"] == at(2026, 3, 16, 10, 0)  # Fri 17:00–17:30, Mon 08:30–10:00


def test_an_administrator_entered_2027_holiday_is_honoured(categories, rules, tree):
    case = unsaved_case(categories["0101"], tree["440604011001001"])
    # chinese_calendar has no 2027 data: Friday 1 January 2027 counts as a working day …
    assert route_for_case(case, now=at(2026, 12, 31, 16, 0))["accept_deadline"] == at(2027, 1, 1, 9, 0)
    # … until an administrator enters New Year's Day; the next routing uses it at once.
    calendar_override_set(date=dt.date(2027, 1, 1), is_working_day=False, reason="元旦")
    assert route_for_case(case, now=at(2026, 12, 31, 16, 0))["accept_deadline"] == at(2027, 1, 4, 9, 0)
    # A make-up working Saturday entered by hand counts as well.
    calendar_override_set(date=dt.date(2027, 1, 2), is_working_day=True, reason="调休上班")
    assert route_for_case(case, now=at(2026, 12, 31, 16, 0))["accept_deadline"] == at(2027, 1, 2, 9, 0)


def test_a_typhoon_closure_overrides_the_statutory_calendar(categories, rules, tree):
    calendar_override_set(date=dt.date(2026, 3, 11), is_working_day=False, reason="台风停工")
    fields = route_for_case(unsaved_case(categories["0101"], tree["440604011001001"]), now=at(2026, 3, 10, 17, 0))
    assert fields["accept_deadline"] == at(2026, 3, 12, 10, 0)  # Tue 0.5 h, Wed closed, Thu 1.5 h


# --- every category must be routed ----------------------------------------------------------------

def test_routing_check_reports_unrouted_categories(rules):
    out = StringIO()
    with pytest.raises(CommandError, match="1 case categories have no routing rule"):
        call_command("routing_check", stdout=out)
    assert "0199 其他" in out.getvalue()
    warnings = every_category_is_routed(databases=["default"])
    assert [w.id for w in warnings] == ["dispatch.W001"] and "0199" in warnings[0].msg
    assert every_category_is_routed(databases=None) == []


def test_routing_check_passes_when_every_category_has_a_rule(rules, categories, departments):
    rule(categories["0199"], departments["CGZF"])
    out = StringIO()
    call_command("routing_check", stdout=out)
    assert "Every active case category has a routing rule." in out.getvalue()
