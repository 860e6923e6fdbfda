"""The case page, the action pages, the lists and the evidence files."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from cases.models import Case, CaseAttachment
from cases.services import case_report, case_transition, evidence_check, Upload
from grids.models import StaffProfile
from grids.services import staff_create

pytestmark = pytest.mark.django_db


def photos(photo, n=1):
    return evidence_check(uploads=[Upload(file=photo()) for _ in range(n)])


def handled_case(users, dept_users, departments, report_kwargs, photo, **overrides):
    """A case reported in the grid worker's grid, dispatched, accepted and handled."""
    case, _ = case_report(reporter=users["grid_worker"], uploads=[Upload(file=photo())], **report_kwargs(**overrides))
    case = case_transition(case=case, action="dispatch", actor=users["street_officer"], updates={"department": departments["CGZF-s1"]})
    case = case_transition(case=case, action="accept", actor=dept_users["cgzf"])
    return case_transition(case=case, action="handle", actor=dept_users["cgzf"], note="已清理", evidence_items=photos(photo))


def volunteer_case(report_kwargs, **overrides):
    case, _ = case_report(reporter=None, reporter_name="热心居民", source=Case.Source.VOLUNTEER, **report_kwargs(**overrides))
    return case


# --- the case page ---------------------------------------------------------------------------------

def test_case_page_shows_header_timeline_photos_map_and_my_actions(login, users, dept_users, departments, report_kwargs, photo):
    case = handled_case(users, dept_users, departments, report_kwargs, photo)
    response = login(users["village_staff"]).get(reverse("cases:detail", args=[case.number]))
    html = response.content.decode()
    assert case.number in html and "已处置" in html and "街面秩序 › 店外经营" in html and "丽豪社区第1网格" in html
    assert "网格员上报" in html and "石湾镇街道综合执法办" in html
    # Timeline: who, what, from → to, note (Asia/Shanghai times).
    for text in ["已上报", "派遣", "签收", "反馈处置结果", "已签收 → 已处置", "已清理", "镇街", "城管队员"]:
        assert text in html
    local = case.events.last().at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert local.strftime("%Y-%m-%d %H:%M") in html
    # Photos as thumbnails linking to the full image, through the checked view only.
    att = case.attachments.first()
    assert reverse("cases:thumb", args=[case.number, att.pk]) in html and reverse("cases:file", args=[case.number, att.pk]) in html
    assert "/media" not in html
    assert f'data-lat="{case.latitude:f}"' in html
    # Actions the village staff may do now on a handled case: verify (pass/fail) only.
    actions = [a["transition"].action for a in response.context["actions"]]
    assert actions == ["verify", "verify_fail"]
    assert reverse("cases:verify", args=[case.number]) + "?outcome=verify_fail" in html  # the on-site check page


def test_actions_follow_role_state_and_registry(login, users, report_kwargs):
    from cases.actions import ACTION_URL_NAMES

    case, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    actions = lambda user: [a["transition"].action for a in login(user).get(reverse("cases:detail", args=[case.number])).context["actions"]]  # noqa: E731
    assert actions(users["grid_worker"]) == ["cancel"]  # the reporter may withdraw; 0504 is not 发现即办
    assert actions(users["street_officer"]) == ["merge", "dispatch", "cancel"]
    # Dispatch registers its own form; the page links there instead of the generic page.
    saved = dict(ACTION_URL_NAMES)
    ACTION_URL_NAMES.clear()
    ACTION_URL_NAMES["dispatch"] = "cases:detail"
    try:
        response = login(users["street_officer"]).get(reverse("cases:detail", args=[case.number]))
        urls = {a["transition"].action: a["url"] for a in response.context["actions"]}
        assert urls["dispatch"] == reverse("cases:detail", args=[case.number])
        assert urls["cancel"] == reverse("cases:act", args=[case.number, "cancel"])  # not registered: generic page
    finally:
        ACTION_URL_NAMES.clear()
        ACTION_URL_NAMES.update(saved)


