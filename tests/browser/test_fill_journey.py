"""A village clerk pastes 100 ID numbers, waits for the job, downloads the filled table (一表填)."""

import datetime

import openpyxl
import pytest

from core.identifiers import id_number_check_digit
from forms_fill.models import Person, TableTemplate

from tests.browser_fixtures import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_village_user_pastes_100_numbers_and_downloads_the_filled_table(desktop, users, tree, tmp_path):
    grid = tree["440604011001001"]
    people = []
    for n in range(100):
        first17 = f"440604{datetime.date(1980, 1, 1) + datetime.timedelta(days=n * 97):%Y%m%d}{n:03d}"
        people.append(Person(id_number=first17 + id_number_check_digit(first17), name=f"测试{n:03d}", region=grid,
                             region_path=grid.path, phone=f"137{n:08d}", attributes={"employer": f"测试公司{n}"}))
    Person.objects.bulk_create(people)
    template = TableTemplate.objects.create(name="就业测试表", entity="person", kind="composed", title="就业测试表",
                                            columns=["name", "id_number", "phone", "employer"])
    browser_login(desktop, "vs")
    assert desktop.url.endswith("/village/")
    desktop.click("a.tile.primary")  # 一键填表
    desktop.select_option("#id_template", str(template.pk))
    desktop.fill("#id_keys", "\n".join(p.id_number for p in people))
    desktop.click("#fill-form button[type=submit]")
    link = desktop.locator(".job-progress a.btn", has_text="下载")
    link.wait_for(timeout=60_000)  # the progress fragment polls until the job is done
    with desktop.expect_download() as info:
        link.click()
    path = tmp_path / "filled.xlsx"
    info.value.save_as(path)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert [ws.cell(2, i).value for i in range(1, 6)] == ["序号", "姓名", "公民身份号码", "联系电话", "工作单位"]
    for n, person in enumerate(people):
        assert [ws.cell(3 + n, i).value for i in range(1, 6)] == [
            n + 1, person.name, person.id_number, person.phone, f"测试公司{n}"]
    outcome = openpyxl.load_workbook(path)["填报结果"]
    assert {outcome.cell(r, 4).value for r in range(2, 102)} == {"已填写"}
    # The pages never showed a full number.
    assert people[0].id_number not in desktop.content()
