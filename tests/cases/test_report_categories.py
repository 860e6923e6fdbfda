"""The report form's categories come from the per-process reference data (core/refdata.py): no
category query per report, and every change — a save, a delete, or a bulk write that skips the
model signals — reaches the next request."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseCategory

pytestmark = pytest.mark.django_db

REPORT = reverse("cases:report")


def report_data(chosen, **overrides):
    data = {"client_uuid": str(uuid.uuid4()), "category": str(chosen.pk), "description": "门前乱堆纸箱",
            "latitude": "22.95", "longitude": "113.11", "address": "", "place_name": "", "urgency": ""}
    data.update(overrides)
    return data


def category_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "cases_casecategory" in q["sql"]]


def test_a_report_reads_no_category_from_the_database(login, users, categories):
    client = login(users["grid_worker"])
    client.get(REPORT)  # the process builds its set once
    with CaptureQueriesContext(connection) as page:
        assert client.get(REPORT).status_code == 200
    with CaptureQueriesContext(connection) as submit:
        response = client.post(REPORT, report_data(categories["0507"]))
    assert response.status_code == 302 and Case.objects.get().category == categories["0507"]
    assert category_queries(page.captured_queries) == []
    assert category_queries(submit.captured_queries) == []


def test_a_saved_change_reaches_the_next_request(login, users, categories):
    client = login(users["grid_worker"])
    client.get(REPORT)
    shop = categories["0504"]
    shop.name = "店外经营(占道经营)"
    shop.phrases = ["水果摊占用人行道"]
    shop.save()
    page = client.get(REPORT).content.decode()
    assert "店外经营(占道经营)" in page and "水果摊占用人行道" in page
    shop.is_active = False
    shop.save()
    assert "店外经营" not in client.get(REPORT).content.decode()


def test_a_bulk_update_that_skips_the_signals_still_retires_the_category(login, users, categories):
    client = login(users["grid_worker"])
    client.get(REPORT)
    CaseCategory.objects.filter(code="0507").update(is_active=False)
    response = client.post(REPORT, report_data(categories["0507"]))
    assert response.status_code == 200 and Case.objects.count() == 0
    assert "请从列表中选择事件分类。" in response.content.decode()
    # bulk_update ends in update(); bulk_create bumps too.
    CaseCategory.objects.bulk_update([CaseCategory(pk=categories["0507"].pk, is_active=True)], ["is_active"])
    CaseCategory.objects.bulk_create([CaseCategory(code="0508", name="商业噪音", parent=categories["major"], on_discovery=True)])
    page = client.get(REPORT).content.decode()
    assert "乱堆物料" in page and "商业噪音" in page


def test_a_deleted_category_is_gone_at_the_next_request(login, users, categories):
    client = login(users["grid_worker"])
    client.get(REPORT)
    categories["0504"].delete()
    assert "店外经营" not in client.get(REPORT).content.decode()


@pytest.mark.parametrize("value", ["", "abc", "0", "99999999", "1.5", "-1"])
def test_a_category_that_is_not_an_active_sub_class_is_refused_with_a_message(login, users, categories, value):
    response = login(users["grid_worker"]).post(REPORT, report_data(categories["0507"], category=value))
    assert response.status_code == 200 and Case.objects.count() == 0
    html = response.content.decode()
    assert ("请选择事件分类。" if value == "" else "请从列表中选择事件分类。") in html
    assert "门前乱堆纸箱" in html  # what was typed is kept


def test_a_major_class_is_not_a_choice(login, users, categories):
    response = login(users["grid_worker"]).post(REPORT, report_data(categories["major"]))
    assert Case.objects.count() == 0 and "请从列表中选择事件分类。" in response.content.decode()