def test_deadlines_show_a_countdown_and_overdue_in_red(login, users, report_kwargs, departments):
    case, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    past = case.created_at - dt.timedelta(hours=3)
    future = case.created_at + dt.timedelta(days=2, hours=5)
    case_transition(case=case, action="dispatch", actor=users["street_officer"],
                    updates={"department": departments["CGZF-s1"], "accept_deadline": past, "handle_deadline": future})
    html = login(users["street_officer"]).get(reverse("cases:detail", args=[case.number])).content.decode()
    assert '<p class="deadline overdue"' in html and "签收时限" in html and "已超时" in html
    assert "处置时限" in html and "剩余" in html


def test_case_page_is_404_outside_the_jurisdiction(login, users, report_kwargs, tree):
    case, _ = case_report(reporter=users["district_officer"], **report_kwargs(latitude=23.05, longitude=113.12))  # 镇安村
    assert login(users["village_staff"]).get(reverse("cases:detail", args=[case.number])).status_code == 404
    assert login(users["district_officer"]).get(reverse("cases:detail", args=[case.number])).status_code == 200


def test_evidence_is_served_only_through_the_jurisdiction_check(login, users, report_kwargs, photo, tree):
    case, _ = case_report(reporter=users["grid_worker"], uploads=[Upload(file=photo())], **report_kwargs())
    att = case.attachments.get()
    full, thumb = reverse("cases:file", args=[case.number, att.pk]), reverse("cases:thumb", args=[case.number, att.pk])
    client = login(users["village_staff"])
    response = client.get(full)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client.get(thumb).status_code == 200
    other = staff_create(username="zhenan", password="x-pw-12345", full_name="镇安", role=StaffProfile.Role.VILLAGE_STAFF, regions=[tree["v3"]])
    client = login(other)
    assert client.get(full).status_code == 404 and client.get(thumb).status_code == 404
    # An attachment id under another case's number is not found either.
    own, _ = case_report(reporter=other, **report_kwargs(latitude=23.05, longitude=113.12))
    assert client.get(reverse("cases:file", args=[own.number, att.pk])).status_code == 404


def test_case_page_query_count_does_not_grow_with_history(login, users, dept_users, departments, report_kwargs, photo, django_assert_num_queries):
    short, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    long = handled_case(users, dept_users, departments, report_kwargs, photo)
    for _ in range(3):  # a longer history with more photos
        long = case_transition(case=long, action="verify_fail", actor=users["village_staff"], note="未整改", evidence_items=photos(photo, 2), evidence_stage="verification")
        long = case_transition(case=long, action="accept", actor=dept_users["cgzf"])
        long = case_transition(case=long, action="handle", actor=dept_users["cgzf"], note="再次处理", evidence_items=photos(photo, 2))
    client = login(users["street_officer"])
    client.get(reverse("cases:detail", args=[short.number]))  # warm the session
    # session, user, profile, scope paths (view), the case with its category/grid/department/
    # reporter/merged-into, attachments, events, scope paths (dispatch, for officer actions),
    # nearby duplicates (merge candidates, only when merge is allowed).
    with django_assert_num_queries(10):
        client.get(reverse("cases:detail", args=[short.number]))
    assert long.events.count() > 12 and long.attachments.count() > 12
    # The same minus the dispatch scope and the merge candidates: an officer can do nothing
    # on a handled case, whatever the length of its history.
    with django_assert_num_queries(8):
        client.get(reverse("cases:detail", args=[long.number]))


# --- the generic action page ---------------------------------------------------------------------

def act_url(case, action):
    return reverse("cases:act", args=[case.number, action])


def test_reject_needs_a_reason_and_keeps_the_form(login, users, report_kwargs):
    case = volunteer_case(report_kwargs)
    client = login(users["village_staff"])
    form = client.get(act_url(case, "reject")).context["form"]
    data = {"form_uuid": form["form_uuid"].value(), "expected_version": case.version, "note": "  "}
    response = client.post(act_url(case, "reject"), data)
    assert "请填写“不予立案”的原因。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.PENDING_TRIAGE
    response = client.post(act_url(case, "reject"), {**data, "note": "不属于受理范围"})
    case.refresh_from_db()
    assert response.status_code == 302 and case.status == Case.Status.REJECTED
    assert case.events.last().note == "不属于受理范围"


