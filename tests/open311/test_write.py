"""POST requests: refusals (each alone, and several at once), locations, attributes,
media, idempotent retries, the rate limit, and the round trip through dispatch."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cases.models import Case, CaseAttachment, CaseEvent
from cases.services import case_transition
from dispatch.services import case_accept, case_close, case_dispatch, case_handle
from open311.models import ApiClient, Submission
from open311.services import key_create, key_revoke
from tests.dispatch.conftest import photos

from .conftest import KEY, POINT

pytestmark = pytest.mark.django_db


def post(api, data, *, fmt="json", status=201, kind="created", **extra):
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "en")  # the messages' words are checked in English
    return api("post", "requests", fmt=fmt, status=status, kind=kind, data=data, **extra)


def valid(**over):
    data = {"api_key": KEY, "service_code": "0101", "attribute[structure]": "shed", "description": "人行道私搭棚架", **POINT}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


# --- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "wrong-key-123456"])
def test_missing_or_wrong_key_is_403(api, api_client_row, services_data, fmt, key):
    errors = post(api, valid(api_key=key), fmt=fmt, status=403, kind="errors")
    assert errors[0]["code"] == 403 and "api_key" in errors[0]["description"]
    assert not Case.objects.exists()


def test_revoked_key_and_disabled_client_are_403(api, api_client_row, services_data):
    key, raw = key_create(client=api_client_row, label="second")
    post(api, valid(api_key=raw))
    key_revoke(key=key)
    post(api, valid(api_key=raw), status=403, kind="errors")
    ApiClient.objects.filter(pk=api_client_row.pk).update(is_active=False)
    post(api, valid(), status=403, kind="errors")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("over, words", [
    ({"service_code": None}, "service_code is required"),
    ({"service_code": ""}, "service_code is required"),
    ({"service_code": "9999"}, "9999"),
    ({"service_code": "0901"}, "0901"),  # not public: not a service
    ({"service_code": "01"}, "01"),  # a 大类
    ({"attribute[structure]": None}, "attribute[structure]"),
    ({"attribute[structure]": "castle"}, "castle"),
    ({"attribute[impact][]": ["walk", "moon"]}, "moon"),
    ({"attribute[floors]": "three"}, "attribute[floors]"),
    ({"lat": None, "long": None}, "location"),
    ({"lat": "", "long": ""}, "location"),
    ({"long": None}, "lat and long"),
    ({"lat": "abc"}, "lat and long"),
    ({"lat": "nan"}, "lat and long"),
    ({"lat": "95"}, "between"),
    ({"lat": "40.0", "long": "116.4"}, "outside"),  # Beijing
    ({"jurisdiction_id": "110101"}, "440604"),
    ({"description": "长" * 4001}, "4000"),
    ({"email": "not-an-email"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"first_name": "名" * 40}, "first_name"),
    ({"lat": None, "long": None, "address_string": "火星基地"}, "address_string"),
    ({"lat": None, "long": None, "address_id": "110101001"}, "address_id"),
])
def test_bad_input_is_400_with_a_clear_error_and_nothing_written(api, api_client_row, services_data, fmt, over, words):
    errors = post(api, valid(**over), fmt=fmt, status=400, kind="errors")
    assert any(words in e["description"] for e in errors), errors
    assert all(e["code"] == 400 for e in errors)
    assert not Case.objects.exists() and not Submission.objects.exists()


def test_several_errors_at_once(api, api_client_row, services_data):
    errors = post(api, valid(service_code=None, lat=None, long=None, email="x", jurisdiction_id="1"), status=400, kind="errors")
    text = " | ".join(e["description"] for e in errors)
    assert len(errors) == 4, text
    for words in ("service_code", "location", "email", "jurisdiction_id"):
        assert words in text


def test_a_required_attribute_and_a_wrong_list_value_are_reported_together(api, api_client_row, services_data):
    errors = post(api, valid(**{"attribute[structure]": None, "attribute[impact][]": ["zzz"]}), status=400, kind="errors")
    assert len(errors) == 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nul_byte_is_refused_in_the_spec_format(api, api_client_row, services_data, fmt):
    post(api, valid(description="坏\x00字节"), fmt=fmt, status=400, kind="errors")
    api("get", "requests", fmt=fmt, status=400, kind="errors", data={"status": "open\x00"})
    assert not Case.objects.exists()


def test_a_fake_image_is_refused_like_every_other_upload(api, api_client_row, services_data):
    fake = SimpleUploadedFile("photo.jpg", b"this is not a picture at all", content_type="image/jpeg")
    errors = post(api, {**valid(), "media": fake}, status=400, kind="errors")
    assert "photo.jpg" in errors[0]["description"] and "not an image" in errors[0]["description"]
    assert not Case.objects.exists()


# --- creating -----------------------------------------------------------------------------------

def _png(colour=(10, 120, 200)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), colour).save(buf, format="PNG")
    return SimpleUploadedFile("site.png", buf.getvalue(), content_type="image/png")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_create_waits_for_triage_and_answers_with_a_token(api, api_client_row, services_data, fmt):
    created = post(api, valid(**{
        "attribute[impact][]": ["walk", "fire"], "attribute[floors]": "2", "first_name": "小明", "last_name": "王",
        "phone": "13800001111", "email": "wang@example.com", "account_id": "acct-7", "device_id": "dev-1",
        "media_url": "https://img.example.com/a.jpg", "address_string": "丽豪路8号",
    }), fmt=fmt)
    record = created[0]
    assert "service_request_id" not in record and record["token"] and record["account_id"] == "acct-7"
    case = Case.objects.get()
    assert case.status == Case.Status.PENDING_TRIAGE and case.source == Case.Source.OPEN_API
    assert case.reporter is None and case.reporter_name == "王小明" and case.reporter_phone == "13800001111"
    assert case.address == "丽豪路8号" and case.grid.code == "440604011001001"
    submission = case.open311_submission
    assert submission.token == record["token"] and submission.email == "wang@example.com"
    assert submission.attributes == {"structure": "shed", "impact": ["walk", "fire"], "floors": "2"}
    event = case.events.get(action="open311")
    assert "搭建物类型：棚架" in event.note and "影响：行人通行、消防通道" in event.note and "https://img.example.com/a.jpg" in event.note
    # Not public yet: the token tells so, the list does not show it.
    assert api("get", f"tokens/{record['token']}", fmt=fmt, kind="token") == [{"token": record["token"]}]
    assert api("get", "requests", fmt=fmt, kind="requests") == []


def test_description_is_optional_and_media_is_checked_and_kept(api, api_client_row, services_data):
    post(api, {**valid(description=None), "media": [_png(), _png((200, 10, 10))]})
    case = Case.objects.get()
    assert "私搭乱建" in case.description
    photos_kept = list(case.attachments.all())
    assert len(photos_kept) == 2 and all(p.kind == CaseAttachment.Kind.PHOTO for p in photos_kept)
    assert all(p.file.name.endswith(".jpg") for p in photos_kept)  # re-encoded, EXIF stripped
    errors = post(api, {**valid(), "media": [_png((i, i, i)) for i in range(4)]}, status=400, kind="errors")
    assert "3" in errors[0]["description"]


def test_address_string_and_address_id_place_the_case(api, api_client_row, services_data):
    post(api, valid(lat=None, long=None, address_string="石湾镇街道东风社区文华路3号"))
    post(api, valid(lat=None, long=None, address_id="440604010001002"))
    cases = list(Case.objects.order_by("id"))
    assert cases[0].grid.code.startswith("440604011002") and cases[0].address == "石湾镇街道东风社区文华路3号"
    assert cases[1].grid.code == "440604010001002"
    assert "440604010001002" in cases[1].events.get(action="open311").note


def test_empty_optional_parameters_behave_as_absent(api, api_client_row, services_data):
    post(api, valid(**{
        "address_string": "", "address_id": "", "email": "", "phone": "", "first_name": "", "last_name": "",
        "media_url": "", "device_id": "", "account_id": "", "jurisdiction_id": "", "attribute[impact][]": "",
        "attribute[floors]": "", "description": "有内容",
    }))
    case = Case.objects.get()
    assert case.reporter_name == "" and case.open311_submission.attributes == {"structure": "shed"}
    empty = {k: "" for k in ("service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size", "jurisdiction_id")}
    assert api("get", "requests", kind="requests", data=empty) == api("get", "requests", kind="requests")


def test_a_trusted_client_gets_the_service_request_id_at_once(api, api_client_row, services_data, rules, departments):
    ApiClient.objects.filter(pk=api_client_row.pk).update(skip_triage=True)
    created = post(api, valid(), fmt="xml")
    case = Case.objects.get()
    assert created == [{"service_request_id": case.number}]
    assert case.status == Case.Status.REGISTERED and case.department is not None
    assert api("get", f"requests/{case.number}", kind="requests")[0]["status"] == "open"


# --- idempotency ----------------------------------------------------------------------------------

def test_a_retried_post_with_the_same_request_id_gets_the_same_answer(api, api_client_row, services_data):
    first = post(api, valid(), HTTP_X_REQUEST_ID="req-42")
    again = post(api, valid(), status=200, HTTP_X_REQUEST_ID="req-42")
    assert again == first and Case.objects.count() == 1
    # The parameter form of the client id works the same way (and is independent of the header's ids).
    third = post(api, valid(client_request_id="req-43"))
    fourth = post(api, valid(client_request_id="req-43"), status=200, fmt="xml")
    assert third[0]["token"] == fourth[0]["token"] != first[0]["token"] and Case.objects.count() == 2
    # Without an id every POST is a new request.
    post(api, valid())
    assert Case.objects.count() == 3


def test_a_retry_after_registration_gets_the_service_request_id(api, api_client_row, users, services_data, rules):
    post(api, valid(), HTTP_X_REQUEST_ID="r1")
    case = Case.objects.get()
    case_transition(case=case, action="register", actor=users["village_staff"])
    again = post(api, valid(), status=200, HTTP_X_REQUEST_ID="r1")
    assert again == [{"service_request_id": case.number}]


def test_the_same_request_id_from_another_client_is_another_request(api, api_client_row, services_data):
    other = ApiClient.objects.create(name="另一个应用")
    _key, raw = key_create(client=other, raw="other-client-key-1")
    post(api, valid(), HTTP_X_REQUEST_ID="same")
    post(api, valid(api_key=raw), HTTP_X_REQUEST_ID="same")
    assert Case.objects.count() == 2


# --- rate limit -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_rate_limit_per_key_answers_429_with_a_clear_error(api, api_client_row, services_data, fmt):
    ApiClient.objects.filter(pk=api_client_row.pk).update(rate_limit=2)
    post(api, valid(), fmt=fmt)
    post(api, valid(), fmt=fmt)
    errors = post(api, valid(), fmt=fmt, status=429, kind="errors")
    assert errors[0]["code"] == 429 and "2" in errors[0]["description"]
    assert 1 <= int(api.last["Retry-After"]) <= 60
    assert Case.objects.count() == 2
    # Another key of the same client has its own counter.
    _key, raw = key_create(client=api_client_row, label="b")
    post(api, valid(api_key=raw), fmt=fmt)


def test_the_rate_window_turns_over(api_client_row):
    from open311.models import ApiKey
    from open311.services import ApiError, rate_limit_check

    ApiClient.objects.filter(pk=api_client_row.pk).update(rate_limit=1)
    key = ApiKey.objects.select_related("client").get()
    rate_limit_check(key=key, now=600.0)
    with pytest.raises(ApiError) as exc:
        rate_limit_check(key=key, now=630.0)
    assert exc.value.status == 429 and exc.value.headers["Retry-After"] == "30"
    rate_limit_check(key=key, now=661.0)  # the next minute


# --- the round trip -------------------------------------------------------------------------------

def test_round_trip_post_find_dispatch_close(api, api_client_row, users, services_data, rules, departments, dept_users):
    token = post(api, valid(description="人行道搭了铁皮棚"))[0]["token"]
    case = Case.objects.get()
    # Triage by the village registers it (routed by dispatch) and the token resolves.
    case = case_transition(case=case, action="register", actor=users["village_staff"])
    assert api("get", f"tokens/{token}", kind="token") == [{"token": token, "service_request_id": case.number}]

    record = api("get", f"requests/{case.number}", kind="requests")[0]
    assert record["status"] == "open" and record["status_notes"] == "已立案"
    assert record["service_code"] == "0101" and record["description"] == "人行道搭了铁皮棚"
    assert record["expected_datetime"]  # the handling deadline from the routing rule
    listed = api("get", "requests", kind="requests", data={"status": "open", "service_code": "0101,0102"})
    assert [r["service_request_id"] for r in listed] == [case.number]
    assert api("get", "requests", kind="requests", data={"status": "closed"}) == []

    unit = departments["CGZF-440604011"]
    case = case_dispatch(case=case, department=unit, by=users["street_officer"])
    record = api("get", f"requests/{case.number}", fmt="xml", kind="requests")[0]
    assert record["agency_responsible"] == unit.name and record["status_notes"] == "已派遣"
    case = case_accept(case=case, by=dept_users["cgzf_s1"])
    case = case_handle(case=case, by=dept_users["cgzf_s1"], note="已拆除", evidence_items=photos())
    case = case_transition(case=case, action="verify", actor=users["grid_worker"], note="现场已清理")
    before_close = api("get", f"requests/{case.number}", kind="requests")[0]
    assert before_close["status"] == "open"
    case = case_close(case=case, by=users["street_officer"])

    as_json = api("get", f"requests/{case.number}", kind="requests")[0]
    as_xml = api("get", f"requests/{case.number}", fmt="xml", kind="requests")[0]
    assert as_json == as_xml
    assert as_json["status"] == "closed" and as_json["status_notes"] == "已结案"
    assert "expected_datetime" not in as_json
    updated = dt.datetime.fromisoformat(as_json["updated_datetime"])
    assert updated.utcoffset() == dt.timedelta(hours=8)
    assert updated >= dt.datetime.fromisoformat(before_close["updated_datetime"])
    assert abs(updated - case.closed_at) < dt.timedelta(seconds=2)
    closed = api("get", "requests", kind="requests", data={"status": "closed"})
    assert [r["service_request_id"] for r in closed] == [case.number]
    assert api("get", "requests", kind="requests", data={"status": "open"}) == []


# --- searching ------------------------------------------------------------------------------------

def test_search_filters_dates_ids_and_pages(api, api_client_row, users, services_data, rules):
    from .test_read import _report

    cats = services_data
    cases = [_report(users, cats["0101" if i % 2 else "0102"]) for i in range(5)]
    old = cases[0]
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    default = api("get", "requests", kind="requests")
    assert old.number not in {r["service_request_id"] for r in default} and len(default) == 4
    # ids override every other filter (even a date window that excludes them)
    by_ids = api("get", "requests", kind="requests", data={
        "service_request_id": f"{old.number}, {cases[1].number},", "status": "closed", "service_code": "9999"})
    assert {r["service_request_id"] for r in by_ids} == {old.number, cases[1].number}
    start = (timezone.now() - dt.timedelta(days=130)).isoformat()
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    windowed = api("get", "requests", kind="requests", data={"start_date": start, "end_date": end})
    assert [r["service_request_id"] for r in windowed] == [old.number]
    only_start = api("get", "requests", kind="requests", data={"start_date": start})
    assert [r["service_request_id"] for r in only_start] == [old.number]  # start + 90 days
    day = timezone.localdate().isoformat()
    assert len(api("get", "requests", kind="requests", data={"start_date": day, "end_date": day})) == 4
    assert len(api("get", "requests", kind="requests", data={"service_code": "0102"})) == 2
    page1 = api("get", "requests", kind="requests", data={"page_size": "3"})
    page2 = api("get", "requests", kind="requests", data={"page_size": "3", "page": "2"})
    assert len(page1) == 3 and len(page2) == 1
    assert {r["service_request_id"] for r in page1 + page2} == {r["service_request_id"] for r in default}
    newest_first = [r["requested_datetime"] for r in default]
    assert newest_first == sorted(newest_first, reverse=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("params, words", [
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
    ({"start_date": "2026-06-01", "end_date": "2026-01-01"}, "before"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-45"}, "end_date"),
    ({"status": "pending"}, "status"),
    ({"page": "0"}, "page"),
    ({"page_size": "5000"}, "page_size"),
    ({"page": "x"}, "page"),
])
def test_bad_search_parameters_are_400(api, services_data, fmt, params, words):
    errors = api("get", "requests", fmt=fmt, status=400, kind="errors", data=params, HTTP_ACCEPT_LANGUAGE="en")
    assert any(words in e["description"] for e in errors), errors


def test_several_bad_search_parameters_are_reported_together(api, services_data):
    errors = api("get", "requests", status=400, kind="errors", data={"status": "x", "page": "-1", "start_date": "nope"})
    assert len(errors) == 3


def test_messages_are_chinese_by_default_and_english_on_request(api, api_client_row, services_data):
    chinese = api("post", "requests", status=400, kind="errors", data=valid(service_code=None))
    assert chinese[0]["description"] == "service_code 为必填项。"
    english = post(api, valid(service_code=None), status=400, kind="errors")
    assert english[0]["description"] == "service_code is required."
    notice = api("post", "requests", status=201, kind="created", data=valid())[0]["service_notice"]
    assert "初筛" in notice


def test_an_unencoded_plus_in_a_zone_is_read_as_meant(api, users, services_data, rules):
    from .test_read import _report

    from open311.services import parse_moment

    assert parse_moment("2026-11-01T00:00:00 08:00") == dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.timezone.utc)
    older = _report(users, services_data["0101"])
    Case.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    case = _report(users, services_data["0101"])
    local = timezone.localtime(case.created_at)
    start = (local - dt.timedelta(minutes=5)).replace(microsecond=0).isoformat()  # "…+08:00"
    response = api("get", "requests", kind="requests", QUERY_STRING=f"start_date={start}")
    assert "+" in start
    assert [r["service_request_id"] for r in response] == [case.number]
