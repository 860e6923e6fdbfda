"""Before and after photos are labelled wherever a case is checked: the case page and the on-site
check (整改前 · 上报照片 / 整改后 · 处置照片 / 核查照片), each file through the checked views."""

import re
import uuid

import pytest
from django.urls import reverse

from cases.models import Case, CaseAttachment
from cases.photo_groups import photo_groups
from cases.services import Upload, case_report, case_transition, evidence_check

pytestmark = pytest.mark.django_db
St = CaseAttachment.Stage


def handled_case(users, dept_users, departments, report_kwargs, photo):
    case, _ = case_report(reporter=users["grid_worker"], uploads=[Upload(file=photo("before.jpg"))], **report_kwargs())
    case = case_transition(case=case, action="dispatch", actor=users["street_officer"], updates={"department": departments["CGZF-s1"]})
    case = case_transition(case=case, action="accept", actor=dept_users["cgzf"])
    after = evidence_check(uploads=[Upload(file=photo("after.jpg"))])
    return case_transition(case=case, action="handle", actor=dept_users["cgzf"], note="已清理", evidence_items=after)


def group(html, key):
    found = re.search(r'<figure class="photo-group" data-photos="%s">(.*?)</figure>' % key, html, re.S)
    return found.group(1) if found else None


def test_groups_follow_the_stage_before_after_check():
    atts = [CaseAttachment(stage=s, kind="photo") for s in (St.REPORT, St.HANDLING, St.BEFORE, St.AFTER, St.VERIFICATION)]
    groups = photo_groups(atts)
    assert [(g.key, [a.stage for a in g.items]) for g in groups] == [
        ("before", ["report", "before"]), ("after", ["handling", "after"]), ("check", ["verification"]),
    ]
    assert [g.key for g in photo_groups(atts[:1])] == ["before"]
    assert [g.key for g in photo_groups(atts[:1], keep_empty=("before", "after"))] == ["before", "after"]


def test_case_page_labels_before_and_after(login, users, dept_users, departments, report_kwargs, photo):
    case = handled_case(users, dept_users, departments, report_kwargs, photo)
    report_photo = case.attachments.get(stage=St.REPORT)
    handling_photo = case.attachments.get(stage=St.HANDLING)
    html = login(users["village_staff"]).get(reverse("cases:detail", args=[case.number])).content.decode()
    before, after = group(html, "before"), group(html, "after")
    assert "整改前 · 上报照片" in before and reverse("cases:thumb", args=[case.number, report_photo.pk]) in before
    assert "整改后 · 处置照片" in after and reverse("cases:thumb", args=[case.number, handling_photo.pk]) in after
    assert reverse("cases:thumb", args=[case.number, handling_photo.pk]) not in before
    assert 'alt="整改后 · 处置照片 · 处置结果"' in after  # each image says which it is, also to a screen reader
    assert group(html, "check") is None  # not verified yet: no empty group on the case page


def test_verify_page_shows_before_and_after_side_by_side(login, users, dept_users, departments, report_kwargs, photo):
    case = handled_case(users, dept_users, departments, report_kwargs, photo)
    client = login(users["grid_worker"])
    html = client.get(reverse("cases:verify", args=[case.number])).content.decode()
    assert '<div class="photo-groups compact">' in html
    before, after = group(html, "before"), group(html, "after")
    assert "整改前 · 上报照片" in before and "上报时" in before
    assert "整改后 · 处置照片" in after and "处置结果" in after
    # A failed check, handled again: the grid worker's own photo is labelled as the check's.
    form_uuid = str(uuid.uuid4())
    client.post(reverse("cases:upload"), {"form_uuid": form_uuid, "slot": "action", "file": photo("check.jpg")})
    client.post(reverse("cases:verify", args=[case.number]), {
        "form_uuid": form_uuid, "expected_version": case.version, "outcome": "verify_fail", "note": "仍有杂物",
    })
    case = Case.objects.get(pk=case.pk)
    assert case.status == Case.Status.DISPATCHED
    check_photo = case.attachments.get(stage=St.VERIFICATION)
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    check = group(html, "check")
    assert "核查照片" in check and reverse("cases:thumb", args=[case.number, check_photo.pk]) in check


def test_verify_page_says_when_there_is_no_after_photo(login, users, dept_users, departments, report_kwargs, photo):
    case, _ = case_report(reporter=users["grid_worker"], uploads=[Upload(file=photo())], **report_kwargs())
    case = case_transition(case=case, action="dispatch", actor=users["street_officer"], updates={"department": departments["CGZF-s1"]})
    case = case_transition(case=case, action="accept", actor=dept_users["cgzf"])
    case = case_transition(case=case, action="handle", actor=dept_users["cgzf"], note="已清理")
    html = login(users["grid_worker"]).get(reverse("cases:verify", args=[case.number])).content.decode()
    assert "整改后 · 处置照片" in group(html, "after") and "暂无照片" in group(html, "after")
