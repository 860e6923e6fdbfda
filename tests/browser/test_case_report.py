"""A grid worker reports a case on a 390-px phone, in a real browser.

Taps are counted from the phone home screen (/m/): a click or a tap is one, a file chosen is one
(the camera's shutter), typing is a field, not a tap. The issue's goal: a report with a photo and
the location in at most 6 taps; 发现即办 (fixed on the spot, with the after photo) too.
"""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from cases.models import Case, CaseCategory

from tests.browser_fixtures import FOSHAN, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAP_BUDGET = 6


@pytest.fixture
def categories(db):
    street = CaseCategory.objects.create(code="05", name="街面秩序")
    CaseCategory.objects.create(code="0504", name="店外经营(占道经营)", parent=street, phrases=["水果摊占用人行道"])
    CaseCategory.objects.create(code="0507", name="乱堆物料", parent=street, on_discovery=True, phrases=["门前堆放杂物", "堆放时间较长"])
    litter = CaseCategory.objects.create(code="01", name="市容环境")
    CaseCategory.objects.create(code="0102", name="暴露垃圾", parent=litter, on_discovery=True)
    CaseCategory.objects.create(code="0103", name="积存垃圾渣土", parent=litter, phrases=["空地积存大量垃圾渣土", "积存垃圾面积较大，需机械清运"])
    works = CaseCategory.objects.create(code="03", name="施工管理")
    CaseCategory.objects.create(code="0302", name="施工扬尘", parent=works, phrases=["工地裸土未覆盖", "围挡外可见明显扬尘"])


@pytest.fixture
def shop(users):
    """A known place 12 m from where the phone is (the inspection round's 鲜果屋)."""
    from grids import geo
    from inspections.services import place_create

    d_lng = geo.degrees_box(FOSHAN["latitude"], 12)[1]
    return place_create(by=users["grid_worker"], name="鲜果屋", place_type="shop", address="丽豪路22号",
                        latitude=FOSHAN["latitude"], longitude=FOSHAN["longitude"] + d_lng)


class Taps:
    """Counts what the worker does on the page: taps (click, a file chosen) and fields (typing)."""

    def __init__(self, page):
        self.page, self.taps, self.fields = page, 0, 0

    def tap(self, locator):
        locator.click()
        self.taps += 1

    def choose(self, selector, files):
        self.page.set_input_files(selector, files)
        self.taps += 1

    def type(self, selector, text):
        self.page.fill(selector, text)
        self.fields += 1


