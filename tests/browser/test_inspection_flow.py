"""The mobile inspection in a real browser at 390 px: pick a place, tap through, photo, resume, submit."""

import io

import pytest
from PIL import Image

from cases.models import Case
from inspections.models import Inspection

from tests.inspections.conftest import categories, departments, published, reference, worker, place  # noqa: F401  (fixtures)

from tests.browser_fixtures import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 60, 40)).save(buf, format="JPEG")
    return buf.getvalue()


def test_grid_worker_inspects_a_shop_on_a_phone(phone, published, place, worker):  # noqa: F811
    items = {i.code: i.pk for i in published.scenes.get(code="shop").items.all()}
    browser_login(phone, "gw")
    phone.goto("/inspections/m/")
    assert phone.locator("h1").inner_text() == "开始巡查"

    # Find the place in my grid (htmx search) and start.
    phone.fill("#place-q", "水果")
    phone.locator("#place-results .place-card").first.wait_for()
    phone.locator("#place-results .place-card button[type=submit]").click()
    phone.wait_for_url("**/inspections/i/**")
    assert phone.locator("h1").inner_text() == "丽豪水果店"
    assert phone.locator("[data-progress-text]").inner_text() == "0 / 7"

    # One tap per item; a failure opens its reasons and the camera.
    for code in ("CGZF-001", "CGZF-006", "CGZF-015", "SJJ-001", "SJJ-002"):
        phone.locator(f"#item-{items[code]} .choice.pass").click()
    xf = phone.locator(f"#item-{items['XF-001']}")
    xf.locator(".choice.fail").click()
    assert xf.locator(".fail-detail").is_visible()
    xf.locator(".reasons .choice").first.click()
    phone.locator(f"#item-{items['XF-001']} .save-state", has_text="已保存").wait_for()
    phone.locator(f"#item-{items['XF-001']} input[name=photo_{items['XF-001']}]").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
    )
    phone.locator(f"#item-{items['XF-001']} .photos img").wait_for()
    assert phone.locator("[data-progress-text]").inner_text() == "6 / 7"

    # A closed tab or a dropped connection loses nothing: reopening resumes the draft.
    phone.reload()
    assert phone.locator("[data-progress-text]").inner_text() == "6 / 7"
    assert phone.locator(f"input[name=result_{items['XF-001']}][value=fail]").is_checked()
    assert phone.locator(f"#item-{items['XF-001']} .photos img").count() == 1

    # Submitting with an unanswered item is refused with a clear message; nothing is lost.
    phone.click("#submit-inspection")
    phone.locator(".messages li.error", has_text="还有 1 项必答事项未作答。").wait_for()
    assert phone.locator(f"input[name=result_{items['XF-001']}][value=fail]").is_checked()
    assert Inspection.objects.get().is_draft

    phone.locator(f"#item-{items['XF-002']} .choice.na").click()
    phone.locator(f"#item-{items['XF-002']} .save-state", has_text="已保存").wait_for()
    phone.click("#submit-inspection")
    phone.wait_for_url("**/inspections/i/**")
    phone.locator("h1", has_text="已提交").wait_for()
    assert "合格 5" in phone.content() and "不合格 1" in phone.content()
    case = Case.objects.get()
    assert case.category.code == "0701" and case.source == "inspection"
    assert case.number in phone.content()
    inspection = Inspection.objects.get()
    assert inspection.status == "submitted" and inspection.location_flag == ""  # the phone was in the grid
    assert abs(inspection.latitude - 22.95) < 1e-4
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


# =========================================================================== issue 17: taps, tap targets, 复查

from inspections import services  # noqa: E402
from inspections.models import Answer  # noqa: E402

from tests.inspections.conftest import answer_all, full_published  # noqa: E402, F401  (fixtures)

