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