def test_stale_page_gets_the_conflict_message(login, users, report_kwargs):
    case = volunteer_case(report_kwargs)
    stale = case.version
    case_transition(case=case, action="register", actor=users["street_officer"])
    response = login(users["village_staff"]).post(act_url(case, "cancel"), {"form_uuid": str(uuid.uuid4()), "expected_version": stale, "note": "重复"})
    assert response.status_code == 409
    html = response.content.decode()
    assert f"在您办理期间，事件 {case.number} 已被他人修改（现为“已立案”）。请刷新后重试。" in html
    assert "重复" in html  # the note typed is kept
    case.refresh_from_db()
    assert case.status == Case.Status.REGISTERED


def test_double_submit_of_an_action_form_is_not_a_conflict(login, users, report_kwargs):
    case = volunteer_case(report_kwargs)
    client = login(users["village_staff"])
    data = {"form_uuid": str(uuid.uuid4()), "expected_version": case.version}
    assert client.post(act_url(case, "register"), data).status_code == 302
    assert client.post(act_url(case, "register"), data).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.REGISTERED and case.events.filter(action="register").count() == 1


def test_action_not_allowed_for_the_role_is_refused_clearly(login, users, report_kwargs):
    case = volunteer_case(report_kwargs)
    response = login(users["grid_worker"]).get(act_url(case, "register"))
    assert response.status_code == 409
    assert "您的角色不能对该事件“立案”。" in response.content.decode()
    response = login(users["grid_worker"]).post(act_url(case, "register"), {"form_uuid": str(uuid.uuid4()), "expected_version": case.version})
    assert "您的角色不能对该事件“立案”。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.PENDING_TRIAGE


def test_action_not_allowed_in_the_state_is_refused_clearly(login, users, report_kwargs):
    case, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    response = login(users["village_staff"]).post(act_url(case, "verify"), {"form_uuid": str(uuid.uuid4()), "expected_version": case.version})
    assert "该事件当前为“已立案”，不能“核查通过”。" in response.content.decode()


def test_staff_merge_a_duplicate_into_the_original_from_the_case_page(login, users, report_kwargs):
    original, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    dup = volunteer_case(report_kwargs, latitude=22.9502)
    client = login(users["village_staff"])
    page = client.get(reverse("cases:detail", args=[dup.number]))
    assert [c.number for c, _d in page.context["merge_candidates"]] == [original.number]
    assert f"?into={original.number}" in page.content.decode()
    response = client.post(act_url(dup, "merge"), {"form_uuid": str(uuid.uuid4()), "expected_version": dup.version, "into": original.number})
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.status == Case.Status.MERGED and dup.merged_into == original and dup.closed_at
    assert original.events.filter(action="merged_in", note=dup.number).exists()
    assert "已合并到" in client.get(reverse("cases:detail", args=[dup.number])).content.decode()


def test_merge_into_a_case_outside_the_jurisdiction_is_refused(login, users, report_kwargs):
    other, _ = case_report(reporter=users["district_officer"], **report_kwargs(latitude=23.05, longitude=113.12))
    dup = volunteer_case(report_kwargs)
    response = login(users["village_staff"]).post(act_url(dup, "merge"), {"form_uuid": str(uuid.uuid4()), "expected_version": dup.version, "into": other.number})
    assert f"您的辖区内没有事件 {other.number}。" in response.content.decode()


