"""Journeys (c) and (c2): a grid worker on a 390 × 844 phone inspects a hotel with the full
52-item list, one item failing (reason and photo), the rest marked as passed in one tap, and taps
Submit twice (goal: ≤ 15 taps from the phone home; one inspection, one case). Then, another day,
re-inspects only what failed last time (goal: ≤ 6 taps)."""

import pytest

from cases.models import Case
from inspections import services
from inspections.models import Inspection, InspectionPhoto
from tests.browser_fixtures import browser_login
from tests.journeys.conftest import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOTEL = {"name": "丽豪商务旅馆", "place_type": "hotel", "address": "丽豪路30号", "latitude": 22.951, "longitude": 113.111}


@pytest.fixture
def hotel(checklist, users):
    by = users["grid_worker"]
    services.place_create(by=by, name="丽豪水果店", place_type="shop", address="丽豪路12号", latitude=22.95, longitude=113.11)
    services.place_create(by=by, name="丽豪出租屋", place_type="rental_housing", address="丽豪路20号", latitude=22.952, longitude=113.112)
    return services.place_create(by=by, **HOTEL)


def first_failable(page):
    """The first item of the open section with fail reasons and a photo asked for on failure."""
    return page.locator("details[open] .item").filter(has=page.locator(".reasons .choice")).first


def test_grid_worker_inspects_a_hotel_with_one_failure(journey, phone, users, hotel):
    j = journey("inspection", "grid worker inspects a hotel: 52 items, one failure, submit tapped twice (390×844)")
    browser_login(phone, "gw")
    page = j.watch(phone)
    page.goto("/")
    j.step(page, "phone home")

    with j.goal("inspect a 52-item scene with one failure", taps=15):
        page.locator("a.tile", has_text="一表巡").click()
        page.wait_for_url("**/inspections/m/")
        j.step(page, "places")
        page.locator(f"#place-{hotel.pk} a.place-link").click()
        page.wait_for_url(f"**/inspections/m/places/{hotel.pk}/")
        j.step(page, "place page")
        full = page.locator("button[data-kind=type]")
        assert "52" in full.inner_text()
        full.click()
        page.wait_for_url("**/inspections/i/**")
        assert page.locator("[data-progress-text]").inner_text() == "0 / 52"
        j.step(page, "checklist")

        item = first_failable(page)
        code = item.get_attribute("data-code")
        item.locator(".choice.fail").click()
        item.locator(".reasons .choice").first.click()
        item.choose_file(photo("fire-exit.jpg"), via=item.locator("label.camera").first)  # 拍照
        item.locator(".photos img").wait_for()
        j.step(page, "one failure")
        page.click("#mark-rest")
        page.locator("[data-progress-text]", has_text="52 / 52").wait_for()
        j.step(page, "the rest passed")
        page.dblclick("#submit-inspection")  # a hurried double tap
        page.locator("h1", has_text="已提交").wait_for()
    j.step(page, "submitted")

    inspection = Inspection.objects.get()
    assert inspection.status == Inspection.Status.SUBMITTED and inspection.scene.items.count() == 52
    results = list(inspection.answers.values_list("item__code", "result"))
    assert len(results) == 52 and [c for c, r in results if r == "fail"] == [code]
    assert sum(r == "pass" for _c, r in results) == 51
    case = Case.objects.get()  # one case, whatever the double tap sent
    assert case.source == "inspection" and case.number in page.locator("main").inner_text()
    assert InspectionPhoto.objects.filter(inspection=inspection).count() == 1
    j.finish()


def test_grid_worker_reinspects_only_what_failed(journey, phone, users, hotel):
    # Last week's inspection of the hotel: the full list, one item failed (made through the services).
    from tests.inspections.conftest import answer_all

    worker = users["grid_worker"]
    last = services.inspection_start(inspector=worker, place=hotel, scene="hotel")
    failed = next(i for i in last.scene.items.order_by("order", "id") if i.fail_reasons)
    answer_all(last, worker, fail=(failed.code,))
    services.inspection_submit(inspection=last, inspector=worker, latitude=HOTEL["latitude"], longitude=HOTEL["longitude"])

    j = journey("reinspection", "grid worker re-inspects only the failed items (390×844)")
    browser_login(phone, "gw")
    page = j.watch(phone)
    page.goto("/")
    with j.goal("re-inspect only the failed items", taps=6):
        page.locator("a.tile", has_text="一表巡").click()
        page.wait_for_url("**/inspections/m/")
        j.step(page, "places")
        page.locator(f"#place-{hotel.pk} [data-reinspect]").click()
        page.wait_for_url("**/inspections/i/**")
        assert page.locator("[data-progress-text]").inner_text() == "0 / 1"
        j.step(page, "re-inspection")
        page.locator(f".item[data-code='{failed.code}'] .choice.pass").click()
        page.locator(f".item[data-code='{failed.code}'] .save-state", has_text="已保存").wait_for()
        page.click("#submit-inspection")
        page.locator("h1", has_text="已提交").wait_for()
    j.step(page, "submitted")

    again = Inspection.objects.exclude(pk=last.pk).get()
    assert again.previous_id == last.pk and again.status == Inspection.Status.SUBMITTED
    assert list(again.answers.values_list("item__code", "result")) == [(failed.code, "pass")]
    j.finish()
