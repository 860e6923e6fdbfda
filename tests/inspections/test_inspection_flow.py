"""The mobile inspection: start, answer as you go, photos, bad input, submit → answers and cases."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseAttachment
from inspections import services
from inspections.models import Answer, Inspection, InspectionPhoto

from .conftest import answer_all, jpeg, small_spec

pytestmark = pytest.mark.django_db


def _item(inspection, code):
    return inspection.scene.items.get(code=code)


def test_start_picks_the_scene_of_the_place_type_and_resumes_the_open_draft(published, place, worker):
    first = services.inspection_start(inspector=worker, place=place)
    assert first.is_draft and first.scene.code == "shop" and first.version == published
    assert first.grid_id == place.grid_id and first.region_path == place.region_path
    again = services.inspection_start(inspector=worker, place=place)
    assert again.pk == first.pk
    assert Inspection.objects.count() == 1


def test_a_place_type_without_scene_is_refused_with_a_clear_message(published, tree, worker):
    site = services.place_create(by=worker, name="某工地", place_type="construction_site", latitude=22.95, longitude=113.11)
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_start(inspector=worker, place=site)
    assert "没有适用于“建筑工地”的场景" in exc.value.messages[0]


def test_answers_are_saved_in_the_draft_as_the_worker_goes(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    item = _item(inspection, "CGZF-001")
    client = login(worker)
    response = client.post(f"/inspections/i/{inspection.client_uuid}/answer/", {
        "item": item.pk, "result": "fail", "reason": item.fail_reasons[1], "remark": "门口摆了三个货架",
    })
    assert response.status_code == 200
    assert response["X-Inspection-Saved"] == "1" and response["X-Inspection-Progress"] == "1/7"
    inspection.refresh_from_db()
    assert inspection.draft["CGZF-001"] == {"result": "fail", "reason": item.fail_reasons[1], "fixed": False, "remark": "门口摆了三个货架"}
    # Reopening the page (a closed tab, a dropped connection) shows what was saved.
    html = client.get(f"/inspections/i/{inspection.client_uuid}/").content.decode()
    assert f'name="result_{item.pk}" value="fail" checked' in html
    assert f'value="{item.fail_reasons[1]}" checked' in html and "门口摆了三个货架" in html
    assert "1 / 7" in html


def test_an_unknown_item_id_is_refused_and_the_draft_kept(published, place, worker, login, reference):
    inspection = services.inspection_start(inspector=worker, place=place)
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=_item(inspection, "XF-001").pk, result="pass")
    not_in_scene = services.checklist_create(spec=small_spec(label="t.9")).items.first()  # same codes, another version
    client = login(worker)
    response = client.post(f"/inspections/i/{inspection.client_uuid}/answer/", {"item": not_in_scene.pk, "result": "pass"})
    assert response.status_code == 400
    assert "未知事项" in response.content.decode()
    response = client.post(f"/inspections/i/{inspection.client_uuid}/answer/", {"item": "abc", "result": "pass"})
    assert response.status_code == 400 and "未知事项" in response.content.decode()
    # In the final submit as well: the message names the id, the draft is untouched.
    response = client.post(f"/inspections/i/{inspection.client_uuid}/submit/", {f"result_{not_in_scene.pk}": "pass"})
    assert response.status_code == 400
    assert f"未知事项 {not_in_scene.pk}" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.is_draft and inspection.draft == {"XF-001": {"result": "pass"}}


def test_a_reason_that_is_not_an_option_is_refused(published, place, worker):
    inspection = services.inspection_start(inspector=worker, place=place)
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=_item(inspection, "XF-001").pk, result="fail", fail_reason="随便写的")
    assert exc.value.problems == {"XF-001": ["“随便写的”不是该事项的不合格原因选项。"]}


def test_missing_required_answers_are_listed_and_the_draft_kept(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    item = _item(inspection, "SJJ-001")
    client = login(worker)
    response = client.post(f"/inspections/i/{inspection.client_uuid}/submit/", {f"result_{item.pk}": "pass", "remark": "老板不在"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "还有 6 项必答事项未作答。" in html
    assert html.count("请作答本事项（合格、不合格或不涉及）。") == 6
    assert f'name="result_{item.pk}" value="pass" checked' in html  # what was posted is kept
    inspection.refresh_from_db()
    assert inspection.is_draft and inspection.draft["SJJ-001"]["result"] == "pass" and inspection.remark == "老板不在"
    assert not Answer.objects.exists() and not Case.objects.exists()


def test_a_fail_without_the_required_photo_or_reason_is_refused(published, place, worker):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-001"}, photos=False)
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=_item(inspection, "SJJ-001").pk, result="fail")
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
    assert exc.value.problems == {"XF-001": ["必须拍摄问题照片。"], "SJJ-001": ["请选择不合格原因。", "必须拍摄问题照片。"]}
    inspection.refresh_from_db()
    assert inspection.is_draft and not Case.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_else_is_lost(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-001"}, photos=False)
    item = _item(inspection, "XF-001")
    client = login(worker)
    fake = SimpleUploadedFile("invoice.jpg", b"%PDF-1.4 not really a photo", content_type="image/jpeg")
    response = client.post(f"/inspections/i/{inspection.client_uuid}/submit/", {f"photo_{item.pk}": fake, f"result_{item.pk}": "fail",
                                                                                f"reason_{item.pk}": item.fail_reasons[0]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "照片“invoice.jpg”：" in html and "不是图片" in html
    inspection.refresh_from_db()
    assert inspection.is_draft and len(inspection.draft) == 7 and not InspectionPhoto.objects.exists()
    # The same check when the photo is uploaded on its own while answering.
    response = client.post(f"/inspections/i/{inspection.client_uuid}/photo/", {"item": item.pk, "stage": "fail", "photo": SimpleUploadedFile("x.png", b"nope")},
                           HTTP_X_REQUESTED_WITH="fetch")
    assert response["X-Inspection-Saved"] == "0" and "不是图片" in response.content.decode()


def test_failed_items_become_cases_of_the_items_category_linked_to_the_answer(published, place, worker):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-001", "SJJ-001"}, na={"CGZF-015"})
    inspection, created = services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
    assert created and inspection.status == "submitted" and inspection.submitted_at
    assert (inspection.pass_count, inspection.fail_count, inspection.na_count) == (4, 2, 1)
    assert Answer.objects.filter(inspection=inspection).count() == 7
    failed = Answer.objects.filter(inspection=inspection, result="fail").select_related("case__category", "item__category")
    assert len(failed) == 2
    for answer in failed:
        case = answer.case
        assert case.category == answer.item.category  # XF-001 → 0701, SJJ-001 → 0901
        assert case.source == Case.Source.INSPECTION and case.status == Case.Status.REGISTERED
        assert case.client_uuid == uuid.uuid5(inspection.client_uuid, answer.item.code)
        assert case.place_name == "丽豪水果店" and case.grid_id == place.grid_id and case.reporter == worker
        assert answer.item.title in case.description and answer.fail_reason in case.description
        assert [e.action for e in case.events.order_by("id")] == ["report", "register"]
        assert case.attachments.filter(stage=CaseAttachment.Stage.REPORT).count() == 1
        assert case.inspection_answer == answer
    assert {a.case.category.code for a in failed} == {"0701", "0901"}
    assert Case.objects.count() == 2


def test_an_on_discovery_item_fixed_on_the_spot_is_recorded_as_self_handled(published, place, worker):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-002"}, fixed={"XF-002"})  # XF-002 is 发现即办
    inspection, _ = services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
    answer = Answer.objects.get(inspection=inspection, item__code="XF-002")
    case = answer.case
    assert answer.fixed_on_spot and case.status == Case.Status.SELF_HANDLED and case.closed_at
    assert [e.action for e in case.events.order_by("id")] == ["report", "register", "self_handle"]
    assert set(case.attachments.values_list("stage", flat=True)) == {CaseAttachment.Stage.BEFORE, CaseAttachment.Stage.AFTER}


def test_fixed_on_the_spot_needs_an_after_photo_and_only_on_discovery_items_can_be(published, place, worker):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-002"})
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=_item(inspection, "XF-002").pk, result="fail",
                                    fail_reason=_item(inspection, "XF-002").fail_reasons[0], fixed=True)
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
    assert exc.value.problems == {"XF-002": ["当场整改须拍摄整改后照片。"]}
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=_item(inspection, "XF-001").pk, result="fail", fixed=True)
    assert "不能当场整改" in exc.value.messages[0]


def test_a_retried_submit_returns_the_same_inspection_and_creates_nothing_more(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-001"})
    client = login(worker)
    url = f"/inspections/i/{inspection.client_uuid}/submit/"
    first = client.post(url, {"latitude": "22.95", "longitude": "113.11"})
    second = client.post(url, {"latitude": "22.95", "longitude": "113.11"})
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Inspection.objects.filter(status="submitted").count() == 1
    assert Answer.objects.count() == 7 and Case.objects.count() == 1
    again, created = services.inspection_submit(inspection=inspection, inspector=worker)
    assert not created and again.pk == inspection.pk
    page = client.get(first["Location"]).content.decode()
    assert "已提交" in page and Case.objects.get().number in page


def test_a_submit_far_outside_the_grid_is_accepted_with_a_visible_flag(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker)
    # The grid spans lng 113.1–113.125; 113.2 is about 7.7 km east of its edge.
    inspection, created = services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.2)
    assert created and inspection.location_flag == Inspection.LocationFlag.FAR
    assert 7000 < inspection.location_distance_m < 8500
    page = login(worker).get(f"/inspections/i/{inspection.client_uuid}/").content.decode()
    assert "远离网格" in page


@pytest.mark.parametrize("lat,lng,flag", [(22.95, 113.11, ""), (22.95, 113.1265, ""), (None, None, "missing")])
def test_location_inside_or_near_the_grid_is_not_flagged_and_a_missing_one_is(published, place, worker, lat, lng, flag):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker)
    inspection, _ = services.inspection_submit(inspection=inspection, inspector=worker, latitude=lat, longitude=lng)
    assert inspection.location_flag == flag


def test_another_worker_cannot_open_or_change_my_draft(published, place, worker, login, tree):
    from grids.services import staff_create

    inspection = services.inspection_start(inspector=worker, place=place)
    colleague = staff_create(username="gw2", password="pw-for-tests-1", full_name="同网格", role="grid_worker", regions=[tree["440604011001001"]])
    client = login(colleague)
    assert client.get(f"/inspections/i/{inspection.client_uuid}/").status_code == 404
    assert client.post(f"/inspections/i/{inspection.client_uuid}/answer/", {"item": 1, "result": "pass"}).status_code == 404
    assert client.post(f"/inspections/i/{inspection.client_uuid}/submit/").status_code == 404
    with pytest.raises(services.InspectionError):
        services.inspection_submit(inspection=inspection, inspector=colleague)


def test_photos_are_served_only_inside_the_jurisdiction(published, place, worker, login, users, dept_users):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-001"})
    services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
    photo = InspectionPhoto.objects.get()
    for user in (worker, users["village_staff"], dept_users["xf"]):
        response = login(user).get(f"/inspections/photo/{photo.pk}/?thumb=1")
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert login(dept_users["sjj_s2"]).get(f"/inspections/photo/{photo.pk}/").status_code == 404


def test_a_new_free_location_is_created_in_my_grid_and_its_inspection_started(published, tree, worker, login):
    client = login(worker)
    response = client.post("/inspections/m/places/new/", {"name": "桥底空地", "place_type": "shop", "latitude": "22.95", "longitude": "113.11"})
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.place.is_free_location and inspection.place.grid.code == "440604011001001"
    # Outside my grid (镇安村): refused with the values kept.
    response = client.post("/inspections/m/places/new/", {"name": "别处", "place_type": "shop", "latitude": "23.05", "longitude": "113.12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "不在您负责的网格内" in html and 'value="别处"' in html


def test_discarding_a_draft_removes_it_and_its_photos(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail={"XF-001"})
    response = login(worker).post(f"/inspections/i/{inspection.client_uuid}/discard/")
    assert response.status_code == 302
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()


def test_the_photo_upload_endpoint_dedupes_a_retried_photo(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    item = _item(inspection, "XF-001")
    client = login(worker)
    for _ in range(2):
        response = client.post(f"/inspections/i/{inspection.client_uuid}/photo/", {"item": item.pk, "stage": "fail", "photo": jpeg()},
                               HTTP_X_REQUESTED_WITH="fetch")
        assert response.status_code == 200 and response["X-Inspection-Saved"] == "1"
    assert InspectionPhoto.objects.count() == 1
    assert f"/inspections/photo/{InspectionPhoto.objects.get().pk}/?thumb=1" in response.content.decode()


def test_error_fragments_escape_what_the_user_sent(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    item = _item(inspection, "CGZF-006")
    response = login(worker).post(
        f"/inspections/i/{inspection.client_uuid}/photo/",
        {"item": item.pk, "stage": "fail", "photo": SimpleUploadedFile("<img src=x onerror=alert(1)>.jpg", b"no")},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    html = response.content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
