"""Journey (e): the loop across four people. A street officer (1440 × 900) dispatches a new
village-tier case in their street from the page they land on (goal: ≤ 3 taps) → the department's
clerk, on a phone, sees the photo and the place, accepts and reports the result with a photo → the
grid worker verifies on site from the phone home screen → the officer closes it."""

import pytest

from cases.models import Case
from tests.browser_fixtures import browser_login
from tests.journeys.conftest import DESKTOP, photo, report_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_dispatches_department_handles_worker_verifies_officer_closes(journey, phone, new_page, users, clerk):
    # A new village-tier case (积存垃圾渣土: village tier, CGZF) in the officer's street, with a photo.
    from cases.services import Upload, evidence_check

    case = report_case(users["grid_worker"], "0103", "空地长期堆积建筑垃圾，约十立方", address="丽豪路18号旁空地",
                       checked=evidence_check(uploads=[Upload(file=_jpeg_file())]))
    assert case.tier == 3 and case.status == Case.Status.REGISTERED  # village tier: 村居级

    j = journey("officer-loop", "officer dispatches → department handles → worker verifies → officer closes")
    officer_raw = new_page(**DESKTOP)
    browser_login(officer_raw, "so")
    officer = j.watch(officer_raw)
    officer.goto("/")
    j.step(officer, "officer lands")

    # 1. The officer dispatches it from the landing page.
    with j.goal("officer dispatches a new village-tier case from landing", taps=3):
        row = officer.locator(f'tr[data-case="{case.number}"]')
        assert row.count() == 1, "the new village-tier case of the street is not on the officer's landing page"
        row.locator("a", has_text="派遣").click()
        officer.wait_for_url(f"**/dispatch/case/{case.number}/dispatch/**")
        selected = officer.eval_on_selector("#id_department", "s => s.options[s.selectedIndex].text")
        assert selected == "石湾镇街道综合执法办"  # the rule's suggestion, pre-selected
        j.step(officer, "dispatch form")
        officer.click("#dispatch-form button[type=submit]")
        officer.wait_for_load_state("networkidle")
    j.step(officer, "dispatched")
    case.refresh_from_db()
    assert case.status == Case.Status.DISPATCHED and case.department.code == "CGZF-440604011"

    # 2. The department's clerk, on a phone: sees the photo and the place, accepts, reports the result.
    dept_raw = new_page(width=390, height=844, is_mobile=True, has_touch=True, device_scale_factor=2)
    browser_login(dept_raw, "cgzf_s1")
    dept = j.watch(dept_raw)
    dept.goto("/")
    assert dept.url.endswith("/dispatch/department/")
    j.step(dept, "department lands")
    with j.goal("department accepts and reports the result"):
        dept.locator(f'li[data-case="{case.number}"] > a').click()
        dept.wait_for_url(f"**/dispatch/case/{case.number}/**")
        assert dept.locator("img[src*='/files/']").count() >= 1, "the department's case page shows no photo"
        assert "丽豪路18号旁空地" in dept.locator("main").inner_text()
        j.step(dept, "department case page")
        dept.locator(".dx-buttons a", has_text="签收").click()
        j.step(dept, "accept")
        dept.click("#action-form button[type=submit]")
        dept.wait_for_load_state("networkidle")
        dept.locator("a", has_text="反馈处置结果").first.click()
        dept.fill("#id_note", "已清运建筑垃圾，空地已平整")
        dept.choose_file(photo("after.jpg", (60, 160, 80)), via=dept.locator("label.camera[for=id_photos]"))
        dept.wait_for_selector(".uploads li.upload:not(.busy) img")
        j.step(dept, "handling result")
        dept.click("#action-form button[type=submit]")
        dept.wait_for_load_state("networkidle")
    j.step(dept, "handled")
    case.refresh_from_db()
    assert case.status == Case.Status.HANDLED

    # 3. The grid worker verifies on site, from the phone home screen.
    browser_login(phone, "gw")
    worker = j.watch(phone)
    worker.goto("/")
    with j.goal("grid worker verifies on site"):
        worker.locator("a.tile", has_text="待核查").click()
        j.step(worker, "to verify")
        worker.locator(".case-card a", has_text="积存垃圾渣土").click()
        worker.wait_for_url(f"**/cases/{case.number}/verify/**")
        worker.locator("input[name=outcome][value=verify]").check()
        worker.choose_file(photo("check.jpg", (200, 200, 90)), via=worker.locator("label.camera[for=id_photos]"))
        worker.wait_for_selector(".uploads li.upload:not(.busy) img")
        j.step(worker, "verify form")
        worker.click("#verify-form button[type=submit]")
        worker.wait_for_load_state("networkidle")
    j.step(worker, "verified")
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFIED

    # 4. The officer closes it, again from the landing page.
    officer.goto("/")
    with j.goal("officer closes from landing"):
        row = officer.locator(f'tr[data-case="{case.number}"]')
        assert row.count() == 1, "the verified case is not on the officer's landing page"
        row.locator("a", has_text="结案").click()
        j.step(officer, "close")
        officer.click("#action-form button[type=submit]")
        officer.wait_for_load_state("networkidle")
    j.step(officer, "closed")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert [e.action for e in case.events.order_by("id")][-5:] == ["dispatch", "accept", "handle", "verify", "close"]
    j.finish()


def _jpeg_file():
    import io

    return io.BytesIO(photo()["buffer"])
