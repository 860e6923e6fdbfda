"""Journey (f): a village clerk fills a table that is due (一键填表 at /village/): from the desk,
Fill on the due table, paste the ID numbers, Fill, download the filled table."""

import datetime

import openpyxl
import pytest

from core.identifiers import id_number_check_digit
from forms_fill.models import Person, TableEntry, TableTemplate
from tests.browser_fixtures import browser_login
from tests.journeys.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_village_clerk_fills_a_due_table(journey, new_page, users, tree, tmp_path):
    grid = tree["440604011001001"]
    people = []
    for n in range(30):
        first17 = f"440604{datetime.date(1975, 3, 1) + datetime.timedelta(days=n * 211):%Y%m%d}{n + 100:03d}"
        people.append(Person(id_number=first17 + id_number_check_digit(first17), name=f"居民{n:02d}", region=grid,
                             region_path=grid.path, phone=f"139{n:08d}", attributes={"employer": f"丽豪五金厂{n}"}))
    Person.objects.bulk_create(people)
    template = TableTemplate.objects.create(name="就业情况统计表", entity="person", kind="composed", title="就业情况统计表",
                                            columns=["name", "id_number", "phone", "employer"])
    TableEntry.objects.create(code="RS-2027-01", name="就业情况统计表", department="区人社局", frequency="monthly",
                              template=template, next_due=datetime.date.today() + datetime.timedelta(days=3))

    j = journey("village-fill", "village clerk fills a due table (一键填表, 1440×900)")
    raw = new_page(**DESKTOP)
    browser_login(raw, "vs")
    page = j.watch(raw)
    page.goto("/")
    assert page.url.endswith("/village/")
    j.step(page, "village desk")

    with j.goal("fill a due table from the desk"):
        page.locator("li", has_text="就业情况统计表").locator("a.btn", has_text="填报").click()
        page.wait_for_url("**/forms/fill/**")
        assert page.eval_on_selector("#id_template", "s => s.options[s.selectedIndex].text").startswith("就业情况统计表")
        page.fill("#id_keys", "\n".join(p.id_number for p in people))
        j.step(page, "numbers pasted")
        page.click("#fill-form button[type=submit]")
        link = page.locator(".job-progress a.btn", has_text="下载")
        link.wait_for(timeout=60_000)  # the progress fragment polls until the job is done
        j.step(page, "table filled")
        with page.expect_download() as download:
            link.click()
    path = tmp_path / "filled.xlsx"
    download.value.save_as(path)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert [ws.cell(2, i).value for i in range(1, 6)] == ["序号", "姓名", "公民身份号码", "联系电话", "工作单位"]
    assert [[ws.cell(3 + n, i).value for i in range(2, 6)] for n in range(30)] == [
        [p.name, p.id_number, p.phone, p.attributes["employer"]] for p in people]
    j.finish()
