"""Registry pages, forms and their bad inputs, scoping, the placard and the public page."""

import datetime as dt

import pytest
from django.utils import timezone

from credit import services
from credit.codes import make_uscc
from credit.models import ColourOverride, Enterprise, PlacardToken

from .conftest import add_answers, jpeg

pytestmark = pytest.mark.django_db


def _form(grid, **overrides):
    data = {
        "uscc": make_uscc(9001), "name": "佛山市禅城区示例餐饮店", "region": str(grid.pk), "status": "existing",
        "legal_representative": "王五", "contact_phone": "13800001111", "registered_capital": "50", "established_on": "2020-05-01",
    }
    data.update(overrides)
    return data


def test_register_an_enterprise_with_codes_starting_9_n_and_y(login, users, grid):
    client = login(users["village_staff"])
    for n, prefix in enumerate(("91", "N2", "Y1"), start=1):
        code = make_uscc(100 + n, prefix=prefix)
        response = client.post("/credit/new/", _form(grid, uscc=code.lower(), name=f"企业{prefix}"))
        assert response.status_code == 302, response.content.decode()[:2000]
        e = Enterprise.objects.get(uscc=code)  # stored normalised (upper case)
        assert e.region_path == grid.path
        assert e.sources["uscc"]["source"] == "manual"