def jpeg(colour, name="site.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buf, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def photo_sent(page, slot="report", n=1):
    page.wait_for_function(
        "([slot, n]) => document.querySelectorAll(`.uploader[data-slot=${slot}] .uploads li.upload:not(.busy) img`).length >= n",
        arg=[slot, n],
    )


def location_and_address(page):
    page.wait_for_function("() => document.getElementById('id_latitude').value !== ''")
    page.wait_for_function("() => document.getElementById('id_address').value !== ''")


def fill_report(page, search, option, phrase):
    page.goto("/cases/report/?new=1")
    page.fill("#cat-search", search)
    assert page.locator(".cat-option:visible").count() == 1
    page.locator(".cat-option:visible", has_text=option).click()
    page.locator(".phrases .chip", has_text=phrase).click()
    assert phrase in page.input_value("#id_description")
    page.fill("#id_description", page.input_value("#id_description") + "，约两米宽")
    page.set_input_files("#id_photos", [jpeg((180, 60, 40))])
    photo_sent(page)
    # Location from the browser (the context grants geolocation at 22.95, 113.11).
    page.wait_for_function("() => document.getElementById('id_latitude').value !== ''")
    page.fill("#id_address", "丽豪路22号")


def test_report_with_photo_and_location_in_at_most_six_taps_from_home(phone, users, categories, shop):
    browser_login(phone, "gw")
    phone.goto("/")
    assert phone.url.endswith("/m/")
    t = Taps(phone)
    t.tap(phone.locator("a.tile", has_text="事件上报"))
    phone.wait_for_url("**/cases/report/**")
    t.type("#cat-search", "垃圾渣土")
    t.tap(phone.locator(".cat-option:visible", has_text="积存垃圾渣土"))
    # The list folds away; the phrases are the chosen category's own, and say so.
    assert not phone.locator(".cat-list").is_visible()
    assert phone.locator(".chosen").inner_text() == "✓ 积存垃圾渣土"
    assert "积存垃圾渣土" in phone.locator(".phrase-caption").inner_text()
    assert phone.locator(".phrases .chip").all_inner_texts() == ["空地积存大量垃圾渣土", "积存垃圾面积较大，需机械清运"]
    t.tap(phone.locator(".phrases .chip", has_text="空地积存大量垃圾渣土"))
    t.choose("#id_photos", [jpeg((120, 90, 60), "heap.jpg")])  # the 拍照 button's camera input
    photo_sent(phone)
    # Location and address come by themselves: the phone's position, the nearest known place.
    location_and_address(phone)
    assert phone.input_value("#id_address") == "丽豪路22号（鲜果屋附近）"
    assert "12 米" in phone.locator("#address-hint").inner_text()
    t.tap(phone.locator("#submit-report"))
    phone.wait_for_url(re.compile(r".*/cases/440604-\d{8}-\d{5}/$"))
    assert t.taps <= TAP_BUDGET, f"{t.taps} taps"
    print(f"\nreport from /m/: {t.taps} taps, {t.fields} field(s)")
    case = Case.objects.get()
    assert case.category.code == "0103" and case.description == "空地积存大量垃圾渣土"
    assert case.address == "丽豪路22号（鲜果屋附近）" and case.attachments.count() == 1
    assert (round(case.latitude, 6), round(case.longitude, 6)) == (22.95, 113.11)
    assert case.status == Case.Status.REGISTERED

    # The next report: the recent-category chip instead of the search (no field at all).
    phone.goto("/m/")
    t = Taps(phone)
    t.tap(phone.locator("a.tile", has_text="事件上报"))
    phone.wait_for_url("**/cases/report/**")
    t.tap(phone.locator(".recent .chip", has_text="积存垃圾渣土"))
    t.tap(phone.locator(".phrases .chip", has_text="需机械清运"))
    t.choose("#id_photos", [jpeg((60, 90, 120), "heap2.jpg")])
    photo_sent(phone)
    location_and_address(phone)
    t.tap(phone.locator("#submit-report"))
    phone.wait_for_url(re.compile(r".*/cases/440604-\d{8}-\d{5}/$"))
    assert t.taps <= TAP_BUDGET and t.fields == 0, (t.taps, t.fields)
    print(f"report again with the recent chip: {t.taps} taps, {t.fields} fields")
    assert Case.objects.count() == 2


def test_fixed_on_the_spot_in_at_most_six_taps_the_after_photo_ticks_it(phone, users, categories):
    browser_login(phone, "gw")
    phone.goto("/m/")
    t = Taps(phone)
    t.tap(phone.locator("a.tile", has_text="事件上报"))
    phone.wait_for_url("**/cases/report/**")
    t.type("#cat-search", "乱堆")
    option = phone.locator(".cat-option:visible", has_text="乱堆物料")
    assert "发现即办" in option.inner_text()
    t.tap(option)
    card = phone.locator("#on-spot-card")
    assert card.is_visible() and "发现即办" in card.inner_text()
    t.tap(phone.locator(".phrases .chip", has_text="门前堆放杂物"))
    t.choose("#id_photos", [jpeg((150, 60, 40), "before.jpg")])
    photo_sent(phone)
    assert not phone.is_checked("#id_fixed_on_spot")
    t.choose("#id_after_photos", [jpeg((60, 160, 80), "after.jpg")])
    photo_sent(phone, "after")
    # The after photo is the proof: it ticks 发现即办 and the button says what will happen.
    assert phone.is_checked("#id_fixed_on_spot")
    assert "提交后事件即时办结" in card.locator(".on-spot-status").inner_text()
    assert phone.locator("#submit-report").inner_text() == "提交并办结"
    phone.wait_for_function("() => document.getElementById('id_latitude').value !== ''")
    t.tap(phone.locator("#submit-report"))
    phone.wait_for_url(re.compile(r".*/cases/440604-\d{8}-\d{5}/$"))
    assert t.taps <= TAP_BUDGET, f"{t.taps} taps"
    print(f"\n发现即办 from /m/: {t.taps} taps, {t.fields} field(s)")
    case = Case.objects.get()
    assert case.status == Case.Status.SELF_HANDLED and case.category.code == "0507"
    assert sorted(case.attachments.values_list("stage", flat=True)) == ["after", "report"]
    assert "已上报，并按发现即办办结" in phone.content()


def test_a_category_that_is_not_on_discovery_hides_the_card(phone, users, categories):
    browser_login(phone, "gw")
    phone.goto("/cases/report/?new=1")
    phone.fill("#cat-search", "占道")
    phone.locator(".cat-option:visible", has_text="店外经营").click()
    assert not phone.locator("#on-spot-card").is_visible()
    assert phone.locator("#submit-report").inner_text() == "提交上报"


def test_phrases_follow_the_category_and_a_change_takes_the_old_ones_out(phone, users, categories):
    browser_login(phone, "gw")
    phone.goto("/cases/report/?new=1")
    phone.fill("#cat-search", "扬尘")
    phone.locator(".cat-option:visible", has_text="施工扬尘").click()
    phone.locator(".phrases .chip", has_text="工地裸土未覆盖").click()
    assert phone.input_value("#id_description") == "工地裸土未覆盖"
    # A second tap takes the phrase out again.
    phone.locator(".phrases .chip", has_text="工地裸土未覆盖").click()
    assert phone.input_value("#id_description") == ""
    phone.locator(".phrases .chip", has_text="围挡外可见明显扬尘").click()
    # Wrong category: 修改, choose 积存垃圾渣土 — its own phrases only, the dust phrase is gone.
    phone.click("#cat-change")
    assert phone.locator(".cat-list").is_visible()
    phone.fill("#cat-search", "垃圾渣土")
    phone.locator(".cat-option:visible", has_text="积存垃圾渣土").click()
    assert phone.locator(".phrases .chip").all_inner_texts() == ["空地积存大量垃圾渣土", "积存垃圾面积较大，需机械清运"]
    assert phone.input_value("#id_description") == ""
    # What the worker typed is never taken out.
    phone.locator(".phrases .chip", has_text="空地积存大量垃圾渣土").click()
    phone.fill("#id_description", phone.input_value("#id_description") + "，在巷口")
    phone.click("#cat-change")
    phone.fill("#cat-search", "扬尘")
    phone.locator(".cat-option:visible", has_text="施工扬尘").click()
    assert phone.input_value("#id_description") == "空地积存大量垃圾渣土，在巷口"


def test_a_typed_address_is_never_overwritten(phone, users, categories, shop):
    browser_login(phone, "gw")
    phone.goto("/cases/report/?new=1")
    location_and_address(phone)
    assert phone.input_value("#id_address") == "丽豪路22号（鲜果屋附近）"
    # The nearby place is offered as the place name: one tap.
    phone.locator("#place-chip", has_text="鲜果屋").click()
    assert phone.input_value("#id_place_name") == "鲜果屋"
    # A point picked on the map (~150 m away) replaces an address that was filled in…
    # (a click relative to the map element: Playwright scrolls it into view first, where a click
    # at page coordinates read before could land elsewhere once the page had moved)
    the_map = phone.locator("#report-map")
    box = the_map.bounding_box()
    the_map.click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.3})
    expect(phone.locator("#id_address")).to_have_value("丽豪社区第1网格附近", timeout=15_000)
    assert phone.locator("#address-hint").inner_text() == "地址已按所在网格填写，可修改。"
    # …but never one that was typed.
    phone.fill("#id_address", "丽豪路24号后巷")
    the_map.click(position={"x": box["width"] * 0.7, "y": box["height"] * 0.7})  # off the marker in the middle
    phone.wait_for_timeout(800)  # the address look-up answers meanwhile
    assert phone.input_value("#id_address") == "丽豪路24号后巷"
    assert phone.locator("#address-hint").inner_text() == ""


