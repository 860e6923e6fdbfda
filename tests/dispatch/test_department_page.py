"""The department's view of a case: where it is (address, map with the shared base layers), what it
looks like (report and handling photos, labelled, through the checked file views), counter cards that
each open the list they count, and nothing outside the department's cases (404)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import case_transition
from dispatch import selectors, services

from .conftest import photos

pytestmark = pytest.mark.django_db
S = Case.Status


@pytest.fixture
def handled(report, users, departments, dept_users):
    """A case reported with a photo and an address, dispatched, accepted and handled with a photo."""
    case = report("0101", address="丽豪路18号旁空地", checked=photos((200, 80, 40)))
    case = services.case_dispatch(case=case, department=departments["CGZF-440604011"], by=users["street_officer"])
    case = services.case_accept(case=case, by=dept_users["cgzf_s1"])
    return services.case_handle(case=case, by=dept_users["cgzf_s1"], note="已拆除", evidence_items=photos((60, 160, 80)))


def test_the_department_sees_the_photos_the_place_and_the_address(handled, dept_users, login):
    client = login(dept_users["cgzf_s1"])
    body = client.get(reverse("dispatch:case", args=[handled.number])).content.decode()
    assert "丽豪路18号旁空地" in body
    # The map: the shared component (ecomap.js draws the base layers) at the case's point.
    assert re.search(r'<div class="map" id="case-map" data-ecomap-case data-lat="22\.95\d*" data-lng="113\.11\d*"', body)
    assert "/static/js/ecomap.js" in body and 'id="ecomap-config"' in body and "vendor/leaflet/leaflet.js" in body
    # The photos, labelled before / after, each through the case's checked file views.
    before = re.search(r'data-photos="before">.*?</figure>', body, re.S).group(0)
    after = re.search(r'data-photos="after">.*?</figure>', body, re.S).group(0)
    assert "整改前 · 上报照片" in before and "整改后 · 处置照片" in after
    report_photo, handling_photo = handled.attachments.order_by("id")
    assert reverse("cases:thumb", args=[handled.number, report_photo.pk]) in before
    assert reverse("cases:thumb", args=[handled.number, handling_photo.pk]) in after
    for att in (report_photo, handling_photo):
        response = client.get(reverse("cases:thumb", args=[handled.number, att.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    # The boundary of the case's grid, for the map, is readable by the department.
    assert client.get(reverse("grids:region_geojson", args=[handled.grid.code])).status_code == 200


def test_a_case_without_an_address_says_so_and_still_shows_the_place(report, users, departments, dept_users, login):
    case = services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=users["street_officer"])
    body = login(dept_users["cgzf_s1"]).get(reverse("dispatch:case", args=[case.number])).content.decode()
    assert "未填写地址" in body and case.grid.name in body and "22.95000, 113.11000" in body
    assert 'data-ecomap-case' in body and "暂无照片" in body


def test_another_departments_staff_get_404_for_the_page_and_the_photos(handled, dept_users, login):
    for other in ("sjj_s1", "cgzf_s2"):
        client = login(dept_users[other])
        assert client.get(reverse("dispatch:case", args=[handled.number])).status_code == 404
        for att in handled.attachments.all():
            assert client.get(reverse("cases:thumb", args=[handled.number, att.pk])).status_code == 404
            assert client.get(reverse("cases:file", args=[handled.number, att.pk])).status_code == 404


def test_each_counter_card_opens_the_list_it_counts(report, users, departments, dept_users, login):
    so, clerk = users["street_officer"], dept_users["cgzf_s1"]
    unit = departments["CGZF-440604011"]
    now = timezone.now()

    def dispatched():
        return services.case_dispatch(case=report("0101"), department=unit, by=so)

    to_accept = [dispatched() for _ in range(3)]
    late_accept = dispatched()
    Case.objects.filter(pk=late_accept.pk).update(accept_deadline=now - dt.timedelta(hours=1))
    accepted = [services.case_accept(case=dispatched(), by=clerk) for _ in range(2)]
    Case.objects.filter(pk=accepted[0].pk).update(handle_deadline=now - dt.timedelta(hours=2))
    handled = services.case_handle(case=services.case_accept(case=dispatched(), by=clerk), by=clerk, note="已处置", evidence_items=photos())
    case_transition(case=handled, action="verify", actor=users["grid_worker"])
    services.case_handle(case=services.case_accept(case=dispatched(), by=clerk), by=clerk, note="已处置", evidence_items=photos())
    assert len(to_accept) == 3

    client = login(clerk)
    body = client.get(reverse("dispatch:department")).content.decode()
    cards = re.findall(r'<a class="tile[^"]*" href="\?tab=(\w+)" data-tab="(\w+)"><span>([^<]+)</span><div class="stat">(\d+)</div>', body)
    assert [(tab, label, int(n)) for tab, _key, label, n in cards] == [
        ("to_accept", "待签收", 4), ("in_progress", "处置中", 2), ("handled", "待核查", 1), ("overdue", "已超时", 2),
    ]
    for tab, _key, _label, count in cards:
        listed = client.get(reverse("dispatch:department"), {"tab": tab}).content.decode()
        queue = listed[listed.index('id="department-queue"'):]
        assert queue.count('data-case="') == int(count), tab
    overdue = client.get(reverse("dispatch:department"), {"tab": "overdue"}).content.decode()
    assert late_accept.number in overdue and accepted[0].number in overdue and accepted[1].number not in overdue
    # The overdue list is the most overdue first.
    assert overdue.index(accepted[0].number) < overdue.index(late_accept.number)
    # The done tab (verified / closed) is a tab of its own, not the overdue card's target.
    done = client.get(reverse("dispatch:department"), {"tab": "done"}).content.decode()
    assert done.count('data-case="') == 1 and handled.number in done


def test_an_unknown_tab_shows_the_cases_to_accept(report, users, departments, dept_users, login):
    case = services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=users["street_officer"])
    body = login(dept_users["cgzf_s1"]).get(reverse("dispatch:department"), {"tab": "nonsense"}).content.decode()
    assert case.number in body


def test_department_actions_come_back_to_the_tab(report, users, departments, dept_users, login):
    case = services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=users["street_officer"])
    client = login(dept_users["cgzf_s1"])
    here = "/dispatch/department/?tab=to_accept"
    body = client.get(here).content.decode()
    link = re.search(r'href="(/dispatch/case/%s/return/\?next=[^"]+)"' % case.number, body).group(1)
    response = client.post(link.replace("&amp;", "&"), {"note": "不属本单位职责", "expected_version": case.version, "next": here})
    assert response.status_code == 302 and response.url == here
    # Accepting goes on to the case (its handling is next), which still knows the list to come back to.
    case = services.case_dispatch(case=Case.objects.get(pk=case.pk), department=selectors.suggested_department(case=case), by=users["street_officer"])
    response = client.post(reverse("dispatch:case_accept", args=[case.number]), {"expected_version": case.version, "next": here})
    assert response.status_code == 302 and response.url == selectors.with_next(reverse("dispatch:case", args=[case.number]), here)
    page = client.get(response.url).content.decode()
    assert selectors.with_next(reverse("dispatch:case_handle", args=[case.number]), here).replace("&", "&amp;") in page