def test_an_invalid_code_names_the_failing_check_and_keeps_what_was_entered(login, users, grid):
    client = login(users["village_staff"])
    good = make_uscc(7)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post("/credit/new/", _form(grid, uscc=typo, name="保留的名称"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "check character" in page or "校验码" in page
    assert "保留的名称" in page and "13800001111" in page
    response = client.post("/credit/new/", _form(grid, uscc="91440604MA4UJ3K2"))
    assert "18" in response.content.decode() and response.status_code == 400
    response = client.post("/credit/new/", _form(grid, uscc="91440604MA4UJ3K2IO"))  # I and O are not in the alphabet
    assert response.status_code == 400
    assert not Enterprise.objects.exists()


def test_a_duplicate_code_is_refused(login, users, grid, make_enterprise):
    existing = make_enterprise(name="先登记的企业")
    client = login(users["village_staff"])
    response = client.post("/credit/new/", _form(grid, uscc=existing.uscc, name="重复的企业"))
    assert response.status_code == 400
    assert "先登记的企业" in response.content.decode()
    assert Enterprise.objects.count() == 1


def test_other_bad_inputs_are_messages_not_500s(login, users, grid, tree):
    client = login(users["village_staff"])
    # A grid outside the jurisdiction, an over-long name, a capital that is not a number, a term ending before it starts.
    response = client.post("/credit/new/", _form(grid, region=str(tree["440604010001001"].pk), name="x" * 500, registered_capital="很多",
                                                 business_term_from="2024-01-01", business_term_to="2023-01-01"))
    assert response.status_code == 400
    # A fake image as the licence photo.
    fake = jpeg()
    fake.file.seek(0)
    fake.file.write(b"not really a jpeg" * 10)
    fake.file.seek(0)
    response = client.post("/credit/new/", {**_form(grid), "licence_upload": fake})
    assert response.status_code == 400
    assert not Enterprise.objects.exists()


def test_licence_photo_is_served_only_inside_the_jurisdiction(login, users, grid, dept_users):
    client = login(users["village_staff"])
    response = client.post("/credit/new/", {**_form(grid), "licence_upload": jpeg()})
    assert response.status_code == 302
    e = Enterprise.objects.get()
    assert client.get(f"/credit/{e.pk}/licence/")["Content-Type"] == "image/jpeg"
    assert login(dept_users["sjj_s2"]).get(f"/credit/{e.pk}/licence/").status_code == 404


def test_list_and_detail_are_scoped(login, users, tree, make_enterprise):
    mine = make_enterprise(name="丽豪企业")
    theirs = make_enterprise(name="镇安企业", region=tree["440604010001001"], with_place=False)
    services.rescore_all()
    client = login(users["street_officer"])
    page = client.get("/credit/").content.decode()
    assert "丽豪企业" in page and "镇安企业" not in page
    assert client.get(f"/credit/{theirs.pk}/").status_code == 404
    detail = client.get(f"/credit/{mine.pk}/").content.decode()
    assert mine.uscc in detail and "138****5678" in detail and "13812345678" not in detail
    # The district sees both; the colour filter works.
    page = login(users["district_officer"]).get("/credit/?colour=green").content.decode()
    assert "丽豪企业" in page and "镇安企业" in page
    assert "丽豪企业" not in login(users["district_officer"]).get("/credit/?colour=red").content.decode()


def test_detail_shows_score_colour_and_the_factors_behind_it(login, users, make_enterprise, items, worker):
    e = make_enterprise(name="有问题的企业")
    add_answers(place=e.place, items=items, worker=worker, results={"SJJ-001": "fail", "CGZF-001": "fail"})
    services.rescore_enterprises(ids=[e.pk])
    page = login(users["district_officer"]).get(f"/credit/{e.pk}/").content.decode()
    assert "91" in page  # 100 - 6 - 3
    assert "−6" in page or "-6" in page
    assert "-3" in page


def test_list_queries_do_not_grow_with_rows(login, users, make_enterprise):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(users["district_officer"])
    for _ in range(3):
        make_enterprise(with_place=False)
    services.rescore_all()
    with CaptureQueriesContext(connection) as few:
        client.get("/credit/")
    for _ in range(20):
        make_enterprise(with_place=False)
    services.rescore_all()
    with CaptureQueriesContext(connection) as many:
        client.get("/credit/")
    # session, user, profile, scope paths, count, page (enterprise+credit+region+override subqueries),
    # colour counts, grids for the filter (+ menu)
    assert len(few) == len(many)


def test_override_form_without_a_reason_is_refused(login, users, make_enterprise):
    e = make_enterprise()
    client = login(users["district_officer"])
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(f"/credit/{e.pk}/override/", {"colour": "red", "reason": "", "expires_on": until})
    assert response.status_code == 400
    assert not ColourOverride.objects.exists()
    response = client.post(f"/credit/{e.pk}/override/", {"colour": "red", "reason": "油烟扰民多次投诉", "expires_on": until})
    assert response.status_code == 302
    assert ColourOverride.objects.get().created_by == users["district_officer"]
    # A street officer may not override.
    assert login(users["street_officer"]).post(f"/credit/{e.pk}/override/", {"colour": "green", "reason": "x", "expires_on": until}).status_code == 403


def test_placard_and_public_page_show_nothing_personal_and_a_revoked_token_is_404(client, login, users, make_enterprise, items, worker):
    e = make_enterprise(name="公示企业", address="丽豪路99号", legal_representative="赵六", contact_name="钱七", contact_phone="13912345678")
    add_answers(place=e.place, items=items, worker=worker, results={"CGZF-015": "pass"}, when=timezone.now() - dt.timedelta(days=3))
    services.rescore_enterprises(ids=[e.pk])
    staff = login(users["village_staff"])
    staff.post(f"/credit/{e.pk}/placard/")
    token = PlacardToken.objects.get(enterprise=e, revoked_at__isnull=True)
    assert len(token.token) >= 32
    placard = staff.get(f"/credit/{e.pk}/placard/?size=A5").content.decode()
    assert "<svg" in placard and f"/credit/p/{token.token}/" in placard

    staff.logout()
    response = client.get(f"/credit/p/{token.token}/")
    assert response.status_code == 200
    page = response.content.decode()
    last = timezone.localtime(timezone.now() - dt.timedelta(days=3)).strftime("%Y-%m-%d")
    assert "公示企业" in page and last in page
    assert "green" in page
    for personal in ("赵六", "钱七", "13912345678", "139****5678", "丽豪路99号", e.uscc, "张三", "李四"):
        assert personal not in page
    assert client.get("/credit/p/not-a-token/").status_code == 404

    services.placard_token_revoke(enterprise=e, by=users["village_staff"])
    assert client.get(f"/credit/p/{token.token}/").status_code == 404


def test_due_page_for_a_grid_worker(login, worker, make_enterprise, items):
    e = make_enterprise(name="待巡企业")
    page = login(worker).get("/credit/due/").content.decode()
    assert "待巡企业" in page


def test_coverage_page(login, users, make_enterprise):
    make_enterprise()
    services.rescore_all()
    client = login(users["district_officer"])
    for by in ("street", "grid"):
        response = client.get(f"/credit/coverage/?by={by}")
        assert response.status_code == 200
    assert login(users["grid_worker"]).get("/credit/coverage/").status_code == 403


def test_rescore_button_starts_a_job(login, users, make_enterprise, django_capture_on_commit_callbacks):
    from core.models import Job

    make_enterprise()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(users["district_officer"]).post("/credit/rescore/")
    assert response.status_code == 302
    job = Job.objects.get(kind="credit.rescore")
    assert job.status == Job.Status.DONE
    assert job.result == {"rated": 1, "changed": 1}
    assert response["Location"] == job.get_absolute_url()


def test_admin_lists_are_view_only_and_render(client, make_enterprise, django_user_model):
    from credit.models import CreditScore

    e = make_enterprise()
    services.rescore_all()
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests-1")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    for url in ("/admin/credit/enterprise/", "/admin/credit/creditscore/", "/admin/credit/creditscorehistory/",
                "/admin/credit/colouroverride/", "/admin/credit/placardtoken/"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/admin/credit/enterprise/{e.pk}/change/").status_code == 200
    assert client.post(f"/admin/credit/enterprise/{e.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CreditScore.objects.filter(enterprise=e).exists()
