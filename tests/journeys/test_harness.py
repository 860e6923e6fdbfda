"""The journey harness and the accessibility checks catch what they promise to catch.

These drive chromium on pages written by the test (``set_content``), so each rule is seen to fail
on a page that breaks it and to pass on one that keeps it.
"""

import pytest

from tests.journeys import a11y
from tests.journeys.harness import Journey, JourneyError

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = """<!doctype html><html lang="zh-Hans"><head><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0;font-size:16px} a,button,input,select,textarea,summary{min-height:44px;min-width:44px;display:inline-block}
label{display:block;min-height:44px}</style></head><body>
<p><label for="a">姓名</label><input id="a" type="text"></p>
<p><label>地址 <input type="text"></label></p>
<p><input type="search" aria-label="搜索"></p>
<p><span id="t">备注</span><textarea aria-labelledby="t"></textarea></p>
<p><label><input type="checkbox" name="ok"> 现场已整改</label></p>
<p>上报后请在三十分钟内 <a href="#">查看处理进度</a> 并补充照片。</p>
<input type="hidden" name="csrf"><input type="text" hidden><button type="button" disabled style="min-height:10px">x</button>
</body></html>"""


def _journey(live_server, tmp_path):
    return Journey("selftest", "harness self-test", live_server.url, record=False, out=tmp_path)


def _phone(new_page):
    return new_page(width=390, height=844, is_mobile=True, has_touch=True)


def test_a_page_that_keeps_every_rule_passes(new_page):
    page = _phone(new_page)
    page.set_content(GOOD)
    assert a11y.check(page) == []


@pytest.mark.parametrize("snippet, expected", [
    ('<input type="text" id="x">', ["unlabelled field: input#x"]),
    ('<label for="other">名称</label><select name="s"><option>1</option></select>', ['unlabelled field: select[name="s"]']),
    ('<span id="empty"></span><textarea id="n" aria-labelledby="empty"></textarea>', ["unlabelled field: textarea#n"]),
    ('<button type="button" style="min-height:0;min-width:0;width:30px;height:20px;padding:0">×</button>', ["small tap target: button “×” is 30×20 px"]),
    # A row of links is not running text: both are checked (and the two identical ones counted once).
    ('<p><a href="#" style="display:inline;min-height:0">备注</a> · <a href="#" style="display:inline;min-height:0">法律依据</a>'
     ' · <a href="#" style="display:inline;min-height:0">法律依据</a></p>',
     ["small tap target: a “备注” is 32×24 px", "small tap target: a “法律依据” is 64×24 px (×2)"]),
    ('<label style="min-height:0"><input type="checkbox" id="c" style="min-height:0;min-width:0">是</label>', ["small tap target: input#c is 390×24 px"]),
    ('<div style="width:600px;height:10px"></div>', ["horizontal scroll: the page is 600 px wide on a 390 px screen"]),
])
def test_each_rule_fails_on_a_page_that_breaks_it(new_page, snippet, expected):
    page = _phone(new_page)
    page.set_content(GOOD.replace("</body>", snippet + "</body>"))
    assert a11y.check(page) == expected


def test_lang_is_required_and_phone_rules_stay_off_on_a_desktop(new_page):
    page = new_page(width=1440, height=900)
    page.set_content(GOOD.replace(' lang="zh-Hans"', "").replace("</body>", '<button style="min-height:10px">×</button><div style="width:2000px"></div></body>'))
    assert a11y.check(page) == ["<html> has no lang attribute"]


