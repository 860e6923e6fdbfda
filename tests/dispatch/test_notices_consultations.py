"""Rectification notices (限期整改通知书) with their follow-up check, and consultations (会商)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Tier
from cases.services import CaseActionError
from core.models import Notification
from dispatch import services
from dispatch.models import Consultation, RectificationNotice

from .conftest import jpeg_upload, photos

pytestmark = pytest.mark.django_db
S = Case.Status


@pytest.fixture
def accepted(report, users, departments, dept_users):
    case = services.case_dispatch(case=report("0101", address="丽豪路18号", place_name="粤香楼"), department=departments["CGZF-440604011"], by=users["street_officer"])
    return services.case_accept(case=case, by=dept_users["cgzf_s1"])


NOTICE = dict(
    party_name="佛山市禅城区粤香楼餐馆", party_address="丽豪路18号", finding="后巷违规加建操作间",
    legal_basis="《中华人民共和国城乡规划法》第六十四条", requirement="自行拆除，恢复原状",
)


def issue(case, user, **extra):
    return services.notice_issue(case=case, by=user, deadline=timezone.localdate() + dt.timedelta(days=7), **{**NOTICE, **extra})


def test_notices_are_numbered_per_department_and_year(accepted, dept_users, report, users, departments):
    first = issue(accepted, dept_users["cgzf_s1"])
    year = timezone.localdate().year
    assert first.number == f"禅城城管限改〔{year}〕第0001号"
    other = services.case_accept(case=services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=users["street_officer"]), by=dept_users["cgzf_s1"])
    assert issue(other, dept_users["cgzf_s1_b"]).number == f"禅城城管限改〔{year}〕第0002号"
    assert accepted.events.filter(action="rectification_notice").get().note == first.number


def test_notice_form_refuses_bad_input_and_keeps_it(accepted, dept_users, login):
    client = login(dept_users["cgzf_s1"])
    url = reverse("dispatch:notice_new", args=[accepted.number])
    page = client.get(url).content.decode()
    assert "粤香楼" in page  # pre-filled from the case
    response = client.post(url, {**NOTICE, "party_code": "91440604MA00000000", "deadline": timezone.localdate().isoformat()})
    body = response.content.decode()
    assert "整改期限必须晚于今天" in body and "后巷违规加建操作间" in body
    response = client.post(url, {**NOTICE, "party_code": "91440604MA00000000", "deadline": (timezone.localdate() + dt.timedelta(days=5)).isoformat()})
    assert "不是有效的统一社会信用代码" in response.content.decode()
    assert RectificationNotice.objects.count() == 0
    ok = client.post(url, {**NOTICE, "deadline": (timezone.localdate() + dt.timedelta(days=5)).isoformat()})
    notice = RectificationNotice.objects.get()
    assert ok.status_code == 302 and ok["Location"] == reverse("dispatch:notice", args=[notice.pk])


def test_printable_notice_page(accepted, dept_users, users, login):
    notice = issue(accepted, dept_users["cgzf_s1"])
    body = login(dept_users["cgzf_s1"]).get(reverse("dispatch:notice", args=[notice.pk])).content.decode()
    assert "限期整改通知书" in body and notice.number in body and "佛山市禅城区粤香楼餐馆" in body
    assert "《中华人民共和国城乡规划法》第六十四条" in body and "当事人签收" in body
    assert "dispatch/dispatch.css" in body and 'data-print' in body
    # The street centre sees it too; another department does not.
    assert login(users["street_officer"]).get(reverse("dispatch:notice", args=[notice.pk])).status_code == 200
    assert login(dept_users["sjj_s1"]).get(reverse("dispatch:notice", args=[notice.pk])).status_code == 404


def test_follow_up_falls_due_at_the_deadline_once(accepted, dept_users):
    notice = issue(accepted, dept_users["cgzf_s1"])
    assert services.notices_followup_scan(today=notice.deadline - dt.timedelta(days=1)) == []
    assert services.notices_followup_scan(today=notice.deadline) == [notice.number]
    assert services.notices_followup_scan(today=notice.deadline + dt.timedelta(days=1)) == []
    assert Notification.objects.filter(kind="follow_up", recipient=dept_users["cgzf_s1"]).count() == 1
    assert accepted.events.filter(action="followup_due").count() == 1


def test_follow_up_rectified_closes_the_matter(accepted, dept_users, users, login):
    notice = issue(accepted, dept_users["cgzf_s1"])
    client = login(dept_users["cgzf_s1"])
    url = reverse("dispatch:notice", args=[notice.pk])
    response = client.post(url, {"complied": "yes", "note": "已拆除"})
    assert "请至少添加一张整改后的现场照片" in response.content.decode()
    response = client.post(url, {"complied": "yes", "note": "已拆除", "photos": [jpeg_upload()]})
    assert response.status_code == 302
    notice.refresh_from_db()
    case = Case.objects.get(pk=accepted.pk)
    assert notice.status == "complied" and case.status == S.HANDLED
    assert Notification.objects.filter(kind="verify_needed", recipient=users["grid_worker"], about=f"case:{case.number}").exists()


def test_follow_up_not_rectified_escalates(accepted, dept_users, users):
    notice = issue(accepted, dept_users["cgzf_s1"])
    services.notice_followup_record(notice=notice, by=dept_users["cgzf_s1"], complied=False, note="仍未拆除")
    case = Case.objects.get(pk=accepted.pk)
    assert case.tier == Tier.DISTRICT and case.escalation_count == 1 and case.status == S.ACCEPTED
    assert RectificationNotice.objects.get().status == "not_complied"
    with pytest.raises(CaseActionError) as exc:
        services.notice_followup_record(notice=notice, by=dept_users["cgzf_s1"], complied=True, note="再查", evidence_items=photos())
    assert exc.value.code == "done"


def test_consultation_follows_its_decision(report, users, departments, dept_users, login):
    case = report("0901")
    client = login(users["street_officer"])
    url = reverse("dispatch:consultation_new", args=[case.number])
    meeting = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    # Nobody invited: refused, what was typed is kept.
    response = client.post(url, {"topic": "无证摊贩联合整治", "meeting_at": meeting})
    assert "请至少邀请一个部门或其他参会方" in response.content.decode() and "无证摊贩联合整治" in response.content.decode()
    response = client.post(url, {
        "topic": "无证摊贩联合整治", "meeting_at": meeting, "location": "镇街中心会议室",
        "departments": [departments["SJJ-440604011"].pk, departments["CGZF-440604011"].pk],
        "community": "丽豪社区居委会", "property": "丽豪物业", "merchants": "商户代表", "others": "派出所民警\n热心居民",
    })
    consultation = Consultation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dispatch:consultation", args=[consultation.pk])
    assert {p["kind"] for p in consultation.parties} == {"community", "property", "merchants", "other"} and len(consultation.parties) == 5
    assert Notification.objects.filter(kind="consultation", recipient=dept_users["sjj_s1"]).exists()
    deadline = (timezone.localtime() + dt.timedelta(days=5)).replace(second=0, microsecond=0)
    response = client.post(reverse("dispatch:consultation", args=[consultation.pk]), {
        "d-minutes": "各方发言", "d-decision": "由综合执法办牵头清理", "d-decided_department": departments["CGZF-440604011"].pk,
        "d-decided_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "a-TOTAL_FORMS": "3", "a-INITIAL_FORMS": "0", "a-MIN_NUM_FORMS": "0", "a-MAX_NUM_FORMS": "10",
        "a-0-description": "每日巡查", "a-0-owner": "丽豪社区", "a-0-deadline": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    })
    assert response.status_code == 302
    consultation.refresh_from_db()
    case.refresh_from_db()
    assert consultation.status == "decided" and consultation.actions.get().owner == "丽豪社区"
    assert case.status == S.DISPATCHED and case.department.code == "CGZF-440604011" and case.handle_deadline == deadline
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-3:] == ["consultation", "consultation_decision", "dispatch"]
    page = client.get(reverse("dispatch:case", args=[case.number])).content.decode()
    assert "会商决定" in page and "由综合执法办牵头清理" in page


def test_consultation_is_for_street_and_district_tiers(report, users, rules, categories, departments):
    from .conftest import rule

    case = report("0102")  # village tier
    with pytest.raises(CaseActionError) as exc:
        services.consultation_open(case=case, by=users["street_officer"], topic="x", meeting_at=timezone.now(), departments=[departments["CGZF"]])
    assert exc.value.code == "tier" and "请先将事件升级" in exc.value.messages[0]


def test_decision_cannot_move_an_accepted_case(report, users, departments, dept_users):
    case = services.case_accept(case=services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=users["street_officer"]), by=dept_users["cgzf_s1"])
    consultation = services.consultation_open(case=case, by=users["street_officer"], topic="t", meeting_at=timezone.now(), parties=[{"kind": "residents", "name": "居民"}])
    with pytest.raises(CaseActionError) as exc:
        services.consultation_decide(consultation=consultation, by=users["street_officer"], minutes="", decision="改由市场监管处理", decided_department=departments["SJJ-440604011"])
    assert exc.value.code == "status"
    consultation.refresh_from_db()
    assert consultation.status == "open"
