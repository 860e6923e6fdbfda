"""The installable web app (core/pwa.py): manifest, service worker, session for replays, the outbox
page, the pages marked for offline use — and the server side of "sent exactly once": a replay of a
report or an inspection the server already received is recognised, its photos stored once."""

import io
import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases.models import Case, CaseAttachment, PendingUpload
from core import pwa
from inspections import services as inspection_services
from inspections.models import Answer, Inspection, InspectionPhoto

from tests.inspections.conftest import categories, departments, published, reference, worker, place  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def jpeg(colour=(200, 80, 40), name="site.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


# --- manifest and service worker -------------------------------------------------------------------

def test_the_manifest_names_the_app_and_its_icons(client):
    response = client.get(reverse("core:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["name"] == "生态网格" and data["display"] == "standalone"
    assert data["scope"] == "/" and data["start_url"] == reverse("home")
    sizes = set()
    for icon in data["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, f"{icon['src']} is not a static file"
        with Image.open(path) as image:
            assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_every_page_links_the_manifest_the_offline_script_and_the_outbox_badge(login, users):
    html = login(users["grid_worker"]).get(reverse("grids:mobile_home")).content.decode()
    assert f'<link rel="manifest" href="{reverse("core:manifest")}">' in html
    assert "js/offline-store.js" in html and "js/offline.js" in html
    assert 'id="outbox-badge"' in html and "待发送" in html
    assert f'data-user="{users["grid_worker"].pk}"' in html
    text = json.loads(re.search(r'<script type="application/json" id="offline-text">(.*?)</script>', html, re.S).group(1))
    assert text["waiting"] == "等待网络" and text["refused"] == "未被接受"  # the JS messages, translated


def test_the_brand_links_to_the_role_home_not_to_the_redirect(login, users):
    """"/" only redirects, and the phone keeps no copy of a redirect: without a signal the brand
    link must open a page the phone has (the grid worker's home, /m/)."""
    html = login(users["grid_worker"]).get(reverse("grids:mobile_home")).content.decode()
    assert f'<a class="brand" href="{reverse("grids:mobile_home")}">' in html
    html = login(users["street_officer"]).get(reverse("dispatch:workbench")).content.decode()
    assert f'<a class="brand" href="{reverse("dispatch:workbench")}">' in html


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert 'importScripts("/static/js/offline-store.js")' in body
    config = json.loads(re.search(r"^const CONFIG = (.*);$", body, re.M).group(1))
    assert config["outboxUrl"] == reverse("core:outbox") and config["sessionUrl"] == reverse("core:pwa_session")
    for url in config["precache"]:  # vendored files only, all present
        assert url.startswith("/static/") and finders.find(url.removeprefix("/static/")), url
    assert re.search(r'const VERSION = "[0-9a-f]{16}";', body)


def test_the_worker_version_follows_the_precached_files(tmp_path, monkeypatch):
    target = tmp_path / "x.js"
    target.write_text("one")
    monkeypatch.setattr(pwa.finders, "find", lambda path: str(target))
    first = pwa._static_fingerprint(("js/x.js",))
    target.write_text("two")
    assert pwa._static_fingerprint(("js/x.js",)) != first


def test_the_session_tells_a_replay_who_is_logged_in_and_gives_a_fresh_token(client, login, users):
    anonymous = client.get(reverse("core:pwa_session"))
    data = anonymous.json()
    assert data["authenticated"] is False and data["user"] == "" and data["csrf"] and data["login"] == reverse("login")
    assert "no-cache" in anonymous["Cache-Control"] and anonymous.cookies.get("csrftoken")
    gw = users["grid_worker"]
    data = login(gw).get(reverse("core:pwa_session")).json()
    assert data["authenticated"] is True and data["user"] == str(gw.pk)
    # The grid worker's phone pages are fetched ahead for use without a signal.
    assert {reverse("grids:mobile_home"), reverse("cases:report"), reverse("inspections:mobile_start")} <= set(data["warm"])
    # An office role keeps no phone tiles.
    data = login(users["street_officer"]).get(reverse("core:pwa_session")).json()
    assert reverse("cases:report") not in data["warm"]


def test_a_replay_with_the_fresh_token_passes_the_csrf_check(users, categories):  # noqa: F811
    from django.test import Client

    phone = Client(enforce_csrf_checks=True)
    phone.force_login(users["grid_worker"], backend="django.contrib.auth.backends.ModelBackend")
    token = phone.get(reverse("core:pwa_session")).json()["csrf"]
    sub = next(c for c in categories.values() if c.parent_id)
    data = {"client_uuid": str(uuid.uuid4()), "category": sub.pk, "description": "路边堆放垃圾", "latitude": "22.95", "longitude": "113.11"}
    assert phone.post(reverse("cases:report"), data).status_code == 403  # the queued page's stale token is gone
    response = phone.post(reverse("cases:report"), data, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302 and Case.objects.count() == 1


def test_the_outbox_page_opens_without_a_session(client, login, users):
    response = client.get(reverse("core:outbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="outbox"' in html and "data-outbox-list" in html and "立即发送" in html
    assert response["X-Offline-Page"] == "1" and response["X-Offline-User"] == ""
    assert login(users["grid_worker"]).get(reverse("core:outbox")).status_code == 200


# --- which pages the phone keeps --------------------------------------------------------------------

def test_the_phone_pages_are_marked_for_offline_use_and_office_pages_are_not(login, users, published, place, worker):  # noqa: F811
    client = login(worker)
    for url in (reverse("cases:report"), reverse("inspections:mobile_start"), reverse("grids:mobile_home")):
        response = client.get(url)
        assert response.status_code == 200 and response["X-Offline-Page"] == "1", url
        assert response["X-Offline-User"] == str(worker.pk)
    inspection = inspection_services.inspection_start(inspector=worker, place=place)
    page = client.get(reverse("inspections:inspection", args=[inspection.client_uuid]))
    assert page["X-Offline-Page"] == "1"
    html = page.content.decode()
    assert "data-offline data-offline-draft" in html
    assert "X-Offline-Page" not in client.get(reverse("cases:mine"))
    assert "X-Offline-Page" not in login(users["street_officer"]).get(reverse("cases:list"))
    # A refused post is not a page to keep.
    assert "X-Offline-Page" not in client.post(reverse("cases:report"), {"client_uuid": str(uuid.uuid4())})


def test_the_report_form_is_marked_for_the_outbox(login, worker, categories):  # noqa: F811
    html = login(worker).get(reverse("cases:report")).content.decode()
    assert 'data-offline-fresh-uuid="client_uuid"' in html
    assert 'data-offline-require="category description latitude"' in html


# --- exactly once: replays the server already applied ------------------------------------------------

def report_data(categories, form_uuid):  # noqa: F811
    sub = next(c for c in categories.values() if c.parent_id and c.is_active)
    return {"client_uuid": str(form_uuid), "category": sub.pk, "description": "路边堆放垃圾", "latitude": "22.95",
            "longitude": "113.11", "address": "丽豪路22号", "urgency": ""}


def test_a_report_replayed_with_its_photo_is_one_case_with_one_photo(login, worker, categories):  # noqa: F811
    client = login(worker)
    form_uuid = uuid.uuid4()
    first = client.post(reverse("cases:report"), {**report_data(categories, form_uuid), "photos": jpeg()})
    case = Case.objects.get()
    assert first.status_code == 302 and first.url == reverse("cases:detail", args=[case.number])
    # The answer was lost on the way: the phone's outbox sends the same form again.
    again = client.post(reverse("cases:report"), {**report_data(categories, form_uuid), "photos": jpeg()}, HTTP_X_OUTBOX_REPLAY="1")
    assert again.status_code == 302 and again.url == first.url
    assert Case.objects.count() == 1
    assert case.attachments.filter(stage=CaseAttachment.Stage.REPORT).count() == 1
    assert not PendingUpload.objects.exists()  # the replayed photo was not stored a second time


def test_a_replay_is_recognised_even_if_the_form_would_now_be_refused(login, worker, categories):  # noqa: F811
    client = login(worker)
    form_uuid = uuid.uuid4()
    data = report_data(categories, form_uuid)
    client.post(reverse("cases:report"), data)
    case = Case.objects.get()
    case.category.is_active = False  # the category was retired since
    case.category.save(update_fields=["is_active"])
    again = client.post(reverse("cases:report"), data)
    assert again.status_code == 302 and again.url == reverse("cases:detail", args=[case.number])
    # A new report in a retired category is refused with a message the outbox shows.
    refused = client.post(reverse("cases:report"), report_data(categories, uuid.uuid4()) | {"category": case.category_id})
    assert refused.status_code == 200 and Case.objects.count() == 1
    assert 'class="errorlist' in refused.content.decode()


def test_another_account_replaying_a_form_uuid_gets_no_case(login, users, worker, categories):  # noqa: F811
    form_uuid = uuid.uuid4()
    login(worker).post(reverse("cases:report"), report_data(categories, form_uuid))
    other = login(users["village_staff"]).post(reverse("cases:report"), report_data(categories, form_uuid))
    assert other.status_code == 200 and Case.objects.count() == 1
    assert "该表单已由其他人提交" in other.content.decode()


def test_an_inspection_replayed_with_its_photo_is_submitted_once(login, published, place, worker):  # noqa: F811
    inspection = inspection_services.inspection_start(inspector=worker, place=place, client_uuid=uuid.uuid4())
    items = list(inspection.scene.items.all())
    failing = next(i for i in items if i.photo_required_on_fail)
    data = {"latitude": "22.95", "longitude": "113.11", "remark": "离线巡查"}
    for item in items:
        data[f"result_{item.pk}"] = "fail" if item == failing else "pass"
    if failing.fail_reasons:
        data[f"reason_{failing.pk}"] = failing.fail_reasons[0]
    client = login(worker)
    url = reverse("inspections:submit", args=[inspection.client_uuid])
    first = client.post(url, {**data, f"photo_{failing.pk}": jpeg()})
    assert first.status_code == 302
    again = client.post(url, {**data, f"photo_{failing.pk}": jpeg()})
    assert again.status_code == 302 and again["Location"] == first["Location"]
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.SUBMITTED and inspection.remark == "离线巡查"
    assert Inspection.objects.count() == 1 and Answer.objects.filter(inspection=inspection).count() == len(items)
    assert InspectionPhoto.objects.filter(inspection=inspection).count() == 1
    assert Case.objects.count() == 1  # one failed item, one case


def test_a_photo_posted_twice_to_a_draft_is_stored_once(login, published, place, worker):  # noqa: F811
    inspection = inspection_services.inspection_start(inspector=worker, place=place)
    item = inspection.scene.items.first()
    client = login(worker)
    url = reverse("inspections:photo_add", args=[inspection.client_uuid])
    for _ in range(2):
        assert client.post(url, {"item": item.pk, "stage": "fail", "photo": jpeg()}, HTTP_X_REQUESTED_WITH="fetch").status_code == 200
    assert InspectionPhoto.objects.filter(inspection=inspection).count() == 1