def test_self_handle_later_than_30_minutes_is_flagged(login, users, categories, report_kwargs, photo):
    case, _ = case_report(reporter=users["grid_worker"], uploads=[Upload(file=photo())], **report_kwargs(category=categories["0507"]))
    Case.objects.filter(pk=case.pk).update(created_at=case.created_at - dt.timedelta(minutes=45))
    client = login(users["grid_worker"])
    form_uuid = str(uuid.uuid4())
    client.post(reverse("cases:upload"), {"form_uuid": form_uuid, "slot": "action", "file": photo("after.jpg")})
    response = client.post(act_url(case, "self_handle"), {"form_uuid": form_uuid, "expected_version": case.version, "note": "已清理"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SELF_HANDLED and case.self_handle_overdue
    assert case.attachments.filter(stage=CaseAttachment.Stage.AFTER).count() == 1
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "已现场处置，但距上报超过 30 分钟。" in html
    assert "现场处置超时" in client.get(reverse("cases:mine")).content.decode()


# --- verification on the phone -------------------------------------------------------------------

def test_grid_worker_verifies_a_handled_case_with_a_photo(login, users, dept_users, departments, report_kwargs, photo):
    case = handled_case(users, dept_users, departments, report_kwargs, photo)
    client = login(users["grid_worker"])
    listing = client.get(reverse("cases:to_verify"))
    assert [c.number for c in listing.context["page"]] == [case.number]
    url = reverse("cases:verify", args=[case.number])
    form = client.get(url).context["form"]
    data = {"form_uuid": form["form_uuid"].value(), "expected_version": case.version}
    # Failed without a reason, then without a photo: clear messages, nothing changes.
    html = client.post(url, {**data, "outcome": "verify_fail"}).content.decode()
    assert "核查不通过时必须填写原因" in html
    html = client.post(url, {**data, "outcome": "verify_fail", "note": "仍有杂物"}).content.decode()
    assert "请添加现场照片。" in html and "仍有杂物" in html
    case.refresh_from_db()
    assert case.status == Case.Status.HANDLED
    client.post(reverse("cases:upload"), {"form_uuid": data["form_uuid"], "slot": "action", "file": photo("site.jpg")})
    response = client.post(url, {**data, "outcome": "verify_fail", "note": "仍有杂物"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.DISPATCHED
    event = case.events.last()
    assert event.action == "verify_fail" and event.note == "仍有杂物" and event.attachments.get().stage == "verification"


def test_verification_passed_then_closed(login, users, dept_users, departments, report_kwargs, photo):
    case = handled_case(users, dept_users, departments, report_kwargs, photo)
    client = login(users["grid_worker"])
    form_uuid = str(uuid.uuid4())
    client.post(reverse("cases:upload"), {"form_uuid": form_uuid, "slot": "action", "file": photo()})
    client.post(reverse("cases:verify", args=[case.number]), {"form_uuid": form_uuid, "expected_version": case.version, "outcome": "verify"})
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFIED
    login(users["village_staff"]).post(act_url(case, "close"), {"form_uuid": str(uuid.uuid4()), "expected_version": case.version})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.closed_at


# --- lists -------------------------------------------------------------------------------------------

def make_cases(users, report_kwargs, n, **overrides):
    return [case_report(reporter=users["grid_worker"], **report_kwargs(**overrides))[0] for _ in range(n)]


def test_case_list_query_count_is_constant(login, users, report_kwargs, django_assert_num_queries):
    make_cases(users, report_kwargs, 10)
    client = login(users["street_officer"])
    client.get(reverse("cases:list"))
    # session, user, profile, scope paths, regions (filter choices), categories (filter
    # choices), the page of cases with category/grid/department joined.
    with django_assert_num_queries(7):
        response = client.get(reverse("cases:list"))
    assert len(response.context["page"]) == 10
    make_cases(users, report_kwargs, 50)
    with django_assert_num_queries(7):
        response = client.get(reverse("cases:list"), {"status": "registered"})
    assert len(response.context["page"]) == 50 and response.context["page"].next_cursor


def test_keyset_pages_cover_every_case_once_in_order(login, users, report_kwargs):
    cases = make_cases(users, report_kwargs, 23)
    # Ties on created_at are broken by id.
    same = cases[5].created_at
    Case.objects.filter(pk__in=[c.pk for c in cases[5:12]]).update(created_at=same)
    client = login(users["street_officer"])
    seen, cursor = [], ""
    from cases import selectors

    while True:
        page = selectors.case_page(user=users["street_officer"], cursor=cursor, size=5)
        seen += [c.pk for c in page]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    expected = list(Case.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    assert seen == expected
    # A tampered cursor falls back to the first page.
    assert client.get(reverse("cases:list"), {"after": "not-a-cursor"}).status_code == 200


def test_case_list_filters(login, users, categories, report_kwargs, tree):
    a = make_cases(users, report_kwargs, 1)[0]
    b = make_cases(users, report_kwargs, 1, category=categories["0507"], latitude=22.95, longitude=113.13)[0]  # grid 002
    c = volunteer_case(report_kwargs)
    client = login(users["street_officer"])
    numbers = lambda **q: {x.number for x in client.get(reverse("cases:list"), q).context["page"]}  # noqa: E731
    assert numbers() == {a.number, b.number, c.number}
    assert numbers(category="0507") == {b.number}
    assert numbers(category="05") == {a.number, b.number, c.number}
    assert numbers(region="440604011001002") == {b.number}
    assert numbers(source="volunteer") == {c.number}
    assert numbers(status="pending_triage") == {c.number}
    # A region outside the scope is not a valid choice: the filter is ignored, nothing leaks.
    assert numbers(region="440604010001") == {a.number, b.number, c.number}


def test_my_cases_lists_my_reports_with_status(login, users, report_kwargs, django_assert_num_queries):
    mine = make_cases(users, report_kwargs, 3)
    case_report(reporter=users["village_staff"], **report_kwargs())
    client = login(users["grid_worker"])
    client.get(reverse("cases:mine"))
    # session, user, profile, the page (my cases with category/grid/department)
    with django_assert_num_queries(4):
        response = client.get(reverse("cases:mine"))
    assert [c.number for c in response.context["page"]] == [c.number for c in reversed(mine)]
    assert "已立案" in response.content.decode()
    make_cases(users, report_kwargs, 20)
    with django_assert_num_queries(4):
        client.get(reverse("cases:mine"))


def test_triage_queue_shows_volunteer_reports_in_my_villages(login, users, report_kwargs, django_assert_num_queries):
    mine = volunteer_case(report_kwargs)
    volunteer_case(report_kwargs, latitude=23.05, longitude=113.12)  # 镇安村, not mine
    case_report(reporter=users["grid_worker"], **report_kwargs())  # registered, not waiting
    client = login(users["village_staff"])
    client.get(reverse("cases:triage"))
    # session, user, profile, scope paths, the page
    with django_assert_num_queries(5):
        response = client.get(reverse("cases:triage"))
    assert [c.number for c in response.context["page"]] == [mine.number]
    # Register straight from the queue.
    client.post(act_url(mine, "register"), {"form_uuid": str(uuid.uuid4()), "expected_version": mine.version, "next": reverse("cases:triage")})
    mine.refresh_from_db()
    assert mine.status == Case.Status.REGISTERED


def test_lists_are_closed_to_the_wrong_roles(login, users, dept_users):
    assert login(users["grid_worker"]).get(reverse("cases:list")).status_code == 403
    assert login(users["grid_worker"]).get(reverse("cases:triage")).status_code == 403
    assert login(dept_users["cgzf"]).get(reverse("cases:to_verify")).status_code == 403
    assert login(users["village_staff"]).get(reverse("cases:categories")).status_code == 403


def test_phone_home_has_the_case_tiles(login, users):
    html = login(users["grid_worker"]).get(reverse("grids:mobile_home")).content.decode()
    html = html[html.index('<div class="tiles">'):]
    assert html.index("事件上报") < html.index("我的上报") < html.index("待核查")
    assert reverse("cases:report") in html



def test_department_staff_see_only_their_departments_cases(login, users, dept_users, departments, report_kwargs, photo):
    theirs = handled_case(users, dept_users, departments, report_kwargs, photo)
    other, _ = case_report(reporter=users["grid_worker"], **report_kwargs())
    other = case_transition(case=other, action="dispatch", actor=users["street_officer"], updates={"department": departments["SJJ-s1"]})
    client = login(dept_users["cgzf"])
    assert {c.number for c in client.get(reverse("cases:list")).context["page"]} == {theirs.number}
    assert client.get(reverse("cases:detail", args=[theirs.number])).status_code == 200
    assert client.get(reverse("cases:detail", args=[other.number])).status_code == 404
