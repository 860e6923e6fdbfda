"""扫一扫 end to end through the pages: upload → job → confirmation → record, with real tesseract.

The recognition job runs in-process here (eager Celery, on commit); tests/scan/test_worker.py
sends one through a real broker and worker process.
"""

import pytest
from PIL import Image

from core.models import AuditLog, Job
from scan.models import Scan, ScanBatch, ScanLink

from .conftest import id_card_upload, licence_upload, upload

pytestmark = pytest.mark.django_db


def _post_upload(client, capture, *, kind, files, url="/scan/"):
    with capture(execute=True):
        return client.post(url, {"kind": kind, "photos": files})


def _review_url(batch):
    return f"/scan/s/{batch.scans.get().uuid}/"


def test_grid_worker_scans_an_id_card_confirms_and_the_person_is_saved_with_the_scan_as_source(
    login, users, tree, id_values, django_capture_on_commit_callbacks
):
    from forms_fill.models import Person

    values = id_values[0]
    client = login(users["grid_worker"])
    start = client.get("/scan/")
    assert start.status_code == 200
    body = start.content.decode()
    assert 'capture="environment"' in body and 'accept="image/*"' in body
    response = _post_upload(client, django_capture_on_commit_callbacks, kind="id_card", files=[id_card_upload(values)])
    batch = ScanBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/scan/b/{batch.uuid}/"
    job = Job.objects.get(pk=batch.job_id)
    assert job.status == Job.Status.DONE and job.result["next_url"] == _review_url(batch)
    scan = batch.scans.get()
    assert scan.status == Scan.Status.RECOGNISED and scan.region_path == tree["440604011001001"].path
    # the batch page of a single finished scan goes straight to the confirmation screen
    assert client.get(f"/scan/b/{batch.uuid}/")["Location"] == _review_url(batch)
    page = client.get(_review_url(batch)).content.decode()
    assert values.number in page and values.address[:6] in page
    assert AuditLog.objects.filter(action="reveal", object_type="scan.Scan").count() == 1
    assert Person.objects.count() == 0  # nothing saved before confirmation
    rec = scan.recognition["fields"]
    form = {f"f_{k}": rec[k]["value"] for k in rec}
    form["f_name"] = values.name  # the person corrects what OCR got wrong
    form["f_address"] = values.address
    form["f_nation"] = values.nation
    form["region"] = str(tree["440604011001001"].pk)
    response = client.post(_review_url(batch), {**form, "action": "save"})
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get()
    assert (person.id_number, person.name, person.ethnicity, person.household_address) == (
        values.number, values.name, values.nation, values.address)
    assert person.birth_date == values.birth and person.sex == ("M" if values.sex == "男" else "F")
    assert f"scan:{scan.uuid}" in person.sources["name"]["source"]
    scan.refresh_from_db()
    assert scan.status == Scan.Status.CONFIRMED and scan.confirmed_by == users["grid_worker"]
    link = ScanLink.objects.get()
    assert (link.target, link.object_id) == ("person", str(person.pk))
    # a double submit writes nothing more
    again = client.post(_review_url(batch), {**form, "action": "save"})
    assert again.status_code == 302 and again["Location"] == _review_url(batch)
    assert ScanLink.objects.count() == 1 and Person.objects.count() == 1


def test_an_invalid_id_number_is_refused_and_nothing_is_saved(login, users, tree, id_values, django_capture_on_commit_callbacks):
    from forms_fill.models import Person

    client = login(users["grid_worker"])
    _post_upload(client, django_capture_on_commit_callbacks, kind="id_card", files=[id_card_upload(id_values[1])])
    batch = ScanBatch.objects.get()
    rec = batch.scans.get().recognition["fields"]
    form = {f"f_{k}": rec[k]["value"] for k in rec}
    bad = form["f_id_number"][:-1] + ("0" if form["f_id_number"][-1] != "0" else "1")
    form.update(f_id_number=bad, f_name="张三", region=str(tree["440604011001001"].pk), action="save")
    response = client.post(_review_url(batch), form)
    assert response.status_code == 200
    assert Person.objects.count() == 0 and ScanLink.objects.count() == 0
    assert batch.scans.get().status == Scan.Status.RECOGNISED
    assert bad in response.content.decode()  # what was typed is kept


