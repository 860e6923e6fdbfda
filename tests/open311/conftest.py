"""Open311 fixtures: the dispatch fixtures (departments, routed categories, department
staff), attributes on two categories, a client with a key, and an ``api`` helper that
calls the API in either format, checks the content type, parses the body (XML too) and
validates it against the schema of the expected kind."""

import json

import pytest
from django.core.cache import cache

from open311.models import ApiClient, Service, ServiceAttribute, ServiceAttributeValue
from open311.services import key_create
from tests.dispatch.conftest import categories, departments, dept_users, rules  # noqa: F401  (fixtures)

from .schemas import parse_xml, validate

BASE = "/open311/v2/"
KEY = "test-open311-key-1"
POINT = {"lat": "22.95", "long": "113.11"}  # 石湾镇街道 › 丽豪社区第1网格 of the test tree


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def services_data(categories, tree):  # noqa: F811
    """0101 has a required single-value list and an optional multi-value list; 0901 is not public."""
    attr = ServiceAttribute.objects.create(
        category=categories["0101"], code="structure", description="搭建物类型", datatype="singlevaluelist", required=True, order=1,
    )
    ServiceAttributeValue.objects.bulk_create([
        ServiceAttributeValue(attribute=attr, key="shed", name="棚架", order=1),
        ServiceAttributeValue(attribute=attr, key="awning", name="雨棚", order=2),
    ])
    multi = ServiceAttribute.objects.create(
        category=categories["0101"], code="impact", description="影响", datatype="multivaluelist", required=False, order=2,
    )
    ServiceAttributeValue.objects.bulk_create([
        ServiceAttributeValue(attribute=multi, key="walk", name="行人通行", order=1),
        ServiceAttributeValue(attribute=multi, key="fire", name="消防通道", order=2),
    ])
    ServiceAttribute.objects.create(category=categories["0101"], code="floors", description="层数", datatype="number", order=3)
    Service.objects.create(category=categories["0901"], is_public=False)
    return categories


@pytest.fixture
def api_client_row(db):
    client = ApiClient.objects.create(name="随手拍测试", rate_limit=1000)
    key, raw = key_create(client=client, label="t", raw=KEY)
    return client


@pytest.fixture
def api(client):
    """api(method, path, fmt, expect_status, kind, data=None, **extra) -> parsed body (JSON shape)."""

    def call(method, path, *, fmt="json", status=200, kind, data=None, **extra):
        url = f"{BASE}{path}.{fmt}" if path else BASE
        if method == "get":
            response = client.get(url, data or {}, **extra)
        else:
            response = client.post(url, data or {}, **extra)
        body = response.content
        assert response.status_code == status, (response.status_code, body.decode("utf-8", "replace")[:800])
        if fmt == "json":
            assert response["Content-Type"] == "application/json; charset=utf-8"
            parsed = json.loads(body.decode("utf-8"))
        else:
            assert response["Content-Type"] == "text/xml; charset=utf-8"
            parsed = parse_xml(body, kind)
        validate(parsed, kind)
        call.last = response
        return parsed

    return call


def both(api, method, path, **kwargs):
    """The same call in XML and JSON; asserts both give the same document; returns it."""
    as_json = api(method, path, fmt="json", **kwargs)
    as_xml = api(method, path, fmt="xml", **kwargs)
    return as_json, as_xml
