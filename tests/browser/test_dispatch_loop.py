"""The four-tier loop in a real browser: a grid worker reports on a phone → the street
dispatcher dispatches → the department accepts and handles (on a phone) → the grid worker
verifies on site → the officer closes; the timeline shows every step."""

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from cases.models import Case
from tests.dispatch.conftest import categories, departments, dept_users, report, rules  # noqa: F401 (fixtures)

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
    dept.wait_for_load_state("networkidle")  # the picker's script listening before a photo is chosen
    dept.fill("#id_note", "已责令拆除棚架，现场已恢复通行")
    dept.set_input_files("#id_photos", [photo("after.jpg", (60, 160, 80))])
    dept.wait_for_selector("ul.uploads li.upload img")  # the preview, before sending the form
    dept.click("#action-form button[type=submit]")
    dept.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == Case.Status.HANDLED

    # 4. The grid worker gets the verification request in the inbox and verifies on site.
    phone.goto("/inbox/")
    assert "请到现场核查" in phone.content()
    phone.goto(f"/cases/{case.number}/verify/")
    # Before and after, labelled, side by side, each thumbnail loaded through the checked view.
    assert phone.inner_text('[data-photos="before"] figcaption') == "整改前 · 上报照片"
    assert phone.inner_text('[data-photos="after"] figcaption') == "整改后 · 处置照片"
    for group in ("before", "after"):
        # (waited for: the thumbnail may still be loading when the page's load event has fired)
        phone.locator(f'[data-photos="{group}"] img').first.scroll_into_view_if_needed()
        phone.wait_for_function(
            "sel => { const i = document.querySelector(sel); return i && i.complete && i.naturalWidth > 0; }",
            arg=f'[data-photos="{group}"] img', timeout=15_000,
        )
    boxes = [phone.locator(f'[data-photos="{g}"]').bounding_box() for g in ("before", "after")]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[0]["x"] < boxes[1]["x"]  # side by side on the phone
    assert no_horizontal_overflow(phone)
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
    assert dept.locator("#id_note:invalid").count() == 1 and urlsplit(dept.url).path.endswith("/return/")
    dept.fill("#id_note", "占道经营属综合执法范围")
    dept.click("#action-form button[type=submit]")
    dept.wait_for_load_state("networkidle")
    browser_login(desktop, "so")
    desktop.wait_for_selector('[data-count="to_dispatch"]')
    row = desktop.locator(f'tr[data-case="{case.number}"]')
    assert "已退单" in row.inner_text()
    assert desktop.locator(".nav span .badge").inner_text() == "1"  # the unread "returned" message


# --- issue 17: officers, departments, verification, contrast ------------------------------------

# Every click the browser itself receives (trusted events), kept in the tab across page loads: the
# tap count a test asserts is what the page saw, not what the test thinks it did.
COUNT_TAPS = """
document.addEventListener("click", function (e) {
  if (e.isTrusted) { sessionStorage.setItem("taps", String((parseInt(sessionStorage.getItem("taps") || "0", 10)) + 1)); }
}, true);
"""


def taps(page):
    return int(page.evaluate("sessionStorage.getItem('taps') || '0'"))


def luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg):
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rgb(css):
    import re

    r, g, b, *alpha = (float(x) for x in re.findall(r"[\d.]+", css))
    assert not alpha or alpha[0] == 1, f"translucent colour {css}: compute against what is under it"
    return (r, g, b)


def text_contrasts(page, selector):
    """(text, foreground, background) for every element with its own text inside `selector`,
    from the browser's computed styles; the background is the nearest opaque one."""
    return page.eval_on_selector(selector, """root => {
      const out = [];
      const bg = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
        if (c && c !== "transparent" && !/rgba\\(.*,\\s*0\\)$/.test(c)) { return c; } } return "rgb(255, 255, 255)"; };
      for (const el of [root, ...root.querySelectorAll("*")]) {
        const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join("");
        if (own) { out.push([own, getComputedStyle(el).color, bg(el)]); }
      }
      return out;
    }""")


