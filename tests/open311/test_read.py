"""Discovery, services and service definitions, in both formats; unknown resources;
methods; the public-data rule of the request list."""

import uuid

import pytest
from django.test import Client

from cases.models import Case
from cases.services import case_report, case_transition
from grids import geo
from grids.services import region_create

from .conftest import BASE, both

pytestmark = pytest.mark.django_db


def test_discovery_in_both_formats(api, services_data):
    as_json, as_xml = both(api, "get", "discovery", kind="discovery")
    assert as_json == as_xml
    endpoint = as_json["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    # The base URL answers with discovery too (XML).
    root = api("get", "", fmt="xml", kind="discovery")
    assert root == as_xml


def test_services_list_public_categories_with_group_and_metadata(api, services_data):
    as_json, as_xml = both(api, "get", "services", kind="services")
    assert as_json == as_xml
    by_code = {s["service_code"]: s for s in as_json}
    assert "0901" not in by_code  # flagged non-public
    assert "01" not in by_code  # a 大类 is a group, not a service
    assert by_code["0101"]["metadata"] is True and by_code["0102"]["metadata"] is False
    assert by_code["0101"]["group"] == "市容环境" and by_code["0101"]["service_name"] == "私搭乱建"
    assert all(s["type"] == "batch" for s in as_json)
    # Codes are strings ("0101", not 101): the spec's JSON examples get this wrong.
    assert isinstance(by_code["0101"]["service_code"], str)


def test_service_definition_lists_attributes_in_order_with_values(api, services_data):
    as_json, as_xml = both(api, "get", "services/0101", kind="service_definition")
    assert as_json == as_xml
    attrs = as_json["attributes"]
    assert [a["code"] for a in attrs] == ["structure", "impact", "floors"]
    assert attrs[0]["required"] is True and attrs[0]["datatype"] == "singlevaluelist"
    assert attrs[0]["values"] == [{"key": "shed", "name": "棚架"}, {"key": "awning", "name": "雨棚"}]
    assert attrs[1]["datatype"] == "multivaluelist"
    assert "values" not in attrs[2]
    plain = api("get", "services/0102", kind="service_definition")
    assert plain == {"service_code": "0102", "attributes": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_resources_are_404_in_the_spec_format(api, services_data, fmt):
    errors = api("get", "services/0901", fmt=fmt, status=404, kind="errors")  # non-public = unknown
    assert errors[0]["code"] == 404
    api("get", "services/9999", fmt=fmt, status=404, kind="errors")
    api("get", "services/" + "9" * 50, fmt=fmt, status=404, kind="errors")
    api("get", "requests/440604-20000101-00001", fmt=fmt, status=404, kind="errors")
    api("get", "tokens/nope", fmt=fmt, status=404, kind="errors")
    api("get", "no/such/thing", fmt=fmt, status=404, kind="errors")


def test_unknown_suffix_and_wrong_method(client, api, services_data):
    response = client.get(f"{BASE}services.html")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/xml")
    errors = api("post", "discovery", status=405, kind="errors", data={"x": "1"})
    assert errors[0]["code"] == 405
    assert api.last["Allow"] == "GET"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_jurisdiction_is_an_error_and_the_right_one_or_empty_is_fine(api, services_data, fmt):
    errors = api("get", "services", fmt=fmt, status=400, kind="errors", data={"jurisdiction_id": "110101"})
    assert "440604" in errors[0]["description"]
    api("get", "services", fmt=fmt, kind="services", data={"jurisdiction_id": "440604"})
    api("get", "services", fmt=fmt, kind="services", data={"jurisdiction_id": ""})


def test_get_responses_allow_cross_origin_reads_and_set_no_cookie(api, services_data):
    api("get", "services", kind="services")
    assert api.last["Access-Control-Allow-Origin"] == "*"
    assert not api.last.cookies


# --- what the public may see --------------------------------------------------------------------

def _report(users, category, **extra):
    case, _ = case_report(
        reporter=extra.pop("reporter", users["grid_worker"]), client_uuid=uuid.uuid4(), category=category,
        description=extra.pop("description", "人行道私搭棚架"), latitude=22.95, longitude=113.11, **extra,
    )
    return case


def test_only_public_safe_cases_and_fields_are_listed(api, users, services_data, rules, tree):
    cats = services_data
    visible = _report(
        users, cats["0101"], description="张三（电话13812345678，身份证440604199001011234）在门口搭棚，座机0757-82345678",
        reporter_name="张三", reporter_phone="13812345678", address="丽豪路8号 13900001111",
    )
    hidden_category = _report(users, cats["0901"])
    pending = _report(users, cats["0101"], reporter=None, source=Case.Source.VOLUNTEER, reporter_name="李四", reporter_phone="13700001234")
    rejected = _report(users, cats["0101"], reporter=None, source=Case.Source.PUBLIC_QR)
    case_transition(case=rejected, action="reject", actor=users["village_staff"], note="不属实")
    duplicate = _report(users, cats["0101"])
    from cases.services import case_merge

    case_merge(case=duplicate, into=visible, actor=users["village_staff"])
    # A case in another district (a second root region) is never listed.
    other = region_create(code="440605", name="南海区", level=1, boundary=geo.rectangle(112.0, 22.0, 112.5, 22.5))
    street = region_create(code="440605001", name="桂城", level=2, parent=other, boundary=geo.rectangle(112.0, 22.0, 112.5, 22.5))
    village = region_create(code="440605001001", name="某村", level=3, parent=street, boundary=geo.rectangle(112.0, 22.0, 112.5, 22.5))
    grid = region_create(code="440605001001001", name="某村第1网格", level=4, parent=village, boundary=geo.rectangle(112.0, 22.0, 112.5, 22.5))
    outside, _ = case_report(
        reporter=users["grid_worker"], client_uuid=uuid.uuid4(), category=cats["0101"], description="别区事件",
        latitude=22.2, longitude=112.2, grid=grid,
    )

    as_json, as_xml = both(api, "get", "requests", kind="requests")
    assert as_json == as_xml
    ids = {r["service_request_id"] for r in as_json}
    assert ids == {visible.number}
    for case in (hidden_category, pending, rejected, duplicate, outside):
        api("get", f"requests/{case.number}", status=404, kind="errors")
        listed = api("get", "requests", kind="requests", data={"service_request_id": case.number})
        assert listed == []

    record = api("get", f"requests/{visible.number}", kind="requests")[0]
    text = api.last.content.decode("utf-8")
    for secret in ("13812345678", "440604199001011234", "82345678", "13900001111", "张三（", "网格员"):
        assert secret not in text, secret
    assert "138****5678" in record["description"] and "440604********1234" in record["description"]
    assert record["address"] == "丽豪路8号 139****1111"
    assert record["status"] == "open" and record["status_notes"] == "已立案"
    assert record["address_id"] == visible.grid.code
    assert record["lat"] == 22.95 and record["long"] == 113.11
    assert "media_url" not in record  # evidence is never served publicly


def test_token_of_a_merged_request_resolves_to_the_original(api, api_client_row, users, services_data, rules):
    from .conftest import KEY, POINT

    created = api("post", "requests", status=201, kind="created", data={
        "api_key": KEY, "service_code": "0102", "description": "垃圾", **POINT})
    token = created[0]["token"]
    original = _report(users, services_data["0102"])
    case = Case.objects.get(open311_submission__token=token)
    from cases.services import case_merge

    case_merge(case=case, into=original, actor=users["village_staff"])
    found = api("get", f"tokens/{token}", kind="token")
    assert found == [{"token": token, "service_request_id": original.number}]


def test_token_of_a_rejected_request_says_so(api, api_client_row, users, services_data, rules):
    from .conftest import KEY, POINT

    token = api("post", "requests", status=201, kind="created", data={
        "api_key": KEY, "service_code": "0102", "description": "垃圾", **POINT})[0]["token"]
    case = Case.objects.get(open311_submission__token=token)
    case_transition(case=case, action="reject", actor=users["village_staff"], note="重复")
    found = api("get", f"tokens/{token}", fmt="xml", kind="token")[0]
    assert "service_request_id" not in found and found["service_notice"]


def test_csrf_exemption_is_limited_to_the_api(users, services_data):
    """The API's POST needs no CSRF token; the rest of the site still does."""
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["grid_worker"], backend="django.contrib.auth.backends.ModelBackend")
    response = strict.post(f"{BASE}requests.json", {"service_code": "0101"})
    assert response.status_code == 403  # refused for the missing api_key, in the spec format …
    assert response.json()[0]["description"].startswith("api_key")  # … not by the CSRF middleware
    response = strict.post("/cases/report/", {"description": "x"})
    assert response.status_code == 403 and b"CSRF" in response.content
    response = strict.post(f"/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
