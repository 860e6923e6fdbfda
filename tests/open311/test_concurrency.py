"""Concurrent retries of one POST (same key, same X-Request-Id) create one case.

Each thread has its own database connection, so the unique constraints (Case.client_uuid,
Submission(client, request_id)) are exercised for real: PostgreSQL only (CI)."""

import pytest
from django.db import connection
from django.test import Client

from cases.models import Case
from open311.models import Submission
from tests.cases.test_concurrency import run_together

from .conftest import KEY, POINT

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]


def test_ten_concurrent_retries_with_one_request_id_create_one_case(api_client_row, services_data):
    data = {"api_key": KEY, "service_code": "0102", "description": "垃圾桶满溢", **POINT}

    def work(_i):
        response = Client().post("/open311/v2/requests.json", data, HTTP_X_REQUEST_ID="same-retry")
        return response.status_code, response.json()

    results = run_together(10, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(status for status, _body in results)
    assert statuses.count(201) == 1 and statuses.count(200) == 9, statuses
    tokens = {body[0]["token"] for _status, body in results}
    assert len(tokens) == 1
    assert Case.objects.count() == 1 and Submission.objects.count() == 1
