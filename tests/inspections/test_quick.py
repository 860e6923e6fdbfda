"""Issue 17, inspections at full speed: 其余全部合格, short lists and 综合巡查, 复查 of what failed,
and every place of the worker's grid reachable from the phone's start page."""

import json
import uuid

import pytest

from cases.models import Case
from grids.models import StaffProfile
from grids.services import staff_create
from inspections import selectors, services
from inspections.models import Answer, Inspection, InspectionPhoto, Scene

from .conftest import PW, answer_all, full_spec, jpeg, small_spec

pytestmark = pytest.mark.django_db


def _item(inspection, code):
    return inspection.checklist_items().get(code=code)


def _fail(inspection, worker, code, photo=True):
    item = _item(inspection, code)
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=item.pk, result="fail", fail_reason=item.fail_reasons[0])
    if photo:
        services.inspection_photo_add(inspection=inspection, inspector=worker, item_id=item.pk, stage="fail", upload=jpeg())
    return item


def _reload(inspection):
    return Inspection.objects.get(pk=inspection.pk)


# =========================================================================== 其余全部合格 (service)

def test_mark_the_rest_passed_sets_only_unanswered_items_and_keeps_given_answers(published, place, worker):
    inspection = services.inspection_start(inspector=worker, place=place)
    _fail(inspection, worker, "XF-001")
    na = _item(inspection, "XF-002")
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=na.pk, result="na")
    noted = _item(inspection, "SJJ-001")  # a remark, no result yet: the remark stays
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=noted.pk, result="", remark="老板不在")

    inspection, marked = services.inspection_mark_rest_passed(inspection=_reload(inspection), inspector=worker)
    assert len(marked) == 5
    draft = _reload(inspection).draft
    assert draft["XF-001"]["result"] == "fail" and draft["XF-001"]["reason"]
    assert draft["XF-002"] == {"result": "na"}
    assert draft["SJJ-001"] == {"result": "pass", "remark": "老板不在"}
    assert sorted(c for c, e in draft.items() if e["result"] == "pass") == ["CGZF-001", "CGZF-006", "CGZF-015", "SJJ-001", "SJJ-002"]

    # Idempotent: a second tap marks nothing and writes nothing.
    revision = _reload(inspection).revision
    again, marked = services.inspection_mark_rest_passed(inspection=_reload(inspection), inspector=worker, revision=revision - 1)
    assert marked == [] and _reload(inspection).revision == revision and _reload(inspection).draft == draft

    # The inspection can be submitted at once: one case, for the failure.
    submitted, created = services.inspection_submit(inspection=_reload(inspection), inspector=worker, latitude=22.95, longitude=113.11)
    assert created and (submitted.pass_count, submitted.fail_count, submitted.na_count) == (5, 1, 1)
    assert Case.objects.count() == 1


def test_mark_the_rest_refuses_a_stale_page_another_worker_and_a_submitted_inspection(published, place, worker, tree):
    inspection = services.inspection_start(inspector=worker, place=place)
    seen = _reload(inspection).revision
    # Another tab answers an item after this page was loaded: the page's tap is refused, nothing written.
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=_item(inspection, "XF-001").pk, result="fail")
    before = _reload(inspection)
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_mark_rest_passed(inspection=before, inspector=worker, revision=seen)
    assert exc.value.code == "stale" and "已在别处" in exc.value.messages[0]
    assert _reload(inspection).draft == before.draft and _reload(inspection).revision == before.revision
    # With the revision the page now shows, it works.
    _inspection, marked = services.inspection_mark_rest_passed(inspection=before, inspector=worker, revision=before.revision)
    assert len(marked) == 6

    other = staff_create(username="gw2", password=PW, full_name="另一网格员", role=StaffProfile.Role.GRID_WORKER, regions=[tree["440604011001001"]])
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_mark_rest_passed(inspection=_reload(inspection), inspector=other)
    assert "只有发起本次巡查的网格员" in exc.value.messages[0]

    photo_item = _item(inspection, "XF-001")
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=photo_item.pk, result="fail", fail_reason=photo_item.fail_reasons[0])
    services.inspection_photo_add(inspection=inspection, inspector=worker, item_id=photo_item.pk, stage="fail", upload=jpeg())
    services.inspection_submit(inspection=_reload(inspection), inspector=worker)
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_mark_rest_passed(inspection=_reload(inspection), inspector=worker)
    assert "本次巡查已提交，不能再修改。" in exc.value.messages[0]


