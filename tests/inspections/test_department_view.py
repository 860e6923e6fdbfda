"""一次采集、多方利用: each department reads its own items' results in its jurisdiction; place history."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditLog
from inspections import services
from inspections.models import Answer

from .conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspected(published, place, other_place, worker, users, tree):
    """One inspection in 丽豪 (street s1) and one in 镇安 (street s2), each with failed items."""
    mine = services.inspection_start(inspector=worker, place=place)
    answer_all(mine, worker, fail={"SJJ-001", "XF-001"}, na={"CGZF-015"})
    services.inspection_submit(inspection=mine, inspector=worker, latitude=22.95, longitude=113.11)
    from grids.services import staff_create

    zhenan_worker = staff_create(username="gw_zhenan", password="pw-for-tests-1", full_name="镇安网格员", role="grid_worker", regions=[tree["440604010001001"]])
    theirs = services.inspection_start(inspector=zhenan_worker, place=other_place)
    answer_all(theirs, zhenan_worker, fail={"SJJ-002"})
    services.inspection_submit(inspection=theirs, inspector=zhenan_worker, latitude=23.05, longitude=113.12)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    return {"mine": mine, "theirs": theirs}


def test_a_department_user_sees_only_its_own_items_in_its_jurisdiction(inspected, dept_users, login):
    response = login(dept_users["sjj"]).get("/inspections/results/")
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert {a.item.code for a in rows} == {"SJJ-001", "SJJ-002"}  # market supervision's items only
    assert {a.inspection_id for a in rows} == {inspected["mine"].pk}  # not 镇安 (another street)
    html = response.content.decode()
    assert "市场监管" in html and "不合格" in html and "丽豪水果店" in html and "镇安五金店" not in html
    xf_rows = list(login(dept_users["xf"]).get("/inspections/results/").context["page"])
    assert {a.item.code for a in xf_rows} == {"XF-001", "XF-002"}
    other_street = list(login(dept_users["sjj_s2"]).get("/inspections/results/").context["page"])
    assert {a.inspection_id for a in other_street} == {inspected["theirs"].pk}


def test_out_of_scope_inspections_places_and_grids_answer_404(inspected, dept_users, login):
    client = login(dept_users["sjj"])
    theirs = inspected["theirs"]
    assert client.get(f"/inspections/i/{theirs.client_uuid}/").status_code == 404
    assert client.get(f"/inspections/places/{theirs.place_id}/").status_code == 404
    # A grid outside the jurisdiction is not a choice: the form says so and nothing is listed.
    response = client.get("/inspections/results/?grid=440604010001001")
    assert "选择一个有效的选项" in response.content.decode() and len(response.context["page"]) == 0
    assert client.get(f"/inspections/i/{inspected['mine'].client_uuid}/").status_code == 200


def test_results_filters(inspected, dept_users, login):
    client = login(dept_users["sjj"])
    page = lambda q: list(client.get(f"/inspections/results/?{q}").context["page"])  # noqa: E731
    assert {a.item.code for a in page("result=fail")} == {"SJJ-001"}
    assert {a.item.code for a in page("item=SJJ-002")} == {"SJJ-002"}
    assert len(page("grid=440604011001001&scene=shop")) == 2
    assert page("grid=440604011001002") == []
    today = timezone.localdate()
    assert len(page(f"date_from={today}&date_to={today}")) == 2
    assert page(f"date_from={today + dt.timedelta(days=1)}") == []
    response = client.get(f"/inspections/results/?date_from={today}&date_to={today - dt.timedelta(days=3)}")
    assert "截止日期早于起始日期。" in response.content.decode()


def _export(client, query, capture):
    """POST the export (it starts a job on commit; eager Celery runs it), then follow to its page."""
    with capture(execute=True):
        response = client.post(f"/inspections/results/export.xlsx?{query}")
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    return response["Location"]


def test_results_export_is_a_job_whose_xlsx_holds_the_filtered_rows_and_is_audited(inspected, dept_users, login, django_capture_on_commit_callbacks):
    client = login(dept_users["sjj"])
    assert client.get("/inspections/results/export.xlsx?result=fail").status_code == 405  # starting a job is a POST
    page = _export(client, "result=fail", django_capture_on_commit_callbacks)
    body = client.get(page).content.decode()
    assert "已完成" in body and "download" in body
    response = client.get(page + "download/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("提交时间", "网格", "巡查对象") and len(rows) == 2
    answer = Answer.objects.select_related("case").get(inspection=inspected["mine"], item__code="SJJ-001")
    # the raised case's number only if the case is the department's own (need-to-know)
    own = answer.case.department_id == dept_users["sjj"].profile.department_id
    assert rows[1][5] == "SJJ-001" and rows[1][7] == "不合格" and rows[1][11] == (answer.case.number if own else None)
    entry = AuditLog.objects.get(action="export", object_type="inspections.Answer")
    assert entry.user == dept_users["sjj"] and entry.object_ids == [str(answer.pk)]


def test_an_export_has_no_row_cap_and_reports_its_count(inspected, dept_users, login, django_capture_on_commit_callbacks):
    from core.models import Job

    client = login(dept_users["sjj"])
    _export(client, "", django_capture_on_commit_callbacks)
    from inspections import selectors

    job = Job.objects.get(kind="inspections.department_export")
    expected = selectors.department_answers(user=dept_users["sjj"], department=selectors.user_department(dept_users["sjj"])).count()
    assert job.status == Job.Status.DONE and job.result["rows"] == job.progress_total == job.progress_done == expected >= 2


def test_an_export_with_a_bad_filter_starts_no_job(inspected, dept_users, login, django_capture_on_commit_callbacks):
    from core.models import Job

    client = login(dept_users["sjj"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/inspections/results/export.xlsx?grid=440604010001001")  # a grid outside the jurisdiction
    assert response.status_code == 302 and response["Location"].startswith("/inspections/results/")
    assert not Job.objects.exists() and not AuditLog.objects.filter(action="export").exists()


def test_another_departments_user_cannot_see_or_download_the_export(inspected, dept_users, login, users, django_capture_on_commit_callbacks):
    page = _export(login(dept_users["sjj"]), "result=fail", django_capture_on_commit_callbacks)
    for outsider in (dept_users["xf"], dept_users["sjj_s2"], users["street_officer"]):  # same street too: need-to-know
        client = login(outsider)
        assert client.get(page).status_code == 404 and client.get(page + "download/").status_code == 404


def test_officers_and_grid_workers_cannot_open_the_department_view(inspected, users, login):
    assert login(users["street_officer"]).get("/inspections/results/").status_code == 403
    assert login(users["grid_worker"]).get("/inspections/results/").status_code == 403


def test_place_history_shows_past_inspections_and_pass_rate_per_department(inspected, users, login, worker, place, django_assert_num_queries):
    second = services.inspection_start(inspector=worker, place=place)
    answer_all(second, worker)
    services.inspection_submit(inspection=second, inspector=worker, latitude=22.95, longitude=113.11)
    client = login(users["village_staff"])
    # session, user, profile, scope paths, the place, its inspections, pass rates by department (as with one)
    with django_assert_num_queries(7):
        response = client.get(f"/inspections/places/{place.pk}/")
    assert response.status_code == 200
    rates = {r.department: r for r in response.context["rates"]}
    # SJJ: 2 items × 2 inspections, one failure → 75 %; XF likewise; CGZF: one "na" is not counted.
    assert (rates["市场监管"].passed, rates["市场监管"].failed, rates["市场监管"].rate) == (3, 1, 75.0)
    assert rates["城管执法"].na == 1 and rates["城管执法"].rate == 100.0
    assert len(response.context["inspections"]) == 2
    assert "75.0%" in response.content.decode()
