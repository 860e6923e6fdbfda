"""Bad input: a clear message, no crash, nothing half-saved."""

import io

import pytest
from PIL import Image

from core.models import Job
from scan.models import Scan, ScanBatch

from .conftest import upload

pytestmark = pytest.mark.django_db


def _post(client, capture, files, kind="id_card"):
    with capture(execute=True):
        return client.post("/scan/", {"kind": kind, "photos": files})


def _nothing_saved():
    return ScanBatch.objects.count() == 0 and Scan.objects.count() == 0 and Job.objects.count() == 0


def test_not_an_image(login, users, django_capture_on_commit_callbacks):
    client = login(users["grid_worker"])
    response = _post(client, django_capture_on_commit_callbacks, [upload("card.jpg", b"%PDF-1.4 not a photo")])
    assert response.status_code == 200
    assert "不是图片" in response.content.decode() or "not an image" in response.content.decode()
    assert _nothing_saved()


def test_an_empty_file_and_no_file(login, users, django_capture_on_commit_callbacks):
    client = login(users["grid_worker"])
    response = _post(client, django_capture_on_commit_callbacks, [upload("card.jpg", b"")])
    assert response.status_code == 200 and _nothing_saved()
    response = client.post("/scan/", {"kind": "id_card"})
    assert response.status_code == 200 and _nothing_saved()


def test_a_100_megapixel_image_is_refused_as_a_decompression_bomb(login, users, django_capture_on_commit_callbacks):
    buf = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buf, format="PNG")  # 100 MP, a few kB on disk
    client = login(users["grid_worker"])
    response = _post(client, django_capture_on_commit_callbacks, [upload("big.png", buf.getvalue(), "image/png")])
    body = response.content.decode()
    assert response.status_code == 200 and ("像素" in body or "pixels" in body)
    assert _nothing_saved()


def test_a_black_image_is_stored_and_reported_not_readable(login, users, django_capture_on_commit_callbacks):
    buf = io.BytesIO()
    Image.new("RGB", (1200, 800)).save(buf, format="JPEG")
    client = login(users["grid_worker"])
    _post(client, django_capture_on_commit_callbacks, [upload("black.jpg", buf.getvalue())])
    scan = Scan.objects.get()
    assert scan.status == Scan.Status.FAILED and scan.error
    page = client.get(f"/scan/s/{scan.uuid}/").content.decode()
    assert scan.error in page
    # it cannot be saved as a person
    response = client.post(f"/scan/s/{scan.uuid}/", {"action": "save", "f_id_number": "", "f_name": "x"})
    assert response.status_code == 200
    from forms_fill.models import Person

    assert Person.objects.count() == 0


def test_a_photo_without_a_card(login, users, django_capture_on_commit_callbacks):
    im = Image.new("RGB", (1600, 1000), (90, 140, 90))
    from PIL import ImageDraw

    d = ImageDraw.Draw(im)
    for x in range(0, 1600, 80):
        d.rectangle((x, 300, x + 30, 1000), fill=(120, 90, 60))
    buf = io.BytesIO()
    im.save(buf, format="JPEG")
    client = login(users["grid_worker"])
    _post(client, django_capture_on_commit_callbacks, [upload("fence.jpg", buf.getvalue())])
    scan = Scan.objects.get()
    assert scan.status == Scan.Status.FAILED
    assert "身份证" in scan.error or "ID card" in scan.error


def test_tampered_review_posts_do_not_crash(login, users, django_capture_on_commit_callbacks):
    buf = io.BytesIO()
    Image.new("RGB", (1200, 800)).save(buf, format="JPEG")
    client = login(users["grid_worker"])
    _post(client, django_capture_on_commit_callbacks, [upload("black.jpg", buf.getvalue())])
    scan = Scan.objects.get()
    url = f"/scan/s/{scan.uuid}/"
    for data in ({"action": "nonsense"}, {"action": "attach", "target": "case", "ref": "x" * 500},
                 {"action": "save", "region": "abc"}, {"action": "attach", "target": "inspection", "ref": "not-a-uuid"},
                 {"action": "attach", "target": "person", "ref": "12a"}):
        assert client.post(url, data).status_code in (200, 302), data
    assert client.get("/scan/s/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.post("/scan/", {"kind": "passport", "photos": []}).status_code == 200
