"""A grid worker reports a case on a 390-px phone, in a real browser."""

import io
import re

import pytest
from PIL import Image

from cases.models import Case, CaseCategory

from tests.browser_fixtures import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def categories(db):
    street = CaseCategory.objects.create(code="05", name="街面秩序")
    CaseCategory.objects.create(code="0504", name="店外经营(占道经营)", parent=street, phrases=["水果摊占用人行道"])
    CaseCategory.objects.create(code="0507", name="乱堆物料", parent=street, on_discovery=True, phrases=["门前堆放杂物", "堆放时间较长"])
    litter = CaseCategory.objects.create(code="01", name="市容环境")
    CaseCategory.objects.create(code="0102", name="暴露垃圾", parent=litter, on_discovery=True)


def jpeg(colour):
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buf, format="JPEG")
    return {"name": "site.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def fill_report(page, search, option, phrase):
    page.goto("/cases/report/?new=1")
    page.fill("#cat-search", search)
    assert page.locator(".cat-option:visible").count() == 1
    page.locator(".cat-option:visible", has_text=option).click()
    page.locator(".phrases .chip", has_text=phrase).click()
    assert phrase in page.input_value("#id_description")
    page.fill("#id_description", page.input_value("#id_description") + "，约两米宽")
    page.set_input_files("#id_photos", [jpeg((180, 60, 40))])
    page.wait_for_selector(".uploader[data-slot=report] .uploads li.upload img")
    # Location from the browser (the context grants geolocation at 22.95, 113.11).
    page.wait_for_function("document.getElementById('id_latitude').value !== ''")
    page.fill("#id_address", "丽豪路22号")


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
    phone.set_input_files("#id_photos", [{"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"not an image" * 10}])
    phone.wait_for_selector(".uploader[data-slot=report] .upload-errors li")
    assert "fake.jpg: 该文件不是图片" in phone.locator(".uploader[data-slot=report] .upload-errors").inner_text()
    # Submitting without a category keeps what was typed and says what is missing.
    phone.click("#submit-report")
    phone.wait_for_load_state("networkidle")
    assert "请选择事件分类。" in phone.content()
    assert phone.input_value("#id_description") == "路边垃圾"
    assert Case.objects.count() == 0
