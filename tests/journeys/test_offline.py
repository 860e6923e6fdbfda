"""Journey (d): no signal in the hotel's basement. The grid worker starts the hotel's inspection
(the full 52-item list) with a signal; the signal drops; the worker fails one item (reason and
photo), marks the rest as passed and submits — it waits on the phone; still without a signal the
worker reports a case from the phone home. When the signal returns, both reach the server exactly
once, with their photos (goal for the inspection: the online journey's ≤ 15 taps)."""

import pytest

from cases.models import Case, CaseAttachment
from inspections.models import Inspection, InspectionPhoto
from tests.browser_fixtures import browser_login
from tests.journeys.conftest import photo
from tests.journeys.test_inspection import first_failable, hotel  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What chromium logs while the network is cut: the requests the pages try and cannot make.
NO_SIGNAL = r"net::ERR_INTERNET_DISCONNECTED|Failed to fetch|htmx:(sendError|afterRequest)"


def test_inspection_and_report_made_without_a_signal_are_sent_once_when_it_returns(journey, phone, users, reference, hotel):  # noqa: F811
    j = journey("offline", "the hotel inspection and a report made without a signal, sent when it returns (390×844)")
    browser_login(phone, "gw")
    page = j.watch(phone)
    # The worker has used the app with a signal before: the service worker runs and keeps the phone pages.
    page.goto("/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()
    for kept in ("/m/", "/cases/report/"):
        page.wait_for_function("(path) => caches.open('ecogrid-pages').then(c => c.match(location.origin + path)).then(Boolean)", arg=kept)
    j.step(page, "phone home")

    # From the signal dropping until everything is sent, the pages' failed requests are expected
    # in the console (chromium's and htmx's); nothing else is.
    with j.tolerate(NO_SIGNAL):
        with j.goal("inspect the 52-item hotel, the signal lost on the way", taps=15):
            page.locator("a.tile", has_text="一表巡").click()
            page.locator(f"#place-{hotel.pk} a.place-link").click()
            page.locator("button[data-kind=type]").click()
            page.wait_for_url("**/inspections/i/**")
            page.locator("[data-progress-text]", has_text="0 / 52").wait_for()
            page.context.set_offline(True)  # the basement
            item = first_failable(page)
            item.locator(".choice.fail").click()
            item.locator(".reasons .choice").first.click()
            item.choose_file(photo("basement.jpg"), via=item.locator("label.camera").first)
            item.locator(".save-state.offline").wait_for()
            j.step(page, "failure kept on the phone")
            page.click("#mark-rest")
            page.locator("[data-progress-text]", has_text="52 / 52").wait_for()
            page.click("#submit-inspection")
            page.wait_for_url("**/outbox/?queued=*")
            page.locator(".outbox-item[data-state=waiting]").wait_for()
        j.step(page, "inspection waiting")
        assert Inspection.objects.get().is_draft and not InspectionPhoto.objects.exists()

        with j.goal("report a case without a signal", taps=6):
            page.locator(".nav a", has_text="我的网格").click()  # the phone home /m/, from the phone's copy
            page.locator("a.tile", has_text="事件上报").click()
            page.wait_for_url("**/cases/report/**")
            assert page.locator(".offline-banner").count() >= 1
            page.fill("#cat-search", "乱堆")
            page.locator(".cat-option:visible", has_text="乱堆物料").click()
            page.locator(".phrases .chip").first.click()
            page.choose_file(photo("heap.jpg"), via=page.locator("label.camera[for=id_photos]"))
            page.locator(".uploader[data-slot=report] .upload-errors li").wait_for()  # not sent now: goes with the form
            page.wait_for_function("() => document.getElementById('id_latitude').value !== ''")
            j.step(page, "report without a signal")
            page.click("#submit-report")
            page.wait_for_url("**/outbox/?queued=*")
            page.locator(".outbox-item[data-state=waiting]").nth(1).wait_for()
        j.step(page, "two waiting")
        assert "待发送 2" in page.locator("#outbox-badge").inner_text().replace("\n", " ")
        assert Case.objects.count() == 0

        # The signal returns: both are sent, once.
        page.context.set_offline(False)
        page.locator(".outbox-item[data-state=sent]").nth(1).wait_for(timeout=30_000)
    j.step(page, "sent")
    inspection = Inspection.objects.get()
    assert inspection.status == Inspection.Status.SUBMITTED
    assert inspection.answers.filter(result="fail").count() == 1 and inspection.answers.filter(result="pass").count() == 51
    assert InspectionPhoto.objects.filter(inspection=inspection).count() == 1
    report = Case.objects.get(source="grid_worker")
    assert report.category.code == "0507"
    assert report.attachments.filter(stage=CaseAttachment.Stage.REPORT, kind="photo").count() == 1
    assert Case.objects.filter(source="inspection").count() == 1 and Case.objects.count() == 2
    j.finish()
