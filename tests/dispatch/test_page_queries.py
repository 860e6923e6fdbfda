"""Every dispatch list and detail page issues a fixed number of queries, whatever the row count."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseCategory, CaseEvent, Tier
from dispatch import services
from dispatch.models import Consultation, RectificationNotice, RoutingRule

pytestmark = pytest.mark.django_db
S = Case.Status


def bulk_cases(n, *, categories, departments, tree, status=S.DISPATCHED, prefix="Q"):
    grid = tree["440604011001001"]
    now = timezone.now()
    return Case.objects.bulk_create([
        Case(number=f"{prefix}-{i:05d}", category=categories["0101"], description="测试", latitude=22.95, longitude=113.11, grid=grid,
             region_path=grid.path, status=status, tier=Tier.STREET, department=departments["CGZF-440604011"],
             accept_deadline=now + dt.timedelta(hours=i), handle_deadline=now + dt.timedelta(days=1, hours=i))
        for i in range(n)
    ])


@pytest.mark.parametrize("n", [10, 80])
def test_department_workbench(n, dept_users, categories, departments, tree, login, django_assert_num_queries):
    bulk_cases(n, categories=categories, departments=departments, tree=tree)
    client = login(dept_users["cgzf_s1"])
    # session, user, profile, the profile's department, the user's jurisdiction, the page of cases
    # (with category/grid/department; most urgent first, so no separate "no deadline" query),
    # the counters (one aggregate)
    with django_assert_num_queries(7):
        body = client.get(reverse("dispatch:department")).content.decode()
    assert body.count('data-case="') == min(n, 50)


@pytest.mark.parametrize("n", [10, 60])
def test_notice_list(n, dept_users, categories, departments, tree, login, django_assert_num_queries):
    cases = bulk_cases(n, categories=categories, departments=departments, tree=tree, status=S.ACCEPTED)
    RectificationNotice.objects.bulk_create([
        RectificationNotice(number=f"禅城城管限改〔2026〕第{i:04d}号", case=c, department=departments["CGZF-440604011"], region_path=c.region_path,
                            party_name="某商户", party_address="丽豪路", finding="f", legal_basis="l", requirement="r",
                            deadline=timezone.localdate() + dt.timedelta(days=5), issued_by=dept_users["cgzf_s1"])
        for i, c in enumerate(cases)
    ])
    client = login(dept_users["cgzf_s1"])
    # session, user, profile, jurisdiction, the profile's department (own notices only), the notices with case/department
    with django_assert_num_queries(5):
        body = client.get(reverse("dispatch:notices")).content.decode()
    assert body.count("禅城城管限改〔2026〕") == n


@pytest.mark.parametrize("n", [10, 60])
def test_consultation_list(n, users, categories, departments, tree, login, django_assert_num_queries):
    cases = bulk_cases(n, categories=categories, departments=departments, tree=tree, status=S.REGISTERED)
    Consultation.objects.bulk_create([
        Consultation(case=c, region_path=c.region_path, tier=Tier.STREET, topic=f"会商{i}", meeting_at=timezone.now(), opened_by=users["street_officer"])
        for i, c in enumerate(cases)
    ])
    client = login(users["street_officer"])
    # session, user, profile, jurisdiction, the consultations with their cases
    with django_assert_num_queries(5):
        body = client.get(reverse("dispatch:consultations")).content.decode()
    assert body.count("会商") >= n


@pytest.mark.parametrize("n", [5, 60])
def test_rules_page(n, users, categories, departments, login, django_assert_num_queries):
    major = categories["major"]
    for i in range(n):
        category = CaseCategory.objects.create(code=f"02{i:02d}", name=f"分类{i}", parent=major)
        RoutingRule.objects.create(category=category, tier=Tier.STREET, department=departments["CGZF"], accept_limit=Decimal(2),
                                   accept_unit="working_hours", handle_limit=Decimal(3), handle_unit="working_days")
    client = login(users["district_officer"])
    # session, user, profile, unrouted categories, the rules with category/region/department
    with django_assert_num_queries(5):
        body = client.get(reverse("dispatch:rules")).content.decode()
    assert len(re.findall(r"分类\d+<", body)) == n


@pytest.mark.parametrize("events", [2, 80])
def test_case_page_for_an_officer(events, report, users, login, django_assert_num_queries):
    case = report("0101")
    CaseEvent.objects.bulk_create([CaseEvent(case=case, action="deadline_warning", from_status="registered", to_status="registered") for _ in range(events)])
    client = login(users["street_officer"])
    # session, user, profile, dispatch jurisdiction, the case (category/grid/department/reporter),
    # view jurisdiction, its notices, its consultations, its photos, its timeline
    with django_assert_num_queries(11):
        body = client.get(reverse("dispatch:case", args=[case.number])).content.decode()
    assert body.count('data-action="deadline_warning"') == events


def test_notice_and_consultation_detail_pages(report, users, departments, dept_users, login, django_assert_num_queries):
    case = services.case_accept(case=services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=users["street_officer"]), by=dept_users["cgzf_s1"])
    deadline = timezone.localdate() + dt.timedelta(days=3)
    notice = services.notice_issue(case=case, by=dept_users["cgzf_s1"], party_name="丽豪水果店", party_address="丽豪路8号",
                                   finding="店外占道堆放纸箱", legal_basis="《广东省城乡生活垃圾管理条例》第三十条",
                                   requirement="三日内清理占道物品", deadline=deadline)
    client = login(dept_users["cgzf_s1"])
    # session, user, profile, jurisdiction, the profile's department, the notice (case, department, issuer)
    with django_assert_num_queries(5):
        page = client.get(reverse("dispatch:notice", args=[notice.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    for shown in (notice.number, case.number, "丽豪水果店", "丽豪路8号", "店外占道堆放纸箱", "第三十条", "三日内清理占道物品",
                  f"{deadline:%Y-%m-%d}"):
        assert shown in body, shown
    consult_case = report("0101")
    consultation = services.consultation_open(case=consult_case, by=users["street_officer"], topic="占道经营反复整治会商",
                                              meeting_at=timezone.now(), departments=[departments["CGZF"], departments["SJJ"]])
    officer = login(users["street_officer"])
    # session, user, profile, jurisdiction, the consultation (case, people), its departments, its actions,
    # the departments the decision may send the case to
    with django_assert_num_queries(8):
        page = officer.get(reverse("dispatch:consultation", args=[consultation.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    for shown in ("占道经营反复整治会商", consult_case.number, departments["CGZF"].name, departments["SJJ"].name):
        assert shown in body, shown