def test_taps_fields_and_files_are_counted_and_goals_measured(new_page, live_server, tmp_path):
    j = _journey(live_server, tmp_path)
    page = j.watch(_phone(new_page))
    page.set_content(GOOD.replace("</body>", '<input type="file" id="f" aria-label="照片"><select id="s" aria-label="类型"><option>1</option><option>2</option></select></body>'))
    with pytest.raises(JourneyError, match="goal missed — few: 3/≤2 taps"):
        with j.goal("few", taps=2):
            page.locator("#a").fill("张三")                      # a field
            page.get_by_label("现场已整改").check()              # a tap
            page.locator("#f").set_input_files({"name": "a.jpg", "mimeType": "image/jpeg", "buffer": b"x"})  # a file: a tap
            page.select_option("#s", "2")                       # a field
            page.locator("label").filter(has_text="现场已整改").first.click()  # a tap
    assert (j.result.taps, j.result.fields) == (3, 2)
    with j.goal("many", taps=10, fields=0) as goal:
        page.dblclick("#a")
        page.press("#a", "Enter")
    assert goal.met and (goal.seen_taps, j.result.taps) == (3, 6)
    with pytest.raises(JourneyError, match="inside a goal"), j.goal("no jumping", taps=5):
        page.goto(live_server.url + "/accounts/login/")
    j.step(page, "the form")
    assert (tmp_path / "selftest" / "01-the-form.png").stat().st_size > 1000
    j.finish()


@pytest.mark.parametrize("html, message", [
    ("<script>console.error('boom')</script>", "console error: boom"),
    ("<script>throw new Error('uncaught boom')</script>", "page error: uncaught boom"),
    ('<img src="http://other-host.invalid/x.png" alt="">', "request to a host other than the test server: http://other-host.invalid/x.png"),
])
def test_a_journey_fails_on_console_errors_page_errors_and_other_hosts(new_page, live_server, tmp_path, html, message):
    j = _journey(live_server, tmp_path)
    page = j.watch(_phone(new_page))
    page.goto(live_server.url + "/accounts/login/")  # the test server itself is fine
    page.wait_for_load_state("networkidle")
    j.check_errors()
    page.goto("about:blank")  # a page of the test's own, without the server's Content-Security-Policy
    page.set_content(GOOD.replace("</body>", html + "</body>"))
    page.wait_for_timeout(300)
    with pytest.raises(JourneyError, match=message.replace("(", r"\(").replace(".", r"\.")):
        j.finish()


def test_expected_console_errors_can_be_tolerated_for_a_block(new_page, live_server, tmp_path):
    j = _journey(live_server, tmp_path)
    page = j.watch(_phone(new_page))
    with j.tolerate("ERR_INTERNET_DISCONNECTED"):
        page.evaluate("console.error('Failed to load resource: net::ERR_INTERNET_DISCONNECTED')")
        page.wait_for_timeout(100)
    j.check_errors()
    page.evaluate("console.error('Failed to load resource: net::ERR_INTERNET_DISCONNECTED')")
    page.wait_for_timeout(100)
    with pytest.raises(JourneyError, match="ERR_INTERNET_DISCONNECTED"):
        j.finish()


def test_the_table_and_the_json_say_what_each_journey_measured(tmp_path, monkeypatch):
    import json

    from tests.journeys import harness

    met = harness.Result("report", "a", taps=5, fields=1, seconds=3.04, outcome="passed",
                         goals=[harness.Goal("report", taps=6, seen_taps=5, met=True), harness.Goal("measured only", seen_taps=2)])
    missed = harness.Result("officer-loop", "b", taps=4, seconds=12.0, outcome="FAILED",
                            goals=[harness.Goal("dispatch", taps=3, seen_taps=4, met=False)])
    monkeypatch.setattr(harness, "RESULTS", [met, missed])
    monkeypatch.setattr(harness, "TEST_SECONDS", {"a": 10.0, "b": 20.0})
    lines = harness.table()
    assert lines[0].split() == ["journey", "taps", "fields", "seconds", "goal", "result"]
    assert lines[2].split()[:4] == ["report", "5", "1", "3.0"] and "report: 5/≤6 taps met" in lines[2] and "measured" not in lines[2]
    assert "dispatch: 4/≤3 taps MISSED" in lines[3] and lines[3].endswith("FAILED")
    assert "2 journeys, 15.0 s in the browser, 30.0 s with set-up (budget 300 s)" in lines[4]
    data = json.loads(harness.write_json(tmp_path / "j.json").read_text(encoding="utf-8"))
    assert [r["journey"] for r in data["journeys"]] == ["report", "officer-loop"] and data["test_seconds"] == 30.0
    assert data["journeys"][0]["goals"][1] == {"label": "measured only", "taps": None, "fields": None, "seen_taps": 2,
                                               "seen_fields": 0, "met": None}