def test_officer_dispatches_a_new_village_tier_case_in_three_taps_and_keeps_filters(new_page, users, dept_users, report):  # noqa: F811
    # A busy street: cases at the street tier with earlier deadlines, and a new village-tier case.
    older = [report("0101", description=f"人行道私搭棚架 {i}") for i in range(3)]
    case = report("0102", description="小区门口暴露垃圾", address="丽豪路18号旁空地")
    assert case.tier == 3 and case.status == Case.Status.REGISTERED and older[0].tier == 2

    officer = new_page(width=1440, height=900)
    officer.context.add_init_script(COUNT_TAPS)
    browser_login(officer, "so")
    assert urlsplit(officer.url).path == "/dispatch/workbench/"  # where the street officer lands
    landing = taps(officer)  # the login button
    # On landing, with no filter: the village-tier case is in the list, with its 派遣 button.
    row = officer.locator(f'tr[data-case="{case.number}"]')
    assert row.count() == 1 and "村居" in row.inner_text()
    row.locator("a", has_text="派遣").click()  # tap 1
    officer.wait_for_url(f"**/dispatch/case/{case.number}/dispatch/**")
    # The routed department is pre-selected: nothing to choose.
    assert officer.eval_on_selector("#id_department", "s => s.options[s.selectedIndex].text") == "石湾镇街道综合执法办"
    officer.click("#dispatch-form button[type=submit]")  # tap 2
    officer.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == Case.Status.DISPATCHED and case.department.code == "CGZF-440604011"
    dispatch_taps = taps(officer) - landing
    print(f"\nofficer dispatches a new village-tier case from landing: {dispatch_taps} taps (goal ≤ 3)")
    assert dispatch_taps <= 3
    assert urlsplit(officer.url).path == "/dispatch/workbench/" and "已派遣至石湾镇街道综合执法办" in officer.content()

    # Filters survive an action: choose the village tier and "to dispatch", dispatch from the list,
    # and come back to the same filtered list.
    other = report("0102", description="绿化带内暴露垃圾")
    officer.select_option("#id_tier", "3")
    officer.select_option("#id_status", "to_dispatch")
    officer.click("#filters button[type=submit]")
    officer.wait_for_load_state("networkidle")
    filtered = parse_qs(urlsplit(officer.url).query)
    assert filtered["tier"] == ["3"] and filtered["status"] == ["to_dispatch"]
    assert officer.locator("tr[data-case]").count() == 1  # only `other`: the street-tier ones are filtered out
    officer.locator(f'tr[data-case="{other.number}"] a', has_text="派遣").click()
    officer.click("#dispatch-form button[type=submit]")
    officer.wait_for_load_state("networkidle")
    back = parse_qs(urlsplit(officer.url).query)
    assert back["tier"] == ["3"] and back["status"] == ["to_dispatch"]
    assert officer.eval_on_selector("#id_tier", "s => s.value") == "3"
    assert officer.eval_on_selector("#id_status", "s => s.value") == "to_dispatch"
    assert officer.locator("tr[data-case]").count() == 0 and "没有符合条件的事件" in officer.inner_text(".dx-queue")


def test_department_sees_photo_place_and_previews_the_handling_photo(new_page, users, dept_users, report, departments):  # noqa: F811
    from cases.services import Upload, evidence_check
    from dispatch import services

    checked = evidence_check(uploads=[Upload(file=io.BytesIO(photo("before.jpg", (200, 80, 40))["buffer"]))])
    case = report("0101", description="人行道私搭铁皮棚架", address="丽豪路18号旁空地", checked=checked)
    services.case_dispatch(case=case, department=departments["CGZF-440604011"], by=users["street_officer"])

    dept = new_page(width=390, height=844, is_mobile=True, has_touch=True, device_scale_factor=2)
    browser_login(dept, "cgzf_s1")
    assert urlsplit(dept.url).path == "/dispatch/department/"
    # The highlighted 待签收 card: every text in it meets WCAG AA (≥ 4.5:1) against its background.
    highlighted = '.dx-counters .tile.primary[data-tab="to_accept"]'
    texts = text_contrasts(dept, highlighted)
    assert {t for t, _fg, _bg in texts} >= {"待签收", "1"}
    for text, fg, bg in texts:
        ratio = contrast(rgb(fg), rgb(bg))
        assert ratio >= 4.5, f"{text!r}: {fg} on {bg} is {ratio:.2f}:1"

    # The case page: the address, the map with the case's point, the reported photo.
    dept.locator(f'li[data-case="{case.number}"] > a').click()
    dept.wait_for_url(f"**/dispatch/case/{case.number}/**")
    assert "丽豪路18号旁空地" in dept.inner_text("#case-place")
    dept.wait_for_selector("#case-map.leaflet-container path.leaflet-interactive")  # the marker on the shared map
    assert dept.locator("#case-map .leaflet-control-zoom").count() == 1
    assert dept.inner_text('[data-photos="before"] figcaption') == "整改前 · 上报照片"
    dept.wait_for_function("""() => { const i = document.querySelector('[data-photos="before"] img');
      return i && i.complete && i.naturalWidth > 0; }""")
    assert no_horizontal_overflow(dept)

    # Accept, then the handling form: the photo is previewed before the form is sent.
    dept.locator(".dx-buttons a", has_text="签收").click()
    dept.click("#action-form button[type=submit]")
    dept.wait_for_load_state("networkidle")
    dept.locator(".dx-buttons a", has_text="反馈处置结果").click()
    # The page's scripts must be running before a photo is chosen: the picker uploads on "change"
    # (a file chosen before cases-upload.js is listening is only posted with the form).
    dept.wait_for_load_state("networkidle")
    dept.set_input_files("#id_photos", [photo("after.jpg", (60, 160, 80))])
    # The server's thumbnail (li[data-id]) replaces the local preview once the photo is stored.
    dept.wait_for_function("""() => { const i = document.querySelector('ul.uploads li.upload[data-id] img');
      return i && i.complete && i.naturalWidth > 0; }""", timeout=20_000)
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED  # only previewed: nothing sent as the result yet
    # Sent without a note: the browser asks for it, and the previewed photo is still there.
    dept.click("#action-form button[type=submit]")
    assert dept.locator("#id_note:invalid").count() == 1 and dept.locator("ul.uploads li.upload img").count() == 1
    dept.fill("#id_note", "已责令拆除棚架")
    dept.click("#action-form button[type=submit]")
    dept.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == Case.Status.HANDLED
    assert urlsplit(dept.url).path == "/dispatch/department/"
    dept.goto(f"/dispatch/case/{case.number}/")
    assert dept.inner_text('[data-photos="after"] figcaption') == "整改后 · 处置照片"
    assert dept.locator('[data-photos="after"] img').count() == 1
