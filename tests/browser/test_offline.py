"""Poor signal is normal: a report and an inspection made with the network cut are kept on the phone
(IndexedDB, with their photos) and reach the server exactly once when it returns — also after a
reload without a signal, after an answer lost on the way, and after the session ended.

A grid worker on a 390-px phone, Debian's chromium, service workers allowed (the worker is served
by core/pwa.py at /sw.js); the network is cut with the browser context's offline switch.
"""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from cases.models import Case, CaseAttachment, CaseCategory
from inspections import services as inspection_services
from inspections.models import Answer, Inspection, InspectionPhoto

from tests.browser_fixtures import FOSHAN, browser_login
from tests.inspections.conftest import categories, departments, published, reference, worker, place  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def jpeg(colour=(180, 60, 40), name="site.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buf, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def wait_until(page, script, arg=None, timeout_ms=15000):
    """Poll an async page expression (wait_for_function does not await a returned promise)."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(script, arg):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {script}")


def ready_offline(page, path):
    """Open `path` with a signal and wait until the service worker controls it and keeps its copy."""
    page.goto(path)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()  # this load goes through the worker, which keeps the page
    for kept in (path.split("?")[0], "/outbox/"):
        wait_until(page, "(path) => caches.open('ecogrid-pages').then(c => c.match(location.origin + path)).then(Boolean)", kept)


def outbox_items(page):
    return page.evaluate("EcoOutbox.all().then(items => items.map(i => ({id: i.id, state: i.state, uuid: i.uuid, messages: i.messages, "
                         "photos: i.fields.filter(f => f[1] && typeof f[1] === 'object').length})))")


def fill_report_offline(page, description="门前堆放杂物，约两米宽"):
    page.fill("#cat-search", "暴露垃圾")
    page.locator(".cat-option:visible", has_text="暴露垃圾").click()
    page.fill("#id_description", description)
    page.set_input_files("#id_photos", [jpeg()])
    # No signal: the photo cannot be uploaded now and stays in the form, to go with it.
    page.locator(".uploader[data-slot=report] .upload-errors li").wait_for()
    assert page.evaluate("document.getElementById('id_photos').files.length") == 1
    page.wait_for_function("document.getElementById('id_latitude').value !== ''")


def queue_a_report(phone):
    ready_offline(phone, "/cases/report/?new=1")
    phone.context.set_offline(True)
    phone.goto("/cases/report/")  # the copy kept on the phone, with a fresh form UUID
    assert phone.locator(".offline-banner.copy").is_visible()
    fill_report_offline(phone)
    form_uuid = phone.input_value("[name=client_uuid]")
    phone.click("#submit-report")
    phone.wait_for_url("**/outbox/?queued=*")
    return form_uuid


def test_a_report_made_without_a_signal_is_sent_once_with_its_photo(phone, users, categories):  # noqa: F811
    browser_login(phone, "gw")
    form_uuid = queue_a_report(phone)

    # It waits on the phone, with its photo, and the worker sees it.
    phone.locator(".outbox-item[data-state=waiting]").wait_for()
    expect(phone.locator("#outbox-badge")).to_have_text(re.compile(r"待发送\s*1"))
    assert "暴露垃圾" in phone.locator(".outbox-item").inner_text() and "照片 1 张" in phone.locator(".outbox-item").inner_text()
    assert Case.objects.count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Reloaded without a signal (from the phone's copy): still there.
    phone.reload()
    phone.locator(".outbox-item[data-state=waiting]").wait_for()
    assert [i["uuid"] for i in outbox_items(phone)] == [form_uuid]

    # A second report offline gets a UUID of its own, never the queued one.
    phone.goto("/cases/report/")
    assert phone.input_value("[name=client_uuid]") != form_uuid

    # The signal returns: sent once, with its photo.
    phone.goto("/outbox/")
    phone.context.set_offline(False)
    phone.locator(".outbox-item[data-state=sent]").wait_for()
    case = Case.objects.get()
    assert str(case.client_uuid) == form_uuid and case.description == "门前堆放杂物，约两米宽"
    assert case.attachments.filter(stage=CaseAttachment.Stage.REPORT, kind="photo").count() == 1
    expect(phone.locator("#outbox-badge")).to_be_hidden()
    phone.locator(".outbox-item[data-state=sent] a", has_text="查看").click()
    phone.wait_for_url(f"**/cases/{case.number}/")


def test_a_dead_signal_the_phone_does_not_notice_is_caught_by_the_service_worker(phone, users, categories):  # noqa: F811
    """城中村: the phone shows bars but nothing gets through. The form goes out as usual, the
    service worker sees the post fail and keeps it; both reports go out in the order they were made."""
    browser_login(phone, "gw")
    first = queue_a_report(phone)
    phone.add_init_script("Object.defineProperty(Navigator.prototype, 'onLine', { get: () => true })")
    phone.goto("/cases/report/")
    fill_report_offline(phone, description="第二条：路口堆放建筑垃圾")
    second = phone.input_value("[name=client_uuid]")
    assert second != first
    phone.click("#submit-report")  # a normal post: the page thinks it is online
    phone.wait_for_url("**/outbox/?queued=*")
    assert [(i["uuid"], i["state"], i["photos"]) for i in outbox_items(phone)] == [(first, "waiting", 1), (second, "waiting", 1)]
    phone.context.set_offline(False)
    phone.locator("[data-outbox-flush]").click()
    expect(phone.locator(".outbox-item[data-state=sent]")).to_have_count(2)
    assert [str(c.client_uuid) for c in Case.objects.order_by("id")] == [first, second]  # in order, each once
    assert all(c.attachments.count() == 1 for c in Case.objects.all())


def test_a_replay_whose_answer_was_lost_is_recognised_and_not_duplicated(new_page, users, categories):  # noqa: F811
    # Without a service worker (first visit, or a browser without one) the page itself queues and
    # sends; and the test can cut the answer off (requests through a worker escape routing).
    phone = new_page(390, 844, service_workers="block", is_mobile=True, has_touch=True, device_scale_factor=2,
                     geolocation=FOSHAN, permissions=["geolocation"])
    browser_login(phone, "gw")
    phone.goto("/cases/report/?new=1")
    phone.context.set_offline(True)
    fill_report_offline(phone)
    phone.click("#submit-report")
    phone.locator(".offline-notice", has_text="已保存在手机上").wait_for()
    expect(phone.locator("#outbox-badge")).to_have_text(re.compile(r"待发送\s*1"))
    lost = []

    def deliver_then_lose_the_answer(route):
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server receives and applies it …
            lost.append(route.request.url)
            route.abort("connectionreset")  # … and the answer never reaches the phone
        else:
            route.continue_()

    phone.route(re.compile(r"/cases/report/(\?.*)?$"), deliver_then_lose_the_answer)
    phone.context.set_offline(False)
    wait_until(phone, "() => EcoOutbox.all().then(items => items[0].attempts >= 1 && items[0].state === 'waiting')")
    assert lost and Case.objects.count() == 1  # applied on the server, unknown on the phone
    phone.goto("/outbox/")  # the next page load sends what waits
    phone.locator(".outbox-item[data-state=sent]").wait_for()
    assert Case.objects.count() == 1
    assert Case.objects.get().attachments.count() == 1
    assert [i["state"] for i in outbox_items(phone)] == ["sent"]


def test_a_refused_replay_stays_visible_with_its_message(phone, users, categories):  # noqa: F811
    browser_login(phone, "gw")
    queue_a_report(phone)
    CaseCategory.objects.filter(code="0102").update(is_active=False)  # retired while the phone was offline
    phone.context.set_offline(False)
    item = phone.locator(".outbox-item[data-state=refused]")
    item.wait_for()
    assert item.locator(".errorlist li").count() >= 1
    assert "未被接受" in item.inner_text()
    expect(phone.locator("#outbox-badge.attention")).to_be_visible()
    assert Case.objects.count() == 0
    assert item.locator("a", has_text="打开表单修改").get_attribute("href").startswith("/cases/report/?uuid=")


def test_a_report_queued_before_the_browser_closed_is_sent_after_logging_in_again(phone, users, categories):  # noqa: F811
    browser_login(phone, "gw")
    form_uuid = queue_a_report(phone)
    # The browser is closed (the tab goes, and the session cookie with it), then opened with a signal.
    context = phone.context
    phone.close()
    context.clear_cookies()
    context.set_offline(False)
    phone = context.new_page()
    phone.goto("/outbox/")
    phone.locator(".outbox-item[data-state=login]").wait_for()
    assert phone.locator(".outbox-login").is_visible()
    assert "本机其他账号" not in phone.locator(".outbox-item").inner_text()
    assert Case.objects.count() == 0
    # Someone else logs in on this phone: the report is not sent in their name, nor shown to them.
    browser_login(phone, "vs")
    phone.goto("/outbox/")
    expect(phone.locator(".outbox-item")).to_contain_text("本机其他账号")
    assert "门前堆放杂物" not in phone.locator(".outbox-item").inner_text()
    phone.wait_for_timeout(500)
    assert Case.objects.count() == 0 and [i["state"] for i in outbox_items(phone)] == ["login"]
    context.clear_cookies()
    browser_login(phone, "gw")
    phone.goto("/outbox/")
    phone.locator(".outbox-item[data-state=sent]").wait_for()
    assert str(Case.objects.get().client_uuid) == form_uuid


def test_an_inspection_made_without_a_signal_is_submitted_once_with_answers_and_photo(phone, published, place, worker):  # noqa: F811
    inspection = inspection_services.inspection_start(inspector=worker, place=place)
    items = list(inspection.scene.items.order_by("order", "id"))
    failing = next(i for i in items if i.photo_required_on_fail and i.fail_reasons)
    browser_login(phone, "gw")
    path = f"/inspections/i/{inspection.client_uuid}/"
    ready_offline(phone, path)
    phone.context.set_offline(True)

    def tap(selector):  # a department's items fold once it is done: open its section first
        phone.eval_on_selector(selector, "el => { el.closest('details').open = true; }")
        phone.locator(selector).click()

    for item in items:
        if item != failing:
            tap(f"#item-{item.pk} .choice.pass")
    box = phone.locator(f"#item-{failing.pk}")
    phone.eval_on_selector(f"#item-{failing.pk}", "el => { el.closest('details').open = true; }")
    box.locator(".choice.fail").click()
    box.locator(".reasons .choice").first.click()
    box.locator(f"input[name=photo_{failing.pk}]").set_input_files(jpeg())
    box.locator(".save-state.offline").wait_for()

    # The page is reloaded without a signal: the answers and the photo come back from the phone.
    phone.wait_for_timeout(600)  # the draft is kept 300 ms after the last change
    phone.reload()
    phone.locator(f"#item-{failing.pk} input[value=fail]:checked").wait_for(state="attached")
    phone.wait_for_function(f"document.querySelector('input[name=photo_{failing.pk}]').files.length === 1")
    assert phone.locator("#inspection-form .pfn input:checked").count() == len(items)

    phone.click("#submit-inspection")
    phone.wait_for_url("**/outbox/?queued=*")
    phone.locator(".outbox-item[data-state=waiting]").wait_for()
    assert "照片 1 张" in phone.locator(".outbox-item").inner_text()
    assert Inspection.objects.get().is_draft

    phone.context.set_offline(False)
    phone.locator(".outbox-item[data-state=sent]").wait_for()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.SUBMITTED
    assert Answer.objects.filter(inspection=inspection).count() == len(items)
    assert Answer.objects.filter(inspection=inspection, result="fail").count() == 1
    assert InspectionPhoto.objects.filter(inspection=inspection).count() == 1
    assert Case.objects.count() == 1  # the failed item's case


@pytest.mark.parametrize("signal_back_before_submit", [False, True], ids=["submitted-offline", "signal-back-first"])
def test_an_inspection_started_without_a_signal_is_started_and_submitted_once(phone, published, place, worker, signal_back_before_submit):  # noqa: F811
    """No signal at the place: the worker starts its list from the place page kept on the phone. The
    start is queued with a new client UUID and the checklist form kept for that list opens; the
    answers, the photo and the submit follow it in the outbox and reach the server in order, once —
    also when the signal is back before Submit is tapped (the submit still waits for its start)."""
    browser_login(phone, "gw")
    path = f"/inspections/m/places/{place.pk}/"
    ready_offline(phone, path)
    code = phone.locator(".start-options button[data-scene]").first.get_attribute("data-scene")
    blank = f"/inspections/m/places/{place.pk}/blank/{code}/"
    # The place page had the phone keep the form of each list it offers.
    wait_until(phone, "(path) => caches.open('ecogrid-pages').then(c => c.match(location.origin + path)).then(Boolean)", blank)
    scene = published.scenes.get(code=code)
    items = list(scene.items.order_by("order", "id"))
    failing = next(i for i in items if i.photo_required_on_fail and i.fail_reasons)

    phone.context.set_offline(True)
    phone.goto(path)  # the copy kept on the phone
    assert phone.locator(".offline-banner.copy").is_visible()
    phone.locator(f".start-options button[data-scene='{code}']").click()
    phone.wait_for_url(re.compile(rf"{re.escape(blank)}\?uuid=[0-9a-f-]{{36}}$"))
    form_uuid = phone.url.rsplit("uuid=", 1)[1]
    assert phone.locator("[data-blank-note]").is_visible()
    assert phone.get_attribute("#inspection-form", "action") == f"/inspections/i/{form_uuid}/submit/"
    assert phone.locator("#inspection-form .item[data-item]").count() == len(items)
    assert Inspection.objects.count() == 0

    box = phone.locator(f"#item-{failing.pk}")
    phone.eval_on_selector(f"#item-{failing.pk}", "el => { el.closest('details').open = true; }")
    box.locator(".choice.fail").click()
    box.locator(".reasons .choice").first.click()
    box.locator(f"input[name=photo_{failing.pk}]").set_input_files(jpeg())
    box.locator(".save-state.offline").wait_for()
    phone.click("#mark-rest")  # 其余全部合格, marked on the phone
    expect(phone.locator("#inspection-form .pfn input:checked")).to_have_count(len(items))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    if signal_back_before_submit:
        phone.context.set_offline(False)
    phone.click("#submit-inspection")
    phone.wait_for_url("**/outbox/?queued=*")
    if not signal_back_before_submit:
        queued = outbox_items(phone)
        assert [(i["uuid"], i["state"], i["photos"]) for i in queued] == [(form_uuid, "waiting", 0), (form_uuid, "waiting", 1)]
        assert Inspection.objects.count() == 0
        phone.context.set_offline(False)
    expect(phone.locator(".outbox-item[data-state=sent]")).to_have_count(2)
    inspection = Inspection.objects.get()
    assert str(inspection.client_uuid) == form_uuid and inspection.scene == scene and inspection.place == place
    assert inspection.status == Inspection.Status.SUBMITTED
    assert Answer.objects.filter(inspection=inspection).count() == len(items)
    assert Answer.objects.filter(inspection=inspection, result="fail").count() == 1
    assert Answer.objects.get(inspection=inspection, result="fail").item_id == failing.pk
    assert InspectionPhoto.objects.filter(inspection=inspection, item=failing).count() == 1