def test_a_licence_is_saved_to_the_enterprise_record(login, users, tree, licence_values, django_capture_on_commit_callbacks):
    from credit.models import Enterprise

    values = licence_values[0]
    client = login(users["village_staff"])
    _post_upload(client, django_capture_on_commit_callbacks, kind="licence", files=[licence_upload(values)])
    batch = ScanBatch.objects.get()
    scan = batch.scans.get()
    assert scan.status == Scan.Status.RECOGNISED
    rec = scan.recognition["fields"]
    form = {f"f_{k}": values.fields()[k] for k in rec}  # the person checks every field against the photo
    form.update(region=str(tree["440604011001002"].pk), action="save")
    response = client.post(_review_url(batch), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    e = Enterprise.objects.get()
    assert (e.uscc, e.name, e.legal_representative) == (values.credit_code, values.name, values.legal_rep)
    assert e.established_on == values.founded and e.business_term_to is None
    assert e.registered_capital is not None and e.registered_capital > 0
    assert f"scan:{scan.uuid}" in e.sources["name"]["source"]


def test_a_document_is_searchable_and_attached_to_a_case(login, users, tree, django_capture_on_commit_callbacks):
    from PIL import ImageDraw

    from scan.synthetic import font, jpeg_bytes

    im = Image.new("RGB", (1400, 900), (250, 250, 250))
    d = ImageDraw.Draw(im)
    d.text((80, 120), "整改通知书", font=font(64), fill=(0, 0, 0))
    d.text((80, 260), "请于三日内清理门前堆放的杂物。", font=font(44), fill=(0, 0, 0))
    client = login(users["grid_worker"])
    _post_upload(client, django_capture_on_commit_callbacks, kind="document", files=[upload("doc.jpg", jpeg_bytes(im))])
    scan = Scan.objects.get()
    assert scan.status == Scan.Status.RECOGNISED and "整改" in scan.text
    found = client.get("/scan/search/", {"q": "整改"}).content.decode()
    assert str(scan.uuid) in found
    assert str(scan.uuid) not in client.get("/scan/search/", {"q": "不存在的词"}).content.decode()
    # attach to a record that does not exist in my jurisdiction: refused, nothing saved
    response = client.post(f"/scan/s/{scan.uuid}/", {"action": "attach", "target": "case", "ref": "NOPE", "f_text": scan.text})
    assert response.status_code == 200 and ScanLink.objects.count() == 0


def test_scans_are_visible_only_in_the_starters_jurisdiction(login, users, tree, id_values, django_capture_on_commit_callbacks):
    from grids.models import StaffProfile
    from grids.services import staff_create

    client = login(users["grid_worker"])
    _post_upload(client, django_capture_on_commit_callbacks, kind="id_card", files=[id_card_upload(id_values[0])])
    batch = ScanBatch.objects.get()
    scan = batch.scans.get()
    urls = [f"/scan/b/{batch.uuid}/", f"/scan/s/{scan.uuid}/", f"/scan/s/{scan.uuid}/photo.jpg"]
    assert client.get(urls[2]).status_code == 200
    other = staff_create(username="gw2", password="pw-for-tests-1", full_name="另一网格员",
                         role=StaffProfile.Role.GRID_WORKER, regions=[tree["440604010001001"]])
    client = login(other)
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(urls[1], {"action": "discard"}).status_code == 404
    # the village above the grid sees it; the street officer too
    assert login(users["village_staff"]).get(urls[1]).status_code == 200
    scan.refresh_from_db()
    assert scan.status == Scan.Status.RECOGNISED


def test_a_village_uploads_many_id_cards_as_one_job_and_reviews_them_in_a_queue(login, users, tree, id_values, django_capture_on_commit_callbacks):
    client = login(users["village_staff"])
    page = client.get("/scan/?batch=1").content.decode()
    assert "multiple" in page
    files = [id_card_upload(id_values[i % 2], seed=i, name=f"card{i}.jpg") for i in range(2)]
    files.append(upload("notes.txt", b"not an image at all"))
    response = _post_upload(client, django_capture_on_commit_callbacks, kind="id_card", files=files, url="/scan/?batch=1")
    batch = ScanBatch.objects.get()
    assert response.status_code == 302 and batch.count == 2  # the text file was refused, the photos kept
    assert Job.objects.filter(kind="scan.recognise").count() == 1
    job = Job.objects.get()
    assert job.status == Job.Status.DONE and job.progress_done == 2
    queue = client.get(f"/scan/b/{batch.uuid}/").content.decode()
    scans = list(batch.scans.order_by("position"))
    assert all(s.status == Scan.Status.RECOGNISED for s in scans)
    assert all(str(s.uuid) in queue for s in scans)
    assert id_values[0].number not in queue  # ID numbers are masked in the queue
    assert id_values[0].number[:6] + "********" + id_values[0].number[-4:] in queue
    # discarding the first goes to the next one in the queue
    response = client.post(f"/scan/s/{scans[0].uuid}/", {"action": "discard"})
    assert response["Location"] == f"/scan/s/{scans[1].uuid}/"


def test_the_phone_home_has_the_scan_tile(login, users):
    body = login(users["grid_worker"]).get("/m/").content.decode()
    assert "/scan/" in body