def test_the_photo_picker_is_made_for_a_phone(phone, users, categories):
    browser_login(phone, "gw")
    phone.goto("/cases/report/?new=1")
    picker = phone.locator(".uploader[data-slot=report]")
    camera = picker.locator("label[for=id_photos]")
    album = picker.locator("label[for=id_photos_album]")
    assert camera.inner_text().strip() == "拍照" and album.inner_text().strip() == "相册"
    assert phone.get_attribute("#id_photos", "capture") == "environment"
    assert phone.get_attribute("#id_photos", "accept") == "image/*"
    assert phone.get_attribute("#id_photos_album", "capture") is None
    assert camera.bounding_box()["height"] >= 48 and camera.bounding_box()["width"] >= 300
    # From the album: several photos at once, each a thumbnail with a 44 × 44 删除.
    phone.set_input_files("#id_photos_album", [jpeg((200, 40, 40), "a.jpg"), jpeg((40, 200, 40), "b.jpg")])
    photo_sent(phone, n=2)
    remove = picker.locator(".uploads li.upload button.remove")
    assert remove.count() == 2
    for i in range(2):
        box = remove.nth(i).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    assert remove.first.get_attribute("aria-label") in ("删除 a.jpg", "删除 b.jpg")
    remove.first.click()
    expect(picker.locator(".uploads li.upload")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows the phone


def test_grid_worker_reports_a_case_on_a_phone(phone, users, categories):
    browser_login(phone, "gw")
    fill_report(phone, "乱堆", "乱堆物料", "门前堆放杂物")
    assert phone.input_value("#id_latitude") == "22.950000" and phone.input_value("#id_longitude") == "113.110000"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows the phone
    phone.click("#submit-report")
    phone.wait_for_load_state("networkidle")
    case = Case.objects.get()
    assert re.search(r"/cases/440604-\d{8}-\d{5}/$", phone.url)
    assert case.number in phone.locator("h1").inner_text()
    assert f"事件 {case.number} 已上报。" in phone.content()
    assert case.description.startswith("门前堆放杂物，约两米宽") and case.address == "丽豪路22号"
    assert case.attachments.count() == 1 and case.status == Case.Status.REGISTERED
    # The case page shows the photo through the checked view.
    assert phone.locator(".gallery img").count() >= 1
    # The recent choice is offered next time.
    phone.goto("/cases/report/?new=1")
    assert phone.locator(".recent .chip", has_text="乱堆物料").count() == 1


def test_double_tap_on_submit_creates_one_case(phone, users, categories):
    browser_login(phone, "gw")
    fill_report(phone, "占道", "店外经营", "水果摊占用人行道")
    phone.dblclick("#submit-report")
    phone.wait_for_load_state("networkidle")
    assert Case.objects.count() == 1
    assert Case.objects.get().number in phone.content()


def test_bad_photo_gets_a_message_next_to_the_picker_and_nothing_is_lost(phone, users, categories):
    browser_login(phone, "gw")
    phone.goto("/cases/report/?new=1")
    phone.fill("#id_description", "路边垃圾")
    phone.set_input_files("#id_photos", [jpeg((90, 90, 90), "good.jpg")])
    photo_sent(phone)
    phone.set_input_files("#id_photos", [{"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"not an image" * 10}])
    errors = phone.locator(".uploader[data-slot=report] .upload-errors")
    errors.locator("li").wait_for()
    assert "fake.jpg: 该文件不是图片" in errors.inner_text()
    # Right under the picker's buttons, and the good photo is still there.
    buttons = phone.locator(".uploader[data-slot=report] .photo-buttons").bounding_box()
    assert 0 <= errors.bounding_box()["y"] - (buttons["y"] + buttons["height"]) < 40
    assert phone.locator(".uploader[data-slot=report] .uploads li.upload img").count() == 1
    # Submitting without a category keeps what was typed and the photo, and says what is missing.
    phone.click("#submit-report")
    phone.wait_for_load_state("networkidle")
    assert "请选择事件分类。" in phone.content()
    assert phone.input_value("#id_description") == "路边垃圾"
    assert phone.locator(".uploader[data-slot=report] .uploads li.upload", has_text="good.jpg").count() == 1
    assert Case.objects.count() == 0
