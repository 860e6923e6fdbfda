"""Journeys (a) and (b): a grid worker on a 390 × 844 phone reports a case with a photo and the
phone's location, starting from the phone home screen (goal: ≤ 6 taps), and fixes a 发现即办
problem on the spot (the case is closed as self-handled at once)."""

import re

import pytest

from cases.models import Case
from tests.browser_fixtures import browser_login
from tests.journeys.conftest import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_reports_a_case_with_photo_and_location(journey, phone, users, reference):
    j = journey("report", "grid worker reports a case with photo and location (390×844)")
    browser_login(phone, "gw")
    page = j.watch(phone)
    page.goto("/")
    assert page.url.endswith("/m/")
    j.step(page, "phone home")

    with j.goal("report from the home screen", taps=6):
        page.locator("a.tile", has_text="事件上报").click()
        page.wait_for_url("**/cases/report/**")
        j.step(page, "report form")
        page.fill("#cat-search", "垃圾渣土")
        page.locator(".cat-option:visible", has_text="积存垃圾渣土").click()
        chip = page.locator(".phrases .chip").first  # the sub-category's own phrases
        phrase = chip.inner_text().strip()
        chip.click()
        page.choose_file(photo("heap.jpg"), via=page.locator("label.camera[for=id_photos]"))  # 拍照: the camera
        page.wait_for_selector(".uploader[data-slot=report] .uploads li.upload:not(.busy) img")
        # The location comes from the phone (geolocation granted in the street) and the address
        # from the district's own grids and places: no tap, nothing typed.
        page.wait_for_function("() => document.getElementById('id_latitude').value !== ''")
        page.wait_for_function("() => document.getElementById('id_address').value.trim() !== ''")
        j.step(page, "form filled")
        page.click("#submit-report")
        page.wait_for_url(re.compile(r".*/cases/440604-\d{8}-\d{5}/$"))
    j.step(page, "case page")

    case = Case.objects.get()
    assert case.category.code == "0103" and case.description.startswith(phrase) and "垃圾" in phrase
    assert case.attachments.count() == 1
    assert (round(case.latitude, 6), round(case.longitude, 6)) == (22.95, 113.11)
    assert case.grid.code == "440604011001001" and case.status == Case.Status.REGISTERED
    assert case.address  # filled for the worker
    assert case.number in page.locator("h1").inner_text()
    j.finish()


def test_grid_worker_fixes_an_on_discovery_problem_on_the_spot(journey, phone, users, reference):
    j = journey("on-discovery", "grid worker handles a 发现即办 case on the spot (390×844)")
    browser_login(phone, "gw")
    page = j.watch(phone)
    page.goto("/")
    j.step(page, "phone home")

    # No goal of its own in the issue: the report's 6 taps, plus ticking 发现即办 and the after photo.
    with j.goal("fix on the spot from the home screen", taps=8):
        page.locator("a.tile", has_text="事件上报").click()
        page.wait_for_url("**/cases/report/**")
        page.fill("#cat-search", "乱堆")
        option = page.locator(".cat-option:visible", has_text="乱堆物料")
        assert "发现即办" in option.inner_text()
        option.click()
        page.locator(".phrases .chip", has_text="门前乱堆纸箱杂物").click()
        page.choose_file(photo("before.jpg"), via=page.locator("label.camera[for=id_photos]"))
        page.wait_for_selector(".uploader[data-slot=report] .uploads li.upload:not(.busy) img")
        page.wait_for_function("() => document.getElementById('id_latitude').value !== ''")
        page.locator("label", has_text="发现即办").locator("input[type=checkbox]").check()
        j.step(page, "fixed on the spot")
        page.choose_file(photo("after.jpg", (60, 160, 80)), via=page.locator("label.camera[for=id_after_photos]"))
        page.wait_for_selector(".uploader[data-slot=after] .uploads li.upload:not(.busy) img")
        page.fill("#id_handling_note", "已将纸箱清走")
        j.step(page, "after photo")
        page.click("#submit-report")
        page.wait_for_url(re.compile(r".*/cases/440604-\d{8}-\d{5}/$"))
    j.step(page, "case closed")

    case = Case.objects.get()
    assert case.status == Case.Status.SELF_HANDLED and case.category.code == "0507"
    assert case.attachments.count() == 2
    assert case.number in page.locator("h1").inner_text()
    j.finish()
