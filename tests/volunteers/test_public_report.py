"""The public report page behind the community's QR code: no login, recognised by phone, rate
limited, nothing lost on a bad submit, and a status link that shows only the reporter's report."""

import pytest
from django.test import override_settings
from django.urls import reverse

from cases.models import Case, PendingUpload
from volunteers.models import VolunteerReport

from .conftest import IN_V2, photo, public_form

pytestmark = pytest.mark.django_db


def test_report_page_opens_without_login_and_offers_the_icon_list(client, team):
    response = client.get(reverse("volunteers:report", args=[team.report_code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "丽豪社区" in page
    assert 'value="garbage"' in page and 'value="stall"' in page
    assert 'value="noise"' not in page  # its category does not exist here, so it is not offered
    assert 'name="website"' in page  # the honeypot
    assert "丽豪社区第1网格" in page  # the short place list


def test_unknown_report_code_is_404(client, team):
    assert client.get(reverse("volunteers:report", args=["nope"])).status_code == 404


def test_volunteer_report_lands_in_the_right_communitys_triage_queue(client, submit, volunteer, staff, login):
    response, form = submit()
    report = VolunteerReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:status", args=[report.token])
    case = report.case
    assert case.status == Case.Status.PENDING_TRIAGE
    assert case.source == Case.Source.VOLUNTEER
    assert case.grid.code == "440604011001001" and case.region_path.startswith(report.team.region_path)
    assert report.volunteer == volunteer and case.reporter is None and case.reporter_name == "张美玲"
    assert case.attachments.count() == 1  # the photo uploaded while filling in
    assert not PendingUpload.objects.filter(form_uuid=form["client_uuid"]).exists()
    # The community's staff see it in both triage queues; the neighbouring community's do not.
    client.logout()
    login(staff["v1"])
    assert case.number in client.get(reverse("cases:triage")).content.decode()
    assert case.number in client.get(reverse("volunteers:triage")).content.decode()
    client.logout()
    login(staff["v2"])
    assert case.number not in client.get(reverse("cases:triage")).content.decode()
    assert case.number not in client.get(reverse("volunteers:triage")).content.decode()
    assert client.get(reverse("volunteers:triage_decide", args=[report.pk])).status_code == 404


def test_anonymous_resident_may_report_without_points(submit):
    response, _form = submit(phone="")
    assert response.status_code == 302
    report = VolunteerReport.objects.get()
    assert report.volunteer is None and report.case.source == Case.Source.PUBLIC_QR and report.case.reporter_phone == ""


def test_a_place_picked_from_the_list_is_enough(submit):
    response, _form = submit(latitude="", longitude="", grid="440604011001002")
    assert response.status_code == 302
    assert VolunteerReport.objects.get().case.grid.code == "440604011001002"


def test_invalid_phone_is_refused_and_nothing_entered_is_lost(client, submit, team):
    response, form = submit(phone="1391234")
    assert response.status_code == 400
    page = response.content.decode()
    assert "11" in page and "1391234" in page  # the message names the rule; the input is kept
    assert "垃圾桶满溢" in page and "丽豪路8号" in page
    assert PendingUpload.objects.filter(form_uuid=form["client_uuid"]).count() == 1  # the photo is kept
    assert reverse("volunteers:upload_thumb", args=[team.report_code, form["client_uuid"], PendingUpload.objects.get().pk]) in page
    assert not Case.objects.exists()
    # Corrected and sent again with the same form: the kept photo goes with it.
    again = client.post(reverse("volunteers:report", args=[team.report_code]), {**form, "phone": "13912345678"})
    assert again.status_code == 302 and VolunteerReport.objects.get().case.attachments.count() == 1


def test_missing_location_is_refused_with_a_clear_message(submit):
    response, _form = submit(latitude="", longitude="", grid="")
    assert response.status_code == 400
    assert "pick the place from the list" in response.content.decode() or "从列表中选择" in response.content.decode()
    assert not Case.objects.exists()


def test_a_location_in_another_community_is_refused(submit):
    response, _form = submit(**IN_V2)
    assert response.status_code == 400
    assert "丽豪社区" in response.content.decode()
    assert not Case.objects.exists()


def test_a_report_needs_a_photo(submit):
    response, _form = submit(with_photo=False)
    assert response.status_code == 400 and not Case.objects.exists()


def test_a_non_image_photo_is_refused_at_upload_and_with_the_form(client, team):
    form = public_form()
    fake = b"%PDF-1.4 not a photo at all"
    from django.core.files.uploadedfile import SimpleUploadedFile

    up = client.post(reverse("volunteers:upload", args=[team.report_code]),
                     {"form_uuid": form["client_uuid"], "file": SimpleUploadedFile("photo.jpg", fake, content_type="image/jpeg")})
    assert up.status_code == 400 and up.json()["error"]
    # Without JavaScript the file comes with the form: same check, the form is re-shown.
    response = client.post(reverse("volunteers:report", args=[team.report_code]),
                           {**form, "photos": SimpleUploadedFile("x.jpg", fake, content_type="image/jpeg")})
    assert response.status_code == 400 and "x.jpg" in response.content.decode()
    assert not Case.objects.exists() and not PendingUpload.objects.exists()


def test_photo_sent_with_the_form_without_javascript_is_kept(client, team, volunteer):
    form = public_form()
    response = client.post(reverse("volunteers:report", args=[team.report_code]), {**form, "photos": photo()})
    assert response.status_code == 302
    assert VolunteerReport.objects.get().case.attachments.count() == 1


@override_settings(VOLUNTEER_REPORTS_PER_IP_HOUR=3, VOLUNTEER_REPORTS_PER_PHONE_HOUR=100)
def test_a_flood_from_one_ip_gets_a_clear_message(submit):
    for _i in range(3):
        assert submit(phone="")[0].status_code == 302
    response, _form = submit(phone="")
    assert response.status_code == 429
    assert "Too many reports" in response.content.decode() or "过多" in response.content.decode() or "太多" in response.content.decode()
    assert VolunteerReport.objects.count() == 3
    # Another address is not affected.
    assert submit(phone="", ip="10.0.0.2")[0].status_code == 302


@override_settings(VOLUNTEER_REPORTS_PER_PHONE_HOUR=2, VOLUNTEER_REPORTS_PER_IP_HOUR=100)
def test_the_rate_limit_per_phone(submit, volunteer):
    assert submit(ip="10.0.0.1")[0].status_code == 302
    assert submit(ip="10.0.0.2")[0].status_code == 302
    response, _form = submit(ip="10.0.0.3")
    assert response.status_code == 429 and VolunteerReport.objects.count() == 2


def test_the_honeypot_refuses_a_bot(submit):
    response, _form = submit(website="http://spam.example")
    assert response.status_code == 400 and not Case.objects.exists()


def test_a_double_submit_returns_the_first_report(client, submit, team, volunteer):
    response, form = submit()
    again = client.post(reverse("volunteers:report", args=[team.report_code]), form)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert VolunteerReport.objects.count() == 1 and Case.objects.count() == 1


def test_the_status_link_shows_only_the_reporters_own_report(client, submit, volunteer, volunteer2):
    submit(description="楼下垃圾没人清")
    submit(phone=volunteer2.phone, description="店门口乱堆纸箱", problem_type="clutter")
    mine = VolunteerReport.objects.get(volunteer=volunteer)
    page = client.get(reverse("volunteers:status", args=[mine.token])).content.decode()
    assert mine.case.number in page and "暴露垃圾" in page
    other = VolunteerReport.objects.get(volunteer=volunteer2)
    for leak in (volunteer2.name, volunteer2.phone, volunteer2.masked_phone, "店门口乱堆纸箱", other.case.number, other.token):
        assert leak not in page
    assert volunteer.phone not in page  # not even the reporter's own full number
    assert client.get(reverse("volunteers:status", args=["not-a-token"])).status_code == 404


def test_a_volunteer_card_link_prefills_the_reporter(client, team, volunteer):
    page = client.get(reverse("volunteers:report", args=[team.report_code]) + f"?v={volunteer.card_token}").content.decode()
    assert "张美玲" in page and "139****5678" in page and "13912345678" not in page
    form = public_form(phone="", card=volunteer.card_token)
    client.post(reverse("volunteers:upload", args=[team.report_code]), {"form_uuid": form["client_uuid"], "file": photo()})
    assert client.post(reverse("volunteers:report", args=[team.report_code]), form).status_code == 302
    assert VolunteerReport.objects.get().volunteer == volunteer


def test_self_handled_claim_needs_a_registered_volunteer_and_an_on_the_spot_type(submit, volunteer):
    response, _form = submit(phone="", self_handled="on")
    assert response.status_code == 400 and not Case.objects.exists()
    response, _form = submit(problem_type="stall", self_handled="on")
    assert response.status_code == 400 and not Case.objects.exists()
    response, _form = submit(self_handled="on")
    assert response.status_code == 302 and VolunteerReport.objects.get().claims_self_handled


def test_registration_from_the_poster_waits_for_approval(client, team, staff, login):
    from volunteers.models import Volunteer

    url = reverse("volunteers:join", args=[team.report_code])
    bad = client.post(url, {"name": "李四", "phone": "12345", "kind": "resident", "website": ""})
    assert bad.status_code == 400 and not Volunteer.objects.exists()
    ok = client.post(url, {"name": "李四", "phone": "13600001111", "kind": "resident", "website": ""})
    assert ok.status_code == 200
    v = Volunteer.objects.get()
    assert v.status == Volunteer.Status.PENDING
    dup = client.post(url, {"name": "李四", "phone": "136 0000 1111", "kind": "resident", "website": ""})
    assert dup.status_code == 400 and Volunteer.objects.count() == 1
    login(staff["v1"])
    page = client.get(reverse("volunteers:team", args=[team.village.code])).content.decode()
    assert "136****1111" in page and "13600001111" not in page
    client.post(reverse("volunteers:volunteer", args=[v.pk]), {"form": "decide", "approve": "on"})
    v.refresh_from_db()
    assert v.status == Volunteer.Status.APPROVED
