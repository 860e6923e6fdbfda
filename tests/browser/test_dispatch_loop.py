"""The four-tier loop in a real browser: a grid worker reports on a phone → the street
dispatcher dispatches → the department accepts and handles (on a phone) → the grid worker
verifies on site → the officer closes; the timeline shows every step."""

import io

import pytest
from PIL import Image

from cases.models import Case
from tests.dispatch.conftest import categories, departments, dept_users, rules  # noqa: F401 (fixtures)

from tests.browser_fixtures import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo(name="site.jpg", colour=(90, 140, 200)):
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_report_dispatch_accept_handle_verify_close(phone, desktop, new_page, users, dept_users, rules):  # noqa: F811
    # 1. The grid worker reports on a 390-px phone, with a photo and the phone's location.
    browser_login(phone, "gw")
    phone.goto("/cases/report/")
    phone.locator("label.cat-option", has_text="私搭乱建").click()
    phone.fill("#id_description", "丽豪社区南门人行道私搭铁皮棚架")
    phone.set_input_files("#id_photos", [photo("before.jpg")])
    phone.wait_for_selector("ul.uploads li:not(.busy)")
    phone.wait_for_function("document.getElementById('id_latitude').value !== ''")
    phone.click("#submit-report")
    phone.wait_for_load_state("networkidle")
    case = Case.objects.get()
    assert case.status == Case.Status.REGISTERED and case.department.code == "CGZF-440604011"

    # 2. The street dispatcher sees it in the queue, with live counters, and dispatches it
    #    with the rule's suggestion pre-selected.
    browser_login(desktop, "so")
    assert desktop.url.endswith("/dispatch/workbench/")
    desktop.wait_for_selector('[data-count="to_dispatch"]')
    assert desktop.inner_text('[data-count="to_dispatch"]') == "1"
    desktop.click(f'tr[data-case="{case.number}"] a:has-text("派遣")')
    selected = desktop.eval_on_selector("#id_department", "s => s.options[s.selectedIndex].text")
    assert selected == "石湾镇街道综合执法办"
    desktop.fill("#id_note", "请核实并依法处置")
    desktop.click("#dispatch-form button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    assert "已派遣至石湾镇街道综合执法办" in desktop.content()

    # 3. The department, on a phone, accepts and reports the result with a photo.
    dept = new_page(width=390, height=844, is_mobile=True, has_touch=True)
    browser_login(dept, "cgzf_s1")
    assert dept.url.endswith("/dispatch/department/")
    assert no_horizontal_overflow(dept)
    dept.click(f'li[data-case="{case.number}"] .dx-buttons a:has-text("签收")')
    assert no_horizontal_overflow(dept)
    dept.click("#action-form button[type=submit]")
    dept.wait_for_load_state("networkidle")
    assert "已签收" in dept.content()
    dept.click("a:has-text('反馈处置结果')")
    dept.fill("#id_note", "已责令拆除棚架，现场已恢复通行")
    dept.set_input_files("#id_photos", [photo("after.jpg", (60, 160, 80))])
    dept.click("#action-form button[type=submit]")
    dept.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == Case.Status.HANDLED

    # 4. The grid worker gets the verification request in the inbox and verifies on site.
    phone.goto("/inbox/")
    assert "请到现场核查" in phone.content()
    phone.goto(f"/cases/{case.number}/verify/")
    phone.check("input[name=outcome][value=verify]")
    phone.fill("#id_note", "现场已恢复")
    phone.set_input_files("#id_photos", [photo("check.jpg", (200, 200, 90))])
    phone.wait_for_selector("ul.uploads li:not(.busy)")
    phone.click("#verify-form button[type=submit]")
    phone.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFIED

    # 5. The officer closes it from the workbench.
    desktop.goto("/dispatch/workbench/?status=verified")
    desktop.click(f'tr[data-case="{case.number}"] a:has-text("结案")')
    desktop.click("#action-form button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED

    # The timeline shows every step, in order, on the case page.
    desktop.goto(f"/cases/{case.number}/")
    timeline = desktop.inner_text(".timeline")
    steps = ["已上报", "立案", "派遣", "签收", "反馈处置结果", "核查通过", "结案"]
    positions = [timeline.find(step) for step in steps]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), timeline
    assert "请核实并依法处置" in timeline and "已责令拆除棚架" in timeline
    desktop.goto(f"/dispatch/case/{case.number}/")
    assert [li.get_attribute("data-action") for li in desktop.query_selector_all("#timeline li")] == [
        "report", "register", "dispatch", "accept", "handle", "verify", "close",
    ]


def test_returned_case_reaches_the_dispatcher_in_the_browser(desktop, new_page, users, dept_users, rules):  # noqa: F811
    import uuid

    from cases.models import CaseCategory
    from cases.services import case_report
    from dispatch import services

    case, _ = case_report(reporter=users["grid_worker"], client_uuid=uuid.uuid4(), category=CaseCategory.objects.get(code="0901"),
                          description="流动摊贩无证售卖凉茶", latitude=22.95, longitude=113.11)
    services.case_dispatch(case=case, department=case.department, by=users["street_officer"])
    dept = new_page()
    browser_login(dept, "sjj_s1")
    dept.click(f'li[data-case="{case.number}"] .dx-buttons a:has-text("退单")')
    dept.click("#action-form button[type=submit]")  # no reason: the browser refuses to send it
    assert dept.locator("#id_note:invalid").count() == 1 and dept.url.endswith("/return/")
    dept.fill("#id_note", "占道经营属综合执法范围")
    dept.click("#action-form button[type=submit]")
    dept.wait_for_load_state("networkidle")
    browser_login(desktop, "so")
    desktop.wait_for_selector('[data-count="to_dispatch"]')
    row = desktop.locator(f'tr[data-case="{case.number}"]')
    assert "已退单" in row.inner_text()
    assert desktop.locator(".nav span .badge").inner_text() == "1"  # the unread "returned" message
