"""Dispatch → accept / return → handle → verify → close, through the services and the pages."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, PendingUpload, Tier
from cases.services import CaseActionError, case_transition
from core.models import Notification
from dispatch import selectors, services

from .conftest import jpeg_upload, photos

pytestmark = pytest.mark.django_db
S = Case.Status


def dispatched(report, users, departments, code="CGZF-440604011"):
    case = report("0101")
    return services.case_dispatch(case=case, department=departments[code], by=users["street_officer"])


def test_full_loop_through_the_services(report, users, departments, dept_users):
    case = dispatched(report, users, departments)
    assert case.status == S.DISPATCHED and case.department.code == "CGZF-440604011"
    assert Notification.objects.filter(recipient__in=[dept_users["cgzf_s1"], dept_users["cgzf_s1_b"]], kind="dispatched", about=f"case:{case.number}").count() == 2
    case = services.case_accept(case=case, by=dept_users["cgzf_s1"])
    assert case.status == S.ACCEPTED
    case = services.case_handle(case=case, by=dept_users["cgzf_s1"], note="已拆除", evidence_items=photos())
    assert case.status == S.HANDLED and case.attachments.filter(stage="handling").count() == 1
    # The grid worker is asked to verify on site.
    assert Notification.objects.filter(recipient=users["grid_worker"], kind="verify_needed", about=f"case:{case.number}").exists()
    case = case_transition(case=case, action="verify", actor=users["grid_worker"], note="现场已恢复")
    case = services.case_close(case=case, by=users["street_officer"])
    assert case.status == S.CLOSED
    assert [e.action for e in case.events.all()] == ["report", "register", "dispatch", "accept", "handle", "verify", "close"]


def test_returned_case_goes_back_to_the_dispatcher(report, users, departments, dept_users):
    case = dispatched(report, users, departments, "SJJ-440604011")
    services.case_return(case=case, by=dept_users["sjj_s1"], reason="不属于市场监管职责")
    page = selectors.dispatcher_queue(user=users["street_officer"], filters=selectors.QueueFilters(status=S.RETURNED))
    assert [c.number for c in page.rows] == [case.number]
    assert page.rows[0].can_dispatch
    note = Notification.objects.get(recipient=users["street_officer"], kind="returned")
    assert "不属于市场监管职责" in note.body and case.number in note.body
    # … and it can be dispatched again, to the right department this time.
    case.refresh_from_db()
    case = services.case_dispatch(case=case, department=departments["CGZF-440604011"], by=users["street_officer"], expected_version=case.version)
    assert case.status == S.DISPATCHED and case.department.code == "CGZF-440604011"


def test_accept_after_someone_else_returned_it_is_refused(report, users, departments, dept_users, login):
    case = dispatched(report, users, departments)
    version = case.version  # both colleagues opened the case at this version
    services.case_return(case=case, by=dept_users["cgzf_s1"], reason="地址不详", expected_version=version)
    client = login(dept_users["cgzf_s1_b"])
    response = client.post(reverse("dispatch:case_accept", args=[case.number]), {"expected_version": version})
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    # Even with a fresh version the state says no.
    with pytest.raises(CaseActionError) as exc:
        services.case_accept(case=Case.objects.get(pk=case.pk), by=dept_users["cgzf_s1_b"])
    assert exc.value.code == "illegal_transition" and "已退单" in exc.value.messages[0]
    assert Case.objects.get(pk=case.pk).status == S.RETURNED


def test_dispatch_to_a_department_outside_the_case_region_is_refused(report, users, departments, login):
    case = report("0101")
    client = login(users["street_officer"])
    url = reverse("dispatch:case_dispatch", args=[case.number])
    page = client.get(url).content.decode()
    # Offered: the district bureaus and 石湾's units; the rule's suggestion is pre-selected.
    assert f'value="{departments["CGZF-440604011"].pk}" selected' in page
    assert "祖庙街道综合执法办" not in page
    response = client.post(url, {"department": departments["CGZF-440604010"].pk, "expected_version": case.version, "note": "请处理"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "祖庙街道综合执法办" in body and "不包括" in body  # a clear reason, not a generic "invalid choice"
    assert "请处理" in body  # what was typed is kept
    case.refresh_from_db()
    assert case.status == S.REGISTERED


def test_dispatch_page_dispatches_and_notifies(report, users, departments, dept_users, login):
    case = report("0101")
    client = login(users["street_officer"])
    response = client.post(reverse("dispatch:case_dispatch", args=[case.number]), {
        "department": departments["CGZF-440604011"].pk, "expected_version": case.version, "note": "尽快核实",
    })
    assert response.status_code == 302 and response["Location"] == reverse("dispatch:workbench")
    case.refresh_from_db()
    assert case.status == S.DISPATCHED
    event = case.events.get(action="dispatch")
    assert event.note == "尽快核实" and event.data["suggested"] is True


def test_bulk_dispatch_uses_each_case_street_unit_and_reports_refusals(report, users, departments, dept_users, login):
    a, b = report("0101"), report("0901")
    stale = report("0101")
    stale_version = stale.version
    services.case_dispatch(case=stale, department=departments["CGZF-440604011"], by=users["street_officer"])
    client = login(users["street_officer"])
    response = client.post(reverse("dispatch:workbench"), {
        "cases": [f"{a.number}:{a.version}", f"{b.number}:{b.version}", f"{stale.number}:{stale_version}"], "department": "",
    }, follow=True)
    a.refresh_from_db(), b.refresh_from_db()
    assert a.department.code == "CGZF-440604011" and b.department.code == "SJJ-440604011"  # each its suggestion
    body = response.content.decode()
    assert "已派遣 2 件" in body and f"{stale.number} 未派遣" in body


def test_bulk_dispatch_to_a_chosen_department(report, users, departments, login):
    a = report("0901")
    client = login(users["street_officer"])
    client.post(reverse("dispatch:workbench"), {"cases": [f"{a.number}:{a.version}"], "department": "CGZF"})
    a.refresh_from_db()
    assert a.status == S.DISPATCHED and a.department.code == "CGZF-440604011"  # CGZF resolved to 石湾's unit


def test_bulk_dispatch_without_ticks_keeps_the_page(report, users, login):
    report("0101")
    response = login(users["street_officer"]).post(reverse("dispatch:workbench"), {"department": "SJJ"})
    assert response.status_code == 200 and "请勾选要派遣的事件" in response.content.decode()


def test_reassign_moves_a_dispatched_case(report, users, departments, dept_users):
    case = dispatched(report, users, departments, "SJJ-440604011")
    case = services.case_dispatch(case=case, department=departments["CGZF-440604011"], by=users["street_officer"])
    assert case.events.filter(action="reassign").get().data["previous"] == "SJJ-440604011"
    with pytest.raises(CaseActionError) as exc:
        services.case_dispatch(case=case, department=departments["CGZF-440604011"], by=users["street_officer"])
    assert exc.value.code == "same_department"


def test_handling_needs_a_photo_and_keeps_the_note(report, users, departments, dept_users, login):
    case = dispatched(report, users, departments)
    case = services.case_accept(case=case, by=dept_users["cgzf_s1"])
    client = login(dept_users["cgzf_s1"])
    url = reverse("dispatch:case_handle", args=[case.number])
    response = client.post(url, {"note": "已责令拆除", "expected_version": case.version})
    body = response.content.decode()
    assert response.status_code == 200 and "请至少添加一张处置结果照片" in body and "已责令拆除" in body
    # Posted without the page's form id (an old page): it gets one, and keeps it from then on.
    form_uuid = re.search(r'name="form_uuid" value="([0-9a-f-]+)"', body).group(1)
    # A bad file is refused by name with the reason; the good photo posted with it is kept (previewed).
    bad = client.post(url, {"note": "已责令拆除", "expected_version": case.version, "form_uuid": form_uuid,
                            "photos": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg"), jpeg_upload("good.jpg")]})
    body = bad.content.decode()
    assert bad.status_code == 200 and re.search(r'upload-errors"[^>]*><li>x\.jpg：[^<]+</li>', body)
    kept = PendingUpload.objects.get(user=dept_users["cgzf_s1"], form_uuid=form_uuid)
    assert kept.original_name == "good.jpg" and reverse("cases:upload_thumb", args=[kept.pk]) in body
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED
    # Without a note, nothing is lost either: the photo stays with the form.
    no_note = client.post(url, {"note": " ", "expected_version": case.version, "form_uuid": form_uuid})
    assert "请填写处置情况。" in no_note.content.decode()
    assert reverse("cases:upload_thumb", args=[kept.pk]) in no_note.content.decode()
    ok = client.post(url, {"note": "已责令拆除", "expected_version": case.version, "form_uuid": form_uuid})
    assert ok.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.status == S.HANDLED
    assert list(case.attachments.values_list("stage", flat=True)) == ["handling"]
    assert not PendingUpload.objects.filter(form_uuid=form_uuid).exists()
    # The same form sent again (a double tap): the case it already handled, not an error.
    again = client.post(url, {"note": "已责令拆除", "expected_version": case.version - 1, "form_uuid": form_uuid})
    assert again.status_code == 302 and Case.objects.get(pk=case.pk).version == case.version


def test_handling_photos_uploaded_one_by_one_are_used(report, users, departments, dept_users, login):
    """The page's script sends each photo as soon as it is chosen (the preview); the form then
    posts no file, only its id."""
    import uuid

    case = services.case_accept(case=dispatched(report, users, departments), by=dept_users["cgzf_s1"])
    client = login(dept_users["cgzf_s1"])
    form_uuid = str(uuid.uuid4())
    sent = client.post(reverse("cases:upload"), {"form_uuid": form_uuid, "slot": "action", "file": jpeg_upload("after.jpg")})
    assert sent.status_code == 200 and "<img" in sent.json()["html"]
    ok = client.post(reverse("dispatch:case_handle", args=[case.number]) + "?next=/dispatch/department/%3Ftab%3Din_progress",
                     {"note": "已拆除", "expected_version": case.version, "form_uuid": form_uuid, "next": "/dispatch/department/?tab=in_progress"})
    assert ok.status_code == 302 and ok.url == "/dispatch/department/?tab=in_progress"
    assert Case.objects.get(pk=case.pk).attachments.filter(stage="handling").count() == 1


def test_close_after_verification_from_the_workbench(report, users, departments, dept_users, login):
    case = dispatched(report, users, departments)
    case = services.case_accept(case=case, by=dept_users["cgzf_s1"])
    case = services.case_handle(case=case, by=dept_users["cgzf_s1"], note="已处置", evidence_items=photos())
    case = case_transition(case=case, action="verify", actor=users["grid_worker"])
    client = login(users["street_officer"])
    # The unfiltered workbench's 结案 link needs no ?next=: the workbench is where closing returns to.
    assert f'href="{reverse("dispatch:case_close", args=[case.number])}"' in client.get(reverse("dispatch:workbench")).content.decode()
    response = client.post(reverse("dispatch:case_close", args=[case.number]), {"expected_version": case.version})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == S.CLOSED


def test_manual_escalation_and_its_limits(report, users, departments):
    case = report("0101")  # street tier
    with pytest.raises(CaseActionError) as exc:
        services.case_escalate(case=case, by=users["street_officer"], reason="")
    assert exc.value.code == "note_required"
    case = services.case_escalate(case=case, by=users["street_officer"], reason="涉及多个部门")
    assert case.tier == Tier.DISTRICT and case.escalation_count == 1
    event = case.events.get(action="escalate")
    assert event.data == {"from_tier": 2, "to_tier": 1, "automatic": False, "count": 1} and event.note == "涉及多个部门"
    assert Notification.objects.filter(recipient=users["district_officer"], kind="escalated").exists()
    with pytest.raises(CaseActionError) as exc:
        services.case_escalate(case=case, by=users["district_officer"], reason="再升")
    assert exc.value.code == "top_tier" and "会商" in exc.value.messages[0]


def test_escalate_page_for_the_street_officer(report, users, login):
    case = report("0101")
    client = login(users["street_officer"])
    response = client.post(reverse("dispatch:case_escalate", args=[case.number]), {"expected_version": case.version, "note": ""})
    assert "请说明原因" in response.content.decode()
    response = client.post(reverse("dispatch:case_escalate", args=[case.number]), {"expected_version": case.version, "note": "难以协调"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).tier == Tier.DISTRICT


def test_dispatcher_cannot_touch_a_case_outside_the_jurisdiction(report, users, login):
    case = report("0101", point={"latitude": 23.05, "longitude": 113.12}, reporter=users["district_officer"])
    client = login(users["street_officer"])  # 石湾 only; the case is in 祖庙
    assert client.get(reverse("dispatch:case_dispatch", args=[case.number])).status_code == 404
    assert client.post(reverse("dispatch:case_escalate", args=[case.number]), {"expected_version": case.version, "note": "x"}).status_code == 404
