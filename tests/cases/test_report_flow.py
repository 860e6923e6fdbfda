"""The phone's report flow through its views: idempotent submit, pending photos, bad input kept."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, CaseAttachment, PendingUpload

from .conftest import png_bomb

pytestmark = pytest.mark.django_db

REPORT = reverse("cases:report")
UPLOAD = reverse("cases:upload")


def form_data(categories, **overrides):
    data = {
        "client_uuid": str(uuid.uuid4()),
        "category": str(categories["0504"].pk),
        "description": "水果店在门口占道经营",
        "latitude": "22.95",
        "longitude": "113.11",
        "address": "丽豪路22号",
        "place_name": "鲜果屋",
        "urgency": "",
    }
    data.update(overrides)
    return data


def upload(client, form_uuid, file, slot="report"):
    return client.post(UPLOAD, {"form_uuid": form_uuid, "slot": slot, "file": file})


def test_report_page_offers_categories_phrases_and_a_fresh_submission_id(login, users, categories):
    client = login(users["grid_worker"])
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "事件上报" in html and "乱堆物料" in html and "街面秩序" in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    form_uuid = response.context["form"]["client_uuid"].value()
    assert uuid.UUID(str(form_uuid))
    assert f'value="{form_uuid}"' in html  # rendered server-side in the hidden field
    assert "门前堆放杂物" in html  # phrase templates reach the page (as JSON for the chips)


def test_recent_choices_are_my_last_categories(login, users, categories, report_kwargs):
    from cases.services import case_report

    case_report(reporter=users["grid_worker"], **report_kwargs(category=categories["0507"]))
    case_report(reporter=users["grid_worker"], **report_kwargs(category=categories["0504"]))
    response = login(users["grid_worker"]).get(REPORT)
    assert [c.code for c in response.context["recent"]] == ["0504", "0507"]


def test_submit_with_a_pending_photo_creates_one_registered_case(login, users, categories, photo):
    client = login(users["grid_worker"])
    data = form_data(categories)
    assert upload(client, data["client_uuid"], photo()).status_code == 200
    response = client.post(REPORT, data)
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[case.number])
    assert case.status == Case.Status.REGISTERED and case.reporter == users["grid_worker"]
    assert case.place_name == "鲜果屋" and case.address == "丽豪路22号"
    assert case.attachments.filter(stage=CaseAttachment.Stage.REPORT, kind="photo").count() == 1
    assert not PendingUpload.objects.exists()  # consumed
    page = client.get(response.url).content.decode()
    assert case.number in page and f"事件 {case.number} 已上报" in page


def test_double_submit_returns_the_same_case(login, users, categories):
    client = login(users["grid_worker"])
    data = form_data(categories)
    first = client.post(REPORT, data)
    second = client.post(REPORT, data)
    assert Case.objects.count() == 1
    assert first.url == second.url
    # Reloading the form with the same submission id goes to the case too.
    again = client.get(REPORT, {"uuid": data["client_uuid"]})
    assert again.status_code == 302 and again.url == first.url


def test_missing_category_is_explained_and_everything_typed_is_kept(login, users, categories, photo):
    client = login(users["grid_worker"])
    data = form_data(categories, category="")
    upload(client, data["client_uuid"], photo("before.jpg"))
    response = client.post(REPORT, data)
    assert response.status_code == 200 and Case.objects.count() == 0
    html = response.content.decode()
    assert "请选择事件分类。" in html
    assert "水果店在门口占道经营" in html and "丽豪路22号" in html and "鲜果屋" in html
    assert f'value="{data["client_uuid"]}"' in html  # same submission id for the retry
    assert "before.jpg" in html  # the uploaded photo is still there
    # Fixing the category and resubmitting attaches the kept photo.
    client.post(REPORT, {**data, "category": str(categories["0504"].pk)})
    assert Case.objects.get().attachments.count() == 1


def test_location_outside_the_district_is_refused_with_the_form_kept(login, users, categories):
    client = login(users["grid_worker"])
    response = client.post(REPORT, form_data(categories, latitude="39.9", longitude="116.4"))
    assert Case.objects.count() == 0
    html = response.content.decode()
    assert "不在本区的网格范围内" in html
    assert 'value="39.9"' in html and "水果店在门口占道经营" in html


def test_missing_location_asks_for_it(login, users, categories):
    response = login(users["grid_worker"]).post(REPORT, form_data(categories, latitude="", longitude=""))
    assert "缺少位置：请允许获取定位，或在地图上点选位置。" in response.content.decode()
    assert Case.objects.count() == 0


def test_text_file_renamed_jpg_is_refused_at_upload(login, users):
    client = login(users["grid_worker"])
    fake = SimpleUploadedFile("photo.jpg", b"this is not a photo at all\n" * 20, content_type="image/jpeg")
    response = upload(client, str(uuid.uuid4()), fake)
    assert response.status_code == 400
    assert "该文件不是图片（系统按内容检查，而不是按文件名）。" in response.json()["error"]
    assert not PendingUpload.objects.exists()


def test_12_mb_photo_is_refused_with_the_limit(login, users):
    client = login(users["grid_worker"])
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (12 * 1024 * 1024), content_type="image/jpeg")
    response = upload(client, str(uuid.uuid4()), big)
    assert response.status_code == 400
    assert "文件太大，最大 10 MB。" in response.json()["error"]


def test_decompression_bomb_is_refused(login, users):
    client = login(users["grid_worker"])
    bomb = SimpleUploadedFile("bomb.png", png_bomb(), content_type="image/png")
    response = upload(client, str(uuid.uuid4()), bomb)
    assert response.status_code == 400
    assert "图片像素过多" in response.json()["error"]


def test_bad_photo_posted_without_javascript_is_named_and_good_ones_are_kept(login, users, categories, photo):
    client = login(users["grid_worker"])
    data = form_data(categories)
    bad = SimpleUploadedFile("notes.jpg", b"plain text", content_type="image/jpeg")
    response = client.post(REPORT, {**data, "photos": [photo("good.jpg"), bad]})
    assert Case.objects.count() == 0
    html = response.content.decode()
    assert "notes.jpg：该文件不是图片" in html
    assert "good.jpg" in html  # kept as a pending upload, shown again
    assert PendingUpload.objects.filter(form_uuid=data["client_uuid"]).count() == 1
    client.post(REPORT, data)  # resubmit without the bad file
    assert Case.objects.get().attachments.count() == 1


def test_same_photo_uploaded_twice_is_kept_once(login, users, photo):
    client = login(users["grid_worker"])
    form_uuid = str(uuid.uuid4())
    file = photo()
    content = file.read()
    for _ in range(2):
        assert upload(client, form_uuid, SimpleUploadedFile("p.jpg", content)).status_code == 200
    assert PendingUpload.objects.count() == 1


def test_pending_uploads_are_private_to_their_uploader(login, users, photo, client):
    login(users["grid_worker"])
    form_uuid = str(uuid.uuid4())
    pending_id = upload(client, form_uuid, photo()).json()["id"]
    assert client.get(reverse("cases:upload_thumb", args=[pending_id])).status_code == 200
    login(users["village_staff"])
    assert client.get(reverse("cases:upload_thumb", args=[pending_id])).status_code == 404
    assert client.post(reverse("cases:upload_delete", args=[pending_id])).status_code == 404
    login(users["grid_worker"])
    assert client.post(reverse("cases:upload_delete", args=[pending_id])).status_code == 200
    assert not PendingUpload.objects.exists()


def test_fixed_on_the_spot_closes_the_case_with_before_and_after_photos(login, users, categories, photo):
    client = login(users["grid_worker"])
    data = form_data(categories, category=str(categories["0507"].pk), fixed_on_spot="on", handling_note="已让店主搬回店内")
    upload(client, data["client_uuid"], photo("before.jpg"))
    upload(client, data["client_uuid"], photo("after.jpg"), slot="after")
    response = client.post(REPORT, data)
    case = Case.objects.get()
    assert case.status == Case.Status.SELF_HANDLED and not case.self_handle_overdue
    assert set(case.attachments.values_list("stage", flat=True)) == {"report", "after"}
    assert [e.action for e in case.events.all()] == ["report", "register", "self_handle"]
    assert "已上报，并按发现即办办结" in client.get(response.url).content.decode()


def test_fixed_on_the_spot_needs_an_after_photo_and_keeps_the_rest(login, users, categories, photo):
    client = login(users["grid_worker"])
    data = form_data(categories, category=str(categories["0507"].pk), fixed_on_spot="on")
    upload(client, data["client_uuid"], photo("before.jpg"))
    response = client.post(REPORT, data)
    assert Case.objects.count() == 0
    html = response.content.decode()
    assert "请添加处置后的照片。" in html and "before.jpg" in html


def test_fixed_on_the_spot_is_refused_for_a_category_that_must_be_dispatched(login, users, categories):
    response = login(users["grid_worker"]).post(REPORT, form_data(categories, fixed_on_spot="on"))
    assert "该分类不属于发现即办，必须派遣处理。" in response.content.decode()
    assert Case.objects.count() == 0


def test_staff_entering_a_report_records_it_as_a_hotline_case(login, users, categories):
    login(users["village_staff"]).post(REPORT, form_data(categories))
    assert Case.objects.get().source == Case.Source.HOTLINE


def test_department_staff_cannot_open_the_report_form(login, dept_users):
    assert login(dept_users["cgzf"]).get(REPORT).status_code == 403


def test_duplicate_hints_show_open_cases_of_the_category_nearby_in_scope(login, users, categories, report_kwargs, tree):
    from cases.services import case_report

    near, _ = case_report(reporter=users["grid_worker"], **report_kwargs(latitude=22.9503, longitude=113.1101))
    case_report(reporter=users["grid_worker"], **report_kwargs(latitude=22.96, longitude=113.11))  # ~1.1 km away
    case_report(reporter=users["grid_worker"], **report_kwargs(category=categories["0507"]))  # other category
    url = reverse("cases:duplicates")
    params = {"category": categories["0504"].pk, "latitude": "22.95", "longitude": "113.11"}
    html = login(users["grid_worker"]).get(url, params).content.decode()
    assert near.number in html and html.count("cases/440604-") == 1
    assert "附近已有 1 宗同类未办结事件" in html and "相距 35 米" in html
    # Another village's staff (out of scope) gets no hint about it.
    from grids.models import StaffProfile
    from grids.services import staff_create

    other = staff_create(username="zhenan", password="x-pw-12345", full_name="镇安", role=StaffProfile.Role.VILLAGE_STAFF, regions=[tree["v3"]])
    assert login(other).get(url, params).content.decode().strip() == ""


def test_photo_taken_far_from_the_reported_place_is_flagged(login, users, categories):
    import io

    from PIL import Image

    def gps_jpeg(lat, lng):
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (float(int(lat)), float(int((lat % 1) * 60)), round(((lat * 60) % 1) * 60, 4)),
                        3: "E", 4: (float(int(lng)), float(int((lng % 1) * 60)), round(((lng * 60) % 1) * 60, 4))}
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), (90, 90, 200)).save(buf, format="JPEG", exif=exif)
        return SimpleUploadedFile("gps.jpg", buf.getvalue(), content_type="image/jpeg")

    client = login(users["grid_worker"])
    data = form_data(categories)
    upload(client, data["client_uuid"], gps_jpeg(22.97, 113.11))  # ~2.2 km north of the reported point
    response = client.post(REPORT, data)
    case = Case.objects.get()
    assert case.location_flag.startswith("有照片的拍摄位置距上报位置 2,2")
    assert case.location_flag in client.get(response.url).content.decode()
    attachment = case.attachments.get()
    assert round(attachment.latitude, 2) == 22.97  # read from EXIF before EXIF was stripped


def test_phrase_templates_cannot_break_out_of_the_page(login, users, categories):
    categories["0507"].phrases = ["</script><script>alert(1)</script>", "门前 & 路边"]
    categories["0507"].save(update_fields=["phrases"])
    html = login(users["grid_worker"]).get(REPORT).content.decode()
    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in html and "门前 \\u0026 路边" in html


def test_iphone_heic_photo_is_accepted_at_upload(login, users):
    import io

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 60)).save(buf, format="HEIF")
    client = login(users["grid_worker"])
    response = upload(client, str(uuid.uuid4()), SimpleUploadedFile("IMG_0042.HEIC", buf.getvalue(), content_type="image/heic"))
    assert response.status_code == 200
    pending = PendingUpload.objects.get()
    assert pending.kind == "photo" and pending.file.name.endswith(".jpg") and pending.width == 640


def test_short_video_is_attached_and_served_as_video(login, users, categories):
    client = login(users["grid_worker"])
    data = form_data(categories)
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 4096
    assert upload(client, data["client_uuid"], SimpleUploadedFile("clip.mp4", mp4, content_type="video/mp4")).status_code == 200
    client.post(REPORT, data)
    attachment = Case.objects.get().attachments.get()
    assert attachment.kind == "video" and attachment.size == len(mp4)
    response = client.get(reverse("cases:file", args=[attachment.case.number, attachment.pk]))
    assert response["Content-Type"] == "video/mp4" and b"".join(response.streaming_content) == mp4