# Every link, button, field, chip and summary in the page's content, and labels standing for a
# hidden radio, checkbox or file input; links inside running text (≥ 6 letters of text around them
# in their block) are left out, as WCAG 2.5.8 does. Returns the ones under 44 × 44 px.
SMALL_TARGETS = r"""
(min) => {
  const main = document.querySelector("main");
  const hidden = (el) => !el.getClientRects().length || el.closest("[hidden]") || getComputedStyle(el).visibility === "hidden";
  const blockOf = (el) => { let n = el.parentElement; while (n && getComputedStyle(n).display.startsWith("inline")) n = n.parentElement; return n || main; };
  const runningText = (a) => {
    if (getComputedStyle(a).display !== "inline") return false;
    const walker = document.createTreeWalker(blockOf(a), NodeFilter.SHOW_TEXT);
    let letters = 0;
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (t.parentElement.closest("a, button, label")) continue;
      letters += ((t.textContent || "").match(/[\p{L}\p{N}]/gu) || []).length;
    }
    return letters >= 6;
  };
  const out = [];
  let checked = 0;
  for (const el of main.querySelectorAll("a[href], button, input, select, textarea, summary, label")) {
    if (el.tagName === "INPUT" && ["hidden"].includes(el.type)) continue;
    if (el.disabled || hidden(el)) continue;
    if (el.tagName === "A" && runningText(el)) continue;
    if (el.tagName === "LABEL" && !el.querySelector("input[type=radio], input[type=checkbox], input[type=file]")) continue;
    let box = el.getBoundingClientRect();
    if (el.tagName === "INPUT" && ["radio", "checkbox", "file"].includes(el.type)) {
      const label = el.closest("label");
      if (label) box = label.getBoundingClientRect();
    }
    checked += 1;
    if (box.height + 0.5 < min || box.width + 0.5 < min) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")} “${(el.innerText || el.value || el.name || "").trim().slice(0, 20)}” ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return {small: out, checked};
}
"""


def _small_targets(page):
    assert page.viewport_size["width"] == 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "horizontal scroll at 390 px"
    found = page.evaluate(SMALL_TARGETS, 44)
    assert found["checked"] >= 5, found  # not vacuous: the page's controls were measured
    return found["small"]


def _heights(page, selector):
    return [round(page.locator(selector).nth(i).bounding_box()["height"]) for i in range(page.locator(selector).count())]


class Taps:
    """Counts the worker's taps: a click is one, a double tap two, a photo taken (file chosen) one."""

    def __init__(self, page):
        self.page, self.count, self.log = page, 0, []

    def tap(self, selector, what=""):
        self.page.locator(selector).click()
        self._add(1, what or selector)

    def double_tap(self, selector, what=""):
        self.page.locator(selector).dblclick()
        self._add(2, what or selector)

    def photo(self, selector, files, what="photo"):
        self.page.locator(selector).set_input_files(files)
        self._add(1, what)

    def _add(self, n, what):
        self.count += n
        self.log.append((self.count, what))


def _hotel(worker, name="陶都快捷宾馆"):
    return services.place_create(by=worker, name=name, place_type="hotel", address="石湾公园路7号", latitude=22.95, longitude=113.11)


