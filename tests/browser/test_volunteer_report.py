"""A resident scans the community's QR code and reports on a 390-px phone, without logging in,
in a real browser; the village staff adopt it and the volunteer sees the outcome and points."""

import io
import time

import pytest
from PIL import Image

from cases.models import Case, CaseCategory
from volunteers import services
from volunteers.models import Volunteer, VolunteerReport

from tests.browser_fixtures import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(tree):
    litter = CaseCategory.objects.create(code="01", name="市容环境")
    CaseCategory.objects.create(code="0102", name="暴露垃圾", parent=litter, on_discovery=True)
    CaseCategory.objects.create(code="0199", name="市容环境其他", parent=litter)
    return services.team_ensure(village=tree["v1"])


def jpeg(colour):
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buf, format="JPEG")
    return {"name": "rubbish.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def test_a_volunteer_reports_from_the_qr_page_on_a_phone_without_logging_in(phone, desktop, team, users):
    volunteer = services.volunteer_register(team=team, name="张美玲", phone="13912345678", kind=Volunteer.Kind.BUILDING_HEAD,
                                            by=users["village_staff"])
    started = time.monotonic()
    phone.goto(f"/volunteers/r/{team.report_code}/")
    assert "accounts/login" not in phone.url
    # Photo first (sent at once), then the problem type from the icons; location from the browser.
    phone.set_input_files("#id_photos", [jpeg((120, 140, 60))])
    phone.wait_for_selector(".uploads li.upload img")
    phone.locator(".ptype", has_text="垃圾").click()
    phone.wait_for_function("document.getElementById('id_latitude').value !== ''")
    phone.fill("#id_phone", "139 1234 5678")
    phone.fill("#id_description", "楼下垃圾桶满溢")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows the phone
    phone.click("#send")
    phone.wait_for_url("**/volunteers/s/**")
    assert time.monotonic() - started < 60  # "done in under a minute" (a generous bound for a slow CI box)
    report = VolunteerReport.objects.get()
    assert report.volunteer == volunteer and report.case.status == Case.Status.PENDING_TRIAGE
    assert report.case.grid.code == "440604011001001" and report.case.attachments.count() == 1
    assert "已收到" in phone.content() or "Received" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # The community's staff adopt it from their triage page.
    browser_login(desktop, "vs")
    desktop.goto("/volunteers/triage/")
    desktop.locator(".triage-card", has_text="暴露垃圾").get_by_role("link", name="初筛").click()
    desktop.locator("input[name=outcome][value=adopted]").check()
    desktop.click("button[type=submit]:has-text('保存')")
    desktop.wait_for_url("**/volunteers/triage/")
    report.refresh_from_db()
    assert report.outcome == "adopted" and Case.objects.get().status == Case.Status.REGISTERED

    # The volunteer's status link now says so, with the points.
    phone.reload()
    assert "已采纳" in phone.content() and "+2" in phone.content()