def test_mark_the_rest_refuses_an_item_that_is_not_in_the_inspection(published, place, worker, reference):
    inspection = services.inspection_start(inspector=worker, place=place)
    stranger = services.checklist_create(spec=small_spec(label="t.8")).items.first()  # same code, another version
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_mark_rest_passed(inspection=inspection, inspector=worker, item_ids=[_item(inspection, "XF-001").pk, stranger.pk])
    assert f"未知事项 {stranger.pk}" in exc.value.messages[0]
    assert _reload(inspection).draft == {}
    # Only the listed items (the ones the page shows unanswered) are marked.
    _inspection, marked = services.inspection_mark_rest_passed(inspection=inspection, inspector=worker, item_ids=[_item(inspection, "XF-001").pk])
    assert marked == [_item(inspection, "XF-001").pk] and list(_reload(inspection).draft) == ["XF-001"]


# =========================================================================== 其余全部合格 (views)

def test_the_page_marks_the_rest_in_one_request_and_says_how_many(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    client = login(worker)
    item = _item(inspection, "XF-001")
    saved = client.post(f"/inspections/i/{inspection.client_uuid}/answer/", {"item": item.pk, "result": "na"})
    revision = int(saved["X-Inspection-Revision"])
    unanswered = [i.pk for i in inspection.checklist_items() if i.pk != item.pk]
    response = client.post(f"/inspections/i/{inspection.client_uuid}/mark-rest/", {"revision": revision, "items": unanswered},
                           HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200
    body = response.json()
    assert sorted(body["marked"]) == sorted(unanswered) and (body["answered"], body["total"]) == (7, 7) and body["revision"] == revision + 1
    # The page shows everything answered, no "mark the rest" button, and the submit button.
    html = client.get(f"/inspections/i/{inspection.client_uuid}/").content.decode()
    assert "7 / 7" in html and 'id="mark-rest"' in html and 'data-url' in html
    assert 'hidden>其余全部合格' in html and 'id="submit-inspection"' in html

    # A stale page (its revision is older): 409, a translated message, nothing changed.
    stale = client.post(f"/inspections/i/{inspection.client_uuid}/mark-rest/", {"revision": revision - 1, "items": unanswered},
                        HTTP_X_REQUESTED_WITH="fetch")
    assert stale.status_code == 200 and stale.json()["marked"] == []  # nothing left to mark: a double tap is harmless
    services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=item.pk, result="")  # unanswered again, elsewhere
    stale = client.post(f"/inspections/i/{inspection.client_uuid}/mark-rest/", {"revision": revision + 1}, HTTP_X_REQUESTED_WITH="fetch")
    assert stale.status_code == 409 and stale.json()["stale"] is True and "已在别处" in stale.json()["errors"][0]
    assert "XF-001" not in _reload(inspection).draft

    # Damaged input and an item of another version: 400 with a message, nothing changed.
    bad = client.post(f"/inspections/i/{inspection.client_uuid}/mark-rest/", {"revision": "x"}, HTTP_X_REQUESTED_WITH="fetch")
    assert bad.status_code == 400 and bad.json()["errors"] == ["表单数据已损坏，请重新开始。"]
    bad = client.post(f"/inspections/i/{inspection.client_uuid}/mark-rest/", {"items": ["999999"]}, HTTP_X_REQUESTED_WITH="fetch")
    assert bad.status_code == 400 and "未知事项 999999" in bad.json()["errors"][0]
    assert "XF-001" not in _reload(inspection).draft


def test_without_javascript_the_button_keeps_the_posted_answers_and_photo_then_marks_the_rest(published, place, worker, login):
    inspection = services.inspection_start(inspector=worker, place=place)
    client = login(worker)
    xf = _item(inspection, "XF-001")
    data = {
        "revision": "0", f"result_{xf.pk}": "fail", f"reason_{xf.pk}": xf.fail_reasons[1], f"remark_{xf.pk}": "通道堆满纸箱",
        f"photo_{xf.pk}": jpeg(name="exit.jpg"), "remark": "店主配合",
    }
    response = client.post(f"/inspections/i/{inspection.client_uuid}/mark-rest/", data)
    assert response.status_code == 302 and response["Location"].endswith(f"/inspections/i/{inspection.client_uuid}/#submit-inspection")
    inspection = _reload(inspection)
    assert inspection.draft["XF-001"] == {"result": "fail", "reason": xf.fail_reasons[1], "fixed": False, "remark": "通道堆满纸箱"}
    assert sum(1 for e in inspection.draft.values() if e["result"] == "pass") == 6
    assert inspection.photos.filter(item=xf, stage=InspectionPhoto.Stage.FAIL).count() == 1 and inspection.remark == "店主配合"
    page = client.get(response["Location"]).content.decode()
    assert "已将 6 项标记为合格。" in page and "7 / 7" in page

    # A refused answer (a reason that is not the item's) is shown on the item; nothing is marked or lost.
    second = services.inspection_start(inspector=worker, place=services.place_create(
        by=worker, name="丽豪五金店", place_type="shop", latitude=22.95, longitude=113.11))
    xf2 = _item(second, "XF-001")
    response = client.post(f"/inspections/i/{second.client_uuid}/mark-rest/", {
        "revision": "0", f"result_{xf2.pk}": "fail", f"reason_{xf2.pk}": "编造的原因", f"remark_{xf2.pk}": "写了备注",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "“编造的原因”不是该事项的不合格原因选项。" in html and "写了备注" in html
    assert _reload(second).draft == {}

    # A stale page (another tab answered since): refused with 409; the page shows the newer answer
    # and keeps what this page posted where the server has none.
    sjj = _item(second, "SJJ-001")
    services.inspection_answer_save(inspection=second, inspector=worker, item_id=sjj.pk, result="na")
    response = client.post(f"/inspections/i/{second.client_uuid}/mark-rest/", {
        "revision": "0", f"result_{sjj.pk}": "pass", f"result_{xf2.pk}": "fail", f"reason_{xf2.pk}": xf2.fail_reasons[0],
    })
    assert response.status_code == 409
    html = response.content.decode()
    assert "已在别处" in html
    assert f'name="result_{sjj.pk}" value="na" checked' in html and f'name="result_{xf2.pk}" value="fail" checked' in html
    assert _reload(second).draft == {"SJJ-001": {"result": "na"}}


def test_mark_the_rest_of_a_foreign_or_someone_elses_inspection_is_a_404(published, place, worker, login, tree, other_place, users):
    inspection = services.inspection_start(inspector=worker, place=place)
    other = staff_create(username="gw2", password=PW, full_name="另一网格员", role=StaffProfile.Role.GRID_WORKER, regions=[tree["440604011001001"]])
    client = login(other)
    assert client.post(f"/inspections/i/{inspection.client_uuid}/mark-rest/", {}, HTTP_X_REQUESTED_WITH="fetch").status_code == 404
    assert client.post(f"/inspections/i/{uuid.uuid4()}/mark-rest/", {}).status_code == 404
    assert _reload(inspection).draft == {}


# =========================================================================== short lists, full lists, 综合巡查

def test_a_hotel_offers_its_short_list_by_default_its_full_list_and_the_whole_checklist(full_published, tree, worker):
    hotel = services.place_create(by=worker, name="陶都快捷宾馆", place_type="hotel", latitude=22.95, longitude=113.11)
    options = selectors.scene_options(version=full_published, place_type="hotel")
    assert [(o.scene.code, o.kind, o.item_count, o.is_default) for o in options] == [
        ("hotel_short", "short", 20, True), ("hotel", "type", 52, False), ("all", "all", 247, False),
    ]
    # The short list holds the most serious items of the full list.
    short = set(full_published.scenes.get(code="hotel_short").items.values_list("code", flat=True))
    full = full_published.scenes.get(code="hotel").items
    assert short <= set(full.values_list("code", flat=True))
    assert set(full.filter(severity="high").values_list("code", flat=True)) <= short  # all 17 high-severity items

    # One tap ("Inspect") starts the short list; choosing the full list before answering switches the draft.
    draft = services.inspection_start(inspector=worker, place=hotel)
    assert draft.scene.code == "hotel_short" and draft.checklist_items().count() == 20
    switched = services.inspection_start(inspector=worker, place=hotel, scene="hotel")
    assert switched.pk == draft.pk and switched.scene.code == "hotel" and switched.checklist_items().count() == 52
    # Once answered, another choice keeps the draft (nothing lost) and says so.
    services.inspection_answer_save(inspection=switched, inspector=worker, item_id=_item(switched, "XF-001").pk, result="pass")
    kept = services.inspection_start(inspector=worker, place=hotel, scene="all")
    assert kept.pk == draft.pk and kept.scene.code == "hotel" and kept.kept_other
    assert Inspection.objects.count() == 1

    # 综合巡查 anywhere; a list of another kind of place is refused with a clear message.
    shop = services.place_create(by=worker, name="丽豪水果店", place_type="shop", latitude=22.95, longitude=113.11)
    assert services.inspection_start(inspector=worker, place=shop, scene="all").checklist_items().count() == 247
    with pytest.raises(services.InspectionError) as exc:
        services.inspection_start(inspector=worker, place=services.place_create(
            by=worker, name="丽豪烧腊饭店", place_type="restaurant", latitude=22.95, longitude=113.11), scene="hotel")
    assert "巡查表“hotel”不适用于丽豪烧腊饭店" in exc.value.messages[0]
    # Every short list has about 20 items.
    assert {s.code: s.items.count() for s in full_published.scenes.filter(kind=Scene.Kind.SHORT)} == {
        c: 20 for c in ("restaurant_short", "shop_short", "market_short", "construction_short", "factory_short",
                        "rental_short", "compound_short", "street_short", "hotel_short")}


def test_the_place_page_offers_the_lists_and_starts_the_chosen_one(full_published, tree, worker, login):
    hotel = services.place_create(by=worker, name="陶都快捷宾馆", place_type="hotel", latitude=22.95, longitude=113.11)
    client = login(worker)
    html = client.get(f"/inspections/m/places/{hotel.pk}/").content.decode()
    for text in ("短表", "20 项", "完整表", "52 项", "综合巡查（全部事项）", "247 项", "默认"):
        assert text in html
    assert html.index('data-scene="hotel_short"') < html.index('data-scene="hotel"') < html.index('data-scene="all"')
    response = client.post(f"/inspections/m/places/{hotel.pk}/start/", {"scene": "hotel"})
    inspection = Inspection.objects.get()
    assert response["Location"] == f"/inspections/i/{inspection.client_uuid}/" and inspection.scene.code == "hotel"
    # A damaged choice: a translated message on the place page, nothing started.
    inspection.delete()
    response = client.post(f"/inspections/m/places/{hotel.pk}/start/", {"scene": "nope"}, follow=True)
    assert "巡查表“nope”不适用于陶都快捷宾馆" in response.content.decode() and not Inspection.objects.exists()


def test_the_form_of_each_list_is_kept_for_starting_without_a_signal(full_published, tree, worker, login):
    """The place page offers each list's form to keep (prefetched), and queues its start offline
    with a client UUID; the form itself writes nothing and holds a placeholder UUID."""
    hotel = services.place_create(by=worker, name="陶都快捷宾馆", place_type="hotel", latitude=22.95, longitude=113.11)
    client = login(worker)
    html = client.get(f"/inspections/m/places/{hotel.pk}/").content.decode()
    for code in ("hotel_short", "hotel", "all"):
        assert f'data-offline-warm href="/inspections/m/places/{hotel.pk}/blank/{code}/"' in html
    assert html.count('name="client_uuid" value=""') == 3
    response = client.get(f"/inspections/m/places/{hotel.pk}/blank/hotel_short/")
    page = response.content.decode()
    assert response.status_code == 200 and response["X-Offline-Page"] == "1"
    assert f'action="/inspections/i/{selectors.BLANK_UUID}/submit/"' in page and f'data-blank-uuid="{selectors.BLANK_UUID}"' in page
    assert page.count('class="item') >= 20 and "无信号时开始的巡查" in page
    assert not Inspection.objects.exists()
    # A list not offered here: not found. Started offline, the start carries its UUID (idempotent).
    assert client.get(f"/inspections/m/places/{hotel.pk}/blank/restaurant_short/").status_code == 404
    form_uuid = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(f"/inspections/m/places/{hotel.pk}/start/", {"scene": "hotel_short", "client_uuid": form_uuid})
        assert response["Location"] == f"/inspections/i/{form_uuid}/"
    assert Inspection.objects.get().scene.code == "hotel_short"
    # With a draft open here, the page continues it: no offline start that would not match it.
    html = client.get(f"/inspections/m/places/{hotel.pk}/").content.decode()
    assert "data-offline-then" not in html and "data-offline-warm" not in html


def test_scene_kinds_are_checked_and_survive_the_spreadsheet(reference):
    spec = full_spec(version="t.k")
    spec["scenes"].append({"code": "hotel_short2", "name": "旅馆（另一短表）", "kind": "short", "place_types": ["hotel"]})
    spec["scenes"].append({"code": "odd", "name": "怪", "kind": "weird", "place_types": []})
    with pytest.raises(services.ChecklistImportError) as exc:
        services.checklist_create(spec=spec)
    messages = " ".join(p.message for p in exc.value.problems)
    assert "hotel 已属于场景 hotel_short" in messages and "场景 odd 的类别须为以下之一" in messages

    version = services.checklist_create(spec=full_spec(version="t.x"))
    data = selectors.checklist_export_xlsx(version=version)
    import io

    copy = services.checklist_import_xlsx(upload=io.BytesIO(data), by=None, label="t.y")
    kinds = dict(copy.scenes.values_list("code", "kind"))
    assert kinds["hotel_short"] == "short" and kinds["hotel"] == "type" and kinds["all"] == "all"
    assert copy.scenes.get(code="all").items.count() == 247


# =========================================================================== 复查

def _submitted_with_failures(place, worker, fail=("XF-001", "SJJ-001")):
    inspection = services.inspection_start(inspector=worker, place=place)
    answer_all(inspection, worker, fail=set(fail))
    inspection, _ = services.inspection_submit(inspection=inspection, inspector=worker, latitude=22.95, longitude=113.11)
    return inspection


def test_a_reinspection_holds_only_the_failed_items_and_both_records_link_to_each_other(published, place, worker, login):
    first = _submitted_with_failures(place, worker)
    client = login(worker)
    response = client.post(f"/inspections/i/{first.client_uuid}/reinspect/")
    again = Inspection.objects.get(status="draft")
    assert response["Location"] == f"/inspections/i/{again.client_uuid}/"
    assert again.previous == first and sorted(again.item_codes) == ["SJJ-001", "XF-001"]
    assert sorted(again.checklist_items().values_list("code", flat=True)) == ["SJJ-001", "XF-001"]
    # A double tap opens the same draft.
    client.post(f"/inspections/i/{first.client_uuid}/reinspect/")
    assert Inspection.objects.filter(status="draft").count() == 1

    html = client.get(response["Location"]).content.decode()
    assert html.count('data-item="') == 2 and "0 / 2" in html and "复查" in html and "上次不合格" in html
    assert f"/inspections/i/{first.client_uuid}/" in html
    # Items outside the re-inspection are refused.
    outside = _item(first, "CGZF-001")
    refused = client.post(f"/inspections/i/{again.client_uuid}/answer/", {"item": outside.pk, "result": "pass"})
    assert refused.status_code == 400 and "不在本次巡查的巡查表中" in refused.content.decode()

    # Both fixed now: mark the rest passed, submit — two answers, no new case.
    services.inspection_mark_rest_passed(inspection=again, inspector=worker)
    cases = Case.objects.count()
    again, created = services.inspection_submit(inspection=_reload(again), inspector=worker, latitude=22.95, longitude=113.11)
    assert created and again.pass_count == 2 and Answer.objects.filter(inspection=again).count() == 2 and Case.objects.count() == cases
    old = client.get(f"/inspections/i/{first.client_uuid}/").content.decode()
    assert "已复查" in old and f"/inspections/i/{again.client_uuid}/" in old
    new = client.get(f"/inspections/i/{again.client_uuid}/").content.decode()
    assert f"/inspections/i/{first.client_uuid}/" in new and "复查" in new
    history = client.get(f"/inspections/places/{place.pk}/").content.decode()
    assert "复查" in history


def test_reinspection_bad_input_gets_a_clear_message_and_a_foreign_place_a_404(published, place, worker, login, other_place, users):
    client = login(worker)
    # Never inspected.
    response = client.post(f"/inspections/m/places/{place.pk}/reinspect/", follow=True)
    assert "丽豪水果店 尚未巡查过，无可复查。" in response.content.decode() and not Inspection.objects.exists()
    # Inspected with nothing failed.
    clean = services.inspection_start(inspector=worker, place=place)
    answer_all(clean, worker)
    clean, _ = services.inspection_submit(inspection=clean, inspector=worker)
    response = client.post(f"/inspections/m/places/{place.pk}/reinspect/", follow=True)
    assert "的巡查没有不合格事项，无需复查。" in response.content.decode()
    assert not Inspection.objects.filter(status="draft").exists()
    # A draft cannot be re-inspected.
    draft = services.inspection_start(inspector=worker, place=place)
    response = client.post(f"/inspections/i/{draft.client_uuid}/reinspect/", follow=True)
    assert "只有已提交的巡查才能复查。" in response.content.decode()
    draft.delete()
    # Out of the worker's grid: 404, nothing created.
    foreign = services.inspection_start(inspector=users["district_officer"], place=other_place)
    answer_all(foreign, users["district_officer"], fail={"XF-001"})
    foreign, _ = services.inspection_submit(inspection=foreign, inspector=users["district_officer"])
    assert client.post(f"/inspections/m/places/{other_place.pk}/reinspect/").status_code == 404
    assert client.post(f"/inspections/i/{foreign.client_uuid}/reinspect/").status_code == 404
    assert client.post(f"/inspections/m/places/{other_place.pk}/start/").status_code == 404
    assert client.get(f"/inspections/m/places/{other_place.pk}/").status_code == 404
    assert not Inspection.objects.filter(status="draft").exists()


def test_a_reinspection_after_a_new_checklist_version_uses_the_current_items_by_code(published, place, worker, reference):
    first = _submitted_with_failures(place, worker)
    newer = services.checklist_version_copy(version=published, label="t.2")
    services.checklist_item_update(item=newer.items.get(code="SJJ-001"), title="营业执照是否齐全（新措辞）")
    newer = services.checklist_version_publish(version=newer)
    again = services.inspection_reinspect(inspector=worker, previous=first)
    assert again.version == newer and again.scene.version == newer
    assert set(again.checklist_items().values_list("title", flat=True)) >= {"营业执照是否齐全（新措辞）"}
    assert again.checklist_items().count() == 2


# =========================================================================== the phone's place list

def test_every_place_in_my_grid_is_listed_due_first_then_the_others_with_a_type_filter(published, tree, worker, login):
    fresh = []
    for k in range(23):
        p = services.place_create(by=worker, name=f"店铺{k:02d}", place_type="shop", latitude=22.95, longitude=113.11)
        fresh.append(p)
    hotel = services.place_create(by=worker, name="陶都快捷宾馆", place_type="hotel", latitude=22.95, longitude=113.11)
    # Inspected yesterday: not due, but it must be reachable without searching.
    recent = fresh[0]
    _submitted_with_failures(recent, worker, fail=("XF-001",))
    client = login(worker)
    html = client.get("/inspections/m/").content.decode()
    due_at, others_at = html.index('id="due"'), html.index('id="others"')
    assert html.count('class="card place-card"') == 20 + 4  # 20 due, then the 4 others (3 due beyond 20, the recent one)
    assert others_at < html.index(f'id="place-{recent.pk}"')
    assert f'href="/inspections/m/places/{recent.pk}/"' in html
    assert "复查 1 项不合格" in html and f'/inspections/i/{Inspection.objects.get().client_uuid}/reinspect/' in html
    assert due_at < others_at
    # Filter by kind of place: chips with counts; only hotels.
    assert "商铺门店 23" in html and "旅馆 1" in html and "全部 24" in html
    html = client.get("/inspections/m/?type=hotel").content.decode()
    assert html.count('class="card place-card"') == 1 and f'id="place-{hotel.pk}"' in html
    # "Show more": pages of 20 others.
    for k in range(30):
        place = services.place_create(by=worker, name=f"老店{k:02d}", place_type="shop", latitude=22.95, longitude=113.11)
        inspection = answer_all(services.inspection_start(inspector=worker, place=place), worker)
        services.inspection_submit(inspection=inspection, inspector=worker)
    html = client.get("/inspections/m/").content.decode()
    # 54 places: 23 due (20 shown first), 34 others in pages of 20.
    assert html.count('class="card place-card"') == 40 and 'id="more-places"' in html and "显示更多（还有 14 处）" in html
    more = client.get("/inspections/m/places/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert more.count('class="card place-card"') == 14 and 'id="more-places"' not in more
    full = client.get("/inspections/m/?page=2").content.decode()  # without JavaScript: the page itself
    assert full.count('class="card place-card"') == 14 and 'id="due"' not in full


def test_checklist_json_has_a_short_list_of_20_per_kind_of_place_and_the_whole_checklist():
    """checklist.json: nine full lists (one per kind of place), nine short lists of 20, and 综合巡查."""
    from django.conf import settings
    from pathlib import Path

    spec = json.loads((Path(settings.BASE_DIR) / "inspections/data/checklist.json").read_text(encoding="utf-8"))
    kinds = [s["kind"] for s in spec["scenes"]]
    assert kinds.count("type") == 9 and kinds.count("short") == 9 and kinds.count("all") == 1
    for short in (s for s in spec["scenes"] if s["kind"] == "short"):
        base = short["code"].removesuffix("_short")
        codes = [i for i in spec["items"] if short["code"] in i["scenes"]]
        assert len(codes) == 20 and all(base in i["scenes"] for i in codes)
