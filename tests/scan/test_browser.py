"""扫一扫 on a 390-px phone in a real browser: home tile → camera input → progress → confirmation → saved."""

import pytest

from scan import synthetic
from tests.browser_fixtures import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_scans_an_id_card_on_the_phone_and_saves_the_person(phone, users, tree, id_values):
    from forms_fill.models import Person

    values = id_values[0]
    page = phone
    browser_login(page, "gw")
    page.goto("/m/")
    page.locator("a[href='/scan/']").first.click()
    camera = page.locator("input[type=file][name=photos]")
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*"
    jpeg = synthetic.jpeg_bytes(synthetic.render_id_card(values, seed=0))
    camera.set_input_files([{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg}])
    page.locator("button[type=submit]", has_text="上传并识别").click()
    # eager Celery: the job ran on commit; the batch page of one finished scan opens its confirmation
    page.wait_for_url("**/scan/s/*/")
    assert page.input_value("#id_f_id_number") == values.number
    # no horizontal scrolling at 390 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#id_f_name", values.name)
    page.fill("#id_f_nation", values.nation)
    page.fill("#id_f_address", values.address)
    page.select_option("#id_region", label=tree["440604011001001"].name)
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url("**/scan/")
    assert "人员档案已保存" in page.content()
    person = Person.objects.get()
    assert (person.id_number, person.name) == (values.number, values.name)
