"""The unified checklist: loading, versions, XLSForm import/export, immutability once published."""

import io

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from openpyxl import load_workbook

from inspections import selectors, services, xlsform
from inspections.models import ChecklistItem, ChecklistVersion, Scene

from .conftest import full_spec, small_spec

pytestmark = pytest.mark.django_db


def _xlsx(version) -> io.BytesIO:
    return io.BytesIO(selectors.checklist_export_xlsx(version=version))


def _edit(data: io.BytesIO, edits) -> io.BytesIO:
    """Apply {(sheet, row, column name): value} to a workbook and return the new bytes."""
    wb = load_workbook(data)
    for (sheet, row, column), value in edits.items():
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        ws.cell(row=row, column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _row_of(data: io.BytesIO, sheet: str, name: str) -> int:
    ws = load_workbook(data, read_only=True)[sheet]
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if row[1] == name:
            return n
    raise AssertionError(name)


def test_the_2022_checklist_loads_with_247_items_59_on_discovery_13_departments(reference):
    version = services.checklist_version_publish(version=services.checklist_create(spec=full_spec()))
    assert version.status == ChecklistVersion.Status.PUBLISHED and version.published_at
    items = version.items.all()
    assert items.count() == 247
    assert items.filter(on_discovery=True).count() == 59
    assert items.values("department").distinct().count() == 13
    # A full list and a short list per kind of place, and 综合巡查 with every item.
    assert version.scenes.filter(kind=Scene.Kind.TYPE).count() == 9 and version.scenes.filter(kind=Scene.Kind.SHORT).count() == 9
    shop = version.scenes.get(code="shop")
    assert shop.place_types == ["shop"] and shop.items.filter(code="CGZF-001").exists()
    everything = version.scenes.get(kind=Scene.Kind.ALL)
    assert everything.items.count() == 247 and everything.place_types == ["other"]


def test_export_then_import_gives_the_same_checklist(reference):
    original = services.checklist_version_publish(version=services.checklist_create(spec=full_spec()))
    data = _xlsx(original)
    # Pure round trip: the sheet parses back into exactly the spec it was written from.
    spec, _where, problems = xlsform.parse_workbook(data)
    assert problems == []
    assert spec == selectors.checklist_spec(version=original)
    # Through the database: imported as a new draft, it holds the same items, wording and scenes.
    copy = services.checklist_import_xlsx(upload=data, by=None, label="2022.2")
    assert copy.status == ChecklistVersion.Status.DRAFT
    a, b = selectors.checklist_spec(version=original), selectors.checklist_spec(version=copy)
    assert b.pop("version") == "2022.2" and a.pop("version") == "2022.1"
    assert a == b


def test_the_workbook_is_xlsform_shaped(reference):
    version = services.checklist_create(spec=small_spec())
    wb = load_workbook(_xlsx(version), read_only=True)
    assert wb.sheetnames == ["survey", "choices", "settings"]
    survey = list(wb["survey"].iter_rows(values_only=True))
    assert list(survey[0][:6]) == ["type", "name", "label", "hint", "required", "relevant"]
    assert {"department", "category", "on_discovery", "legal_basis", "severity", "photo_required"} <= set(survey[0])
    item = next(r for r in survey if r[1] == "CGZF-001")
    assert item[0] == "select_one pfn" and item[4] == "yes"
    photo = next(r for r in survey if r[1] == "CGZF-001_photo")
    assert photo[0] == "image" and photo[5] == "${CGZF-001} = 'fail'"
    choices = list(wb["choices"].iter_rows(values_only=True))
    assert [r[1] for r in choices if r[0] == "pfn"] == ["pass", "fail", "na"]
    assert [r[2] for r in choices if r[0] == "pfn"] == ["合格", "不合格", "不涉及"]
    assert [r[2] for r in choices if r[0] == "CGZF-001_reasons"] == full_spec()["items"][0]["fail_reasons"]
    settings = list(wb["settings"].iter_rows(values_only=True))
    assert settings[1][:3] == ("ecogrid_checklist", "t.1", "测试巡查表")


def test_a_sheet_with_bad_rows_changes_nothing_and_names_each_row_and_column(reference, published):
    data = _xlsx(published)
    row_a, row_b = _row_of(data, "survey", "CGZF-006"), _row_of(data, "survey", "SJJ-001")
    bad = _edit(data, {
        ("survey", row_a, "department"): "XX",
        ("survey", row_a, "severity"): "extreme",
        ("survey", row_b, "category"): "9999",
        ("survey", row_b, "on_discovery"): "maybe",
        ("settings", 2, "version"): "t.2",
    })
    before = (ChecklistVersion.objects.count(), ChecklistItem.objects.count(), Scene.objects.count())
    with pytest.raises(services.ChecklistImportError) as exc:
        services.checklist_import_xlsx(upload=bad, by=None)
    found = {(p.sheet, p.row, p.column) for p in exc.value.problems}
    assert {("survey", row_a, "department"), ("survey", row_a, "severity"), ("survey", row_b, "category"), ("survey", row_b, "on_discovery")} <= found
    messages = {(p.row, p.column): p.message for p in exc.value.problems}
    assert "XX" in messages[(row_a, "department")] and "未知的部门" in messages[(row_a, "department")]
    assert "9999" in messages[(row_b, "category")]
    assert (ChecklistVersion.objects.count(), ChecklistItem.objects.count(), Scene.objects.count()) == before


def test_structural_problems_are_reported_and_nothing_imported(reference, published):
    data = _xlsx(published)
    wb = load_workbook(data)
    del wb["settings"]
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(services.ChecklistImportError) as exc:
        services.checklist_import_xlsx(upload=out, by=None)
    assert [(p.sheet, p.message) for p in exc.value.problems] == [("settings", "缺少工作表“settings”。")]

    with pytest.raises(services.ChecklistImportError) as exc:
        services.checklist_import_xlsx(upload=io.BytesIO(b"not a workbook"), by=None)
    assert "不是 .xlsx 工作簿" in exc.value.problems[0].message

    # An orphan reason list, an unsupported question type and the same version label again.
    wb = load_workbook(_xlsx(published))
    wb["choices"].append(["XF-999_reasons", "r1", "无主原因"])
    wb["survey"].append(["integer", "count", "数量"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(services.ChecklistImportError) as exc:
        services.checklist_import_xlsx(upload=out, by=None)
    found = {(p.sheet, p.column) for p in exc.value.problems}
    assert {("choices", "list_name"), ("survey", "type"), ("settings", "version")} <= found
    assert ChecklistVersion.objects.count() == 1


def test_editing_a_published_version_is_refused(reference, published):
    item = published.items.get(code="CGZF-001")
    scene = published.scenes.get(code="shop")
    with pytest.raises(services.ChecklistLocked):
        services.checklist_item_update(item=item, title="改过的措辞")
    with pytest.raises(services.ChecklistLocked):
        services.scene_compose(scene=scene, item_ids=[item.pk])
    with pytest.raises(services.ChecklistLocked):
        services.scene_create(version=published, code="school", name="学校")
    with pytest.raises(services.ChecklistLocked):
        services.checklist_version_publish(version=published)
    with pytest.raises(services.ChecklistLocked) as exc:
        services.checklist_draft_discard(version=published)
    assert "已发布" in exc.value.messages[0]
    item.refresh_from_db()
    assert item.title != "改过的措辞" and scene.items.count() == 7


def test_a_draft_can_be_changed_and_publishing_it_retires_the_old_version(reference, published):
    draft = services.checklist_version_copy(version=published, label="t.2")
    assert draft.items.count() == 7 and draft.scenes.get(code="shop").items.count() == 7
    item = draft.items.get(code="CGZF-001")
    services.checklist_item_update(item=item, title="门前是否占道经营")
    services.scene_compose(scene=draft.scenes.get(code="shop"), item_ids=list(draft.items.exclude(code="XF-002").values_list("pk", flat=True)))
    services.checklist_version_publish(version=draft)
    published.refresh_from_db()
    assert published.status == ChecklistVersion.Status.RETIRED
    assert published.items.get(code="CGZF-001").title != "门前是否占道经营"  # the old wording is kept
    assert selectors.published_version() == draft


def test_admin_refuses_to_change_a_published_version(reference, published, client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    item = published.items.get(code="CGZF-001")
    response = client.post(f"/admin/inspections/checklistitem/{item.pk}/change/", {"title": "改了"})
    assert response.status_code == 403
    response = client.post(f"/admin/inspections/checklistversion/{published.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.title != "改了"
    draft = services.checklist_version_copy(version=published, label="t.2")
    assert client.get(f"/admin/inspections/checklistitem/{draft.items.first().pk}/change/").status_code == 200


def test_import_page_reports_problems_in_chinese_and_keeps_the_form(reference, published, login, users):
    district_officer = users["district_officer"]
    data = _xlsx(published)
    row = _row_of(data, "survey", "XF-001")
    bad = _edit(data, {("survey", row, "severity"): "huge"})
    bad.name = "bad.xlsx"
    client = login(district_officer)
    response = client.post("/inspections/checklists/import/", {"file": bad, "label": "t.9"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "未导入" in html and f"<td>{row}</td><td>severity</td>" in html
    assert 'value="t.9"' in html
    assert ChecklistVersion.objects.count() == 1


def test_import_page_creates_a_draft(reference, published, login, users):
    data = _xlsx(published)
    data.name = "checklist.xlsx"
    response = login(users["district_officer"]).post("/inspections/checklists/import/", {"file": data, "label": "t.3"})
    assert response.status_code == 302
    draft = ChecklistVersion.objects.get(label="t.3")
    assert draft.status == "draft" and draft.items.count() == 7


def test_street_officer_may_read_but_not_change_the_checklist(reference, published, login, users):
    client = login(users["street_officer"])
    assert client.get("/inspections/checklists/").status_code == 200
    assert client.post(f"/inspections/checklists/{published.pk}/copy/", {"label": "x.1"}).status_code == 403


def test_checklist_pages_issue_a_constant_number_of_queries(reference, published, login, users, django_assert_num_queries):
    client = login(users["district_officer"])
    # session, user, profile (role), versions with item counts
    with django_assert_num_queries(4):
        assert client.get("/inspections/checklists/").status_code == 200
    # session, user, profile, the version, items by department (with categories), scenes with counts
    with django_assert_num_queries(6):
        assert client.get(f"/inspections/checklists/{published.pk}/").status_code == 200
    big = services.checklist_create(spec=full_spec())
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/inspections/checklists/{big.pk}/").status_code == 200
    assert len(ctx.captured_queries) == 6  # 247 items: the same six queries


def test_an_officer_composes_a_scene_on_a_draft_and_publishes_it(reference, published, login, users):
    client = login(users["district_officer"])
    response = client.post(f"/inspections/checklists/{published.pk}/copy/", {"label": "t.2"})
    draft = ChecklistVersion.objects.get(label="t.2")
    assert response.status_code == 302 and response["Location"] == f"/inspections/checklists/{draft.pk}/"
    response = client.post(f"/inspections/checklists/{draft.pk}/scenes/new/", {"code": "market", "name": "农贸市场", "place_types": ["farmers_market"]})
    assert response.status_code == 302
    wanted = list(draft.items.filter(code__startswith="SJJ").values_list("pk", flat=True))
    response = client.post(f"/inspections/checklists/{draft.pk}/scenes/market/", {"items": wanted})
    assert response.status_code == 302
    assert set(draft.scenes.get(code="market").items.values_list("code", flat=True)) == {"SJJ-001", "SJJ-002"}
    # An empty scene is refused with the choice kept; a place type used twice is refused too.
    response = client.post(f"/inspections/checklists/{draft.pk}/scenes/market/", {"items": []})
    assert response.status_code == 400 and "场景至少需要一个巡查事项" in response.content.decode()
    response = client.post(f"/inspections/checklists/{draft.pk}/scenes/new/", {"code": "market2", "name": "市场2", "place_types": ["shop"]})
    assert response.status_code == 400 and "已被其他场景使用" in response.content.decode() and 'value="market2"' in response.content.decode()
    assert client.post(f"/inspections/checklists/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == "published" and published.status == "retired"
    # Once published the scene page is read-only and a post changes nothing.
    page = client.get(f"/inspections/checklists/{draft.pk}/scenes/market/").content.decode()
    assert "已发布的版本不会再改变" in page
    client.post(f"/inspections/checklists/{draft.pk}/scenes/market/", {"items": wanted[:1]})
    assert draft.scenes.get(code="market").items.count() == 2