def test_a_52_item_hotel_with_one_failure_takes_at_most_15_taps_and_a_double_submit_is_one(phone, full_published, tree, worker, new_page):  # noqa: F811
    hotel = _hotel(worker)
    for k in range(3):  # a few other places in the grid, inspected lately (not due)
        other = services.place_create(by=worker, name=f"丽豪商铺{k}", place_type="shop", latitude=22.95, longitude=113.11)
        services.inspection_submit(inspection=answer_all(services.inspection_start(inspector=worker, place=other), worker), inspector=worker)
    browser_login(phone, "gw")
    phone.goto("/m/")  # the phone's home screen: the journey starts here
    taps = Taps(phone)

    taps.tap("a.tile[href='/inspections/m/']", "inspections tile")
    phone.wait_for_url("**/inspections/m/")
    assert _small_targets(phone) == [], "tap targets on the start page"
    taps.tap(f"#place-{hotel.pk} .place-link", "the hotel")
    phone.wait_for_url(f"**/inspections/m/places/{hotel.pk}/")
    assert phone.locator("button[data-scene]").all_inner_texts() == ["短表\n20 项", "完整表\n52 项", "综合巡查（全部事项）\n247 项"] or \
        [t.split() for t in phone.locator("button[data-scene]").all_inner_texts()] == [["短表", "20", "项"], ["完整表", "52", "项"], ["综合巡查（全部事项）", "247", "项"]]
    assert _small_targets(phone) == [], "tap targets on the place page"
    taps.tap("button[data-scene=hotel]", "start the full hotel list (52 items)")
    phone.wait_for_url("**/inspections/i/**")
    inspection = Inspection.objects.get(status="draft")
    assert inspection.scene.code == "hotel" and phone.locator("[data-progress-text]").inner_text() == "0 / 52"
    assert phone.locator("#mark-rest").is_visible() and "52" in phone.locator("#mark-rest").inner_text()

    # A stale second tab of the same draft (to submit again later).
    stale = new_page(width=390, height=844, is_mobile=True, has_touch=True, geolocation={"latitude": 22.95, "longitude": 113.11}, permissions=["geolocation"])
    stale.context.add_cookies(phone.context.cookies())
    stale.goto(phone.url)

    xf = inspection.checklist_items().get(code="XF-001")
    section = phone.locator("details[data-section]", has=phone.locator(f"#item-{xf.pk}"))
    assert section.get_attribute("open") is None  # the first department is open; 消防 is further down
    taps.tap(f"details[data-section]:has(#item-{xf.pk}) > summary", "open 消防")
    taps.tap(f"#item-{xf.pk} .choice.fail", "fail XF-001")
    taps.tap(f"#item-{xf.pk} .reasons .choice >> nth=0", "its reason")
    phone.locator(f"#item-{xf.pk} .save-state", has_text="已保存").wait_for()
    taps.photo(f"#item-{xf.pk} input[name=photo_{xf.pk}]", {"name": "exit.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})
    phone.locator(f"#item-{xf.pk} .photos img").wait_for()
    assert _small_targets(phone) == [], "tap targets on the checklist form (a failure open, with its photo)"
    # The 备注 and 法律依据 links were 21 px tall; the photo's remove button 24 px.
    for selector in (f"#item-{xf.pk} .item-more summary", f"#item-{xf.pk} .reasons .choice", f"#item-{xf.pk} .photo-remove",
                     f"#item-{xf.pk} .pfn .choice", f"#item-{xf.pk} .camera"):
        heights = _heights(phone, selector)
        assert heights and min(heights) >= 44, (selector, heights)
    assert len(_heights(phone, "details[open] .item-more summary")) >= 2 * 10  # remark + legal basis of the open department
    taps.tap("#mark-rest", "mark the rest as passed")
    phone.locator("[data-progress-text]", has_text="52 / 52").wait_for()
    assert phone.locator("#mark-rest").is_hidden() and phone.locator("#submit-inspection").is_visible()
    assert phone.locator(f"#item-{xf.pk} input[value=fail]").is_checked()
    draft = Inspection.objects.get(pk=inspection.pk).draft
    assert sum(e["result"] == "pass" for e in draft.values()) == 51 and draft["XF-001"]["result"] == "fail"

    taps.double_tap("#submit-inspection", "submit (a double tap)")
    phone.locator("h1", has_text="已提交").wait_for()
    print("\ninspect a 52-item scene with one failure:", taps.count, "taps —", "; ".join(f"{n} {w}" for n, w in taps.log))
    assert taps.count <= 15
    assert Inspection.objects.filter(status="submitted").count() == 4  # the three others and this one
    inspection.refresh_from_db()
    assert (inspection.pass_count, inspection.fail_count, inspection.na_count) == (51, 1, 0)
    assert Case.objects.filter(source="inspection").count() == 1
    assert _small_targets(phone) == [], "tap targets on the submitted record"

    # Submitted again from the stale tab: the same record, still one submission.
    stale.locator("#submit-inspection").click()
    stale.locator("h1", has_text="已提交").wait_for()
    assert str(inspection.client_uuid) in stale.url
    assert Answer.objects.filter(inspection=inspection).count() == 52 and Case.objects.filter(source="inspection").count() == 1


def test_reinspecting_only_what_failed_takes_at_most_6_taps_and_both_records_link(phone, full_published, tree, worker):  # noqa: F811
    hotel = _hotel(worker)
    first = services.inspection_start(inspector=worker, place=hotel, scene="hotel")
    answer_all(first, worker, fail={"XF-001", "GA-006", "SJJ-006"})
    first, _ = services.inspection_submit(inspection=first, inspector=worker, latitude=22.95, longitude=113.11)
    browser_login(phone, "gw")
    phone.goto("/m/")
    taps = Taps(phone)

    taps.tap("a.tile[href='/inspections/m/']", "inspections tile")
    phone.wait_for_url("**/inspections/m/")
    assert phone.locator(f"#place-{hotel.pk} [data-reinspect]").inner_text() == "复查 3 项不合格"
    taps.tap(f"#place-{hotel.pk} [data-reinspect]", "复查 3 failed items")
    phone.wait_for_url("**/inspections/i/**")
    assert phone.locator("[data-progress-text]").inner_text() == "0 / 3"
    assert phone.locator(".item[data-item]").count() == 3 and phone.locator(".before-fail").count() == 3
    assert phone.locator(f"a[href='/inspections/i/{first.client_uuid}/']").count() == 1
    assert _small_targets(phone) == [], "tap targets on the re-inspection form"
    taps.tap("#mark-rest", "all fixed: mark the rest as passed")
    phone.locator("[data-progress-text]", has_text="3 / 3").wait_for()
    taps.tap("#submit-inspection", "submit")
    phone.locator("h1", has_text="已提交").wait_for()
    print("\nre-inspect only the failed items:", taps.count, "taps —", "; ".join(f"{n} {w}" for n, w in taps.log))
    assert taps.count <= 6

    again = Inspection.objects.get(previous=first)
    assert again.status == "submitted" and (again.pass_count, again.fail_count) == (3, 0)
    assert phone.locator(f"a[data-previous][href='/inspections/i/{first.client_uuid}/']").count() == 1
    phone.locator("a[data-previous]").click()
    phone.locator(f"a[data-reinspection][href='/inspections/i/{again.client_uuid}/']").wait_for()
    assert _small_targets(phone) == [], "tap targets on the re-inspected record"


def test_a_place_that_is_not_due_is_reached_without_search_and_the_type_filter_works(phone, full_published, tree, worker):  # noqa: F811
    shop = services.place_create(by=worker, name="丽豪水果店", place_type="shop", latitude=22.95, longitude=113.11)
    services.inspection_submit(inspection=answer_all(services.inspection_start(inspector=worker, place=shop), worker), inspector=worker)
    hotel = _hotel(worker)
    browser_login(phone, "gw")
    phone.goto("/inspections/m/")
    # The shop was just inspected (not due): it is listed under the other places, one tap away.
    assert phone.locator("#due ~ .place-card").first.get_attribute("id") == f"place-{hotel.pk}"
    assert phone.locator(f"#other-places #place-{shop.pk}").is_visible()
    phone.locator(".type-chips a", has_text="旅馆").click()
    phone.wait_for_url("**/inspections/m/?type=hotel")
    assert phone.locator(".place-card").count() == 1 and phone.locator(f"#place-{hotel.pk}").is_visible()
    phone.locator(".type-chips a", has_text="全部").click()
    phone.locator(f"#place-{shop.pk} .place-link").click()
    phone.wait_for_url(f"**/inspections/m/places/{shop.pk}/")
    phone.locator("button[data-scene=shop_short]").click()  # the default list, on the place page too
    phone.wait_for_url("**/inspections/i/**")
    assert phone.locator("[data-progress-text]").inner_text() == "0 / 20"


def test_without_javascript_mark_the_rest_keeps_the_page_answers_and_photo(new_page, published, place, worker):  # noqa: F811
    page = new_page(width=390, height=844, is_mobile=True, has_touch=True, java_script_enabled=False)
    browser_login(page, "gw")
    page.goto(f"/inspections/m/places/{place.pk}/")
    page.locator("button[data-scene=shop]").click()
    page.wait_for_url("**/inspections/i/**")
    inspection = Inspection.objects.get()
    xf = inspection.checklist_items().get(code="XF-001")
    page.locator(f"details[data-section]:has(#item-{xf.pk}) > summary").click()
    page.locator(f"#item-{xf.pk} .choice.fail").click()
    page.locator(f"#item-{xf.pk} .reasons .choice >> nth=1").click()  # shown by CSS alone
    page.locator(f"#item-{xf.pk} input[name=photo_{xf.pk}]").set_input_files({"name": "exit.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})
    page.locator("#mark-rest").click()
    page.wait_for_url("**#submit-inspection")
    assert "已将 6 项标记为合格。" in page.content() and page.locator("[data-progress-text]").inner_text() == "7 / 7"
    assert page.locator(f"#item-{xf.pk} input[value=fail]").is_checked() and page.locator(f"#item-{xf.pk} .photos img").count() == 1
    page.locator("#submit-inspection").click()
    page.locator("h1", has_text="已提交").wait_for()
    inspection.refresh_from_db()
    assert (inspection.pass_count, inspection.fail_count) == (6, 1) and Case.objects.count() == 1
