"""Routing rules as data: .xlsx import (whole file or nothing, errors per row and column) and export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dispatch import services
from dispatch.models import RoutingRule

pytestmark = pytest.mark.django_db
HEADER = ["小类代码", "区域代码", "处置层级", "责任部门代码", "紧急程度", "签收时限", "签收时限单位", "处置时限", "处置时限单位", "启用"]
GOOD = ["0101", "", "镇街", "CGZF", "", 2, "工作小时", 15, "工作日", "是"]


def xlsx(*rows, header=HEADER) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def upload(buf, name="rules.xlsx"):
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_import_creates_and_updates_rules(categories, departments, tree):
    result = services.rules_import_xlsx(file=xlsx(GOOD, ["0901", "440604011", "village", "SJJ", "urgent", 1, "working_hours", 3, "working_days", ""]))
    assert result.ok and result.created == 2
    override = RoutingRule.objects.get(category__code="0901", region=tree["s1"])
    assert override.tier == 3 and override.department.code == "SJJ" and override.urgency == "urgent"
    again = services.rules_import_xlsx(file=xlsx([*GOOD[:7], 10, "工作日", "是"]))
    assert again.ok and again.updated == 1 and RoutingRule.objects.get(category__code="0101").handle_limit == 10


def test_a_rule_pointing_to_a_missing_department_is_refused_with_nothing_imported(categories, departments):
    result = services.rules_import_xlsx(file=xlsx(GOOD, ["0901", "", "镇街", "NOPE", "", 1, "工作小时", 3, "工作日", "是"]))
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "责任部门代码")]
    assert "没有代码为“NOPE”的部门" in result.errors[0].message
    assert RoutingRule.objects.count() == 0  # the good first row was not imported either


def test_a_deadline_import_with_an_invalid_unit_is_refused(categories, departments):
    result = services.rules_import_xlsx(file=xlsx(["0101", "", "镇街", "CGZF", "", 2, "周", 15, "months", "是"]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "签收时限单位"), (2, "处置时限单位")]
    assert "“周”不是有效的时限单位" in result.errors[0].message and "工作小时、工作日" in result.errors[0].message
    assert RoutingRule.objects.count() == 0


def test_every_bad_cell_is_reported_with_its_row_and_column(categories, departments):
    result = services.rules_import_xlsx(file=xlsx(
        ["9999", "123", "省", "CGZF-440604011", "很急", 0, "工作小时", "abc", "工作日", "也许"],
        GOOD, GOOD,
    ))
    where = {(e.row, e.column) for e in result.errors}
    assert {(2, "小类代码"), (2, "区域代码"), (2, "处置层级"), (2, "责任部门代码"), (2, "紧急程度"), (2, "签收时限"), (2, "处置时限"), (2, "启用")} <= where
    assert (4, "区域代码") in where  # duplicate of row 3
    street_unit = next(e for e in result.errors if e.column == "责任部门代码")
    assert "镇街下属单位" in street_unit.message and "CGZF" in street_unit.message


def test_a_file_without_the_headers_or_not_xlsx_is_refused_whole(categories, departments):
    result = services.rules_import_xlsx(file=xlsx(GOOD, header=["foo", "bar"]))
    assert result.errors[0].row is None and "缺少" in result.errors[0].message
    result = services.rules_import_xlsx(file=io.BytesIO(b"not a workbook"))
    assert "不是 .xlsx 工作簿" in result.errors[0].message


def test_export_round_trips(categories, departments, rules, tree):
    from .conftest import rule

    rule(categories["0101"], departments["SJJ"], region=tree["s1"])
    data = services.rules_export_xlsx()
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "小类代码" and len(rows) == 1 + RoutingRule.objects.count()
    before = {(r.category_id, r.region_id, r.tier, r.department_id, r.accept_limit, r.handle_unit) for r in RoutingRule.objects.all()}
    result = services.rules_import_xlsx(file=io.BytesIO(data))
    assert result.ok and result.unchanged == RoutingRule.objects.count() and result.created == result.updated == 0
    assert before == {(r.category_id, r.region_id, r.tier, r.department_id, r.accept_limit, r.handle_unit) for r in RoutingRule.objects.all()}


def test_rules_page_shows_errors_per_row_and_column(users, categories, departments, login):
    client = login(users["district_officer"])
    response = client.post(reverse("dispatch:rules"), {"file": upload(xlsx(["0101", "", "镇街", "NOPE", "", 2, "工作小时", 3, "天", "是"]))})
    body = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何规则" in body and "没有代码为“NOPE”的部门" in body and "“天”不是有效的时限单位" in body
    ok = client.post(reverse("dispatch:rules"), {"file": upload(xlsx(GOOD))}, follow=True)
    assert "新增 1 条" in ok.content.decode()
    export = client.get(reverse("dispatch:rules_export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert login(users["street_officer"]).get(reverse("dispatch:rules")).status_code == 403


def test_rules_page_lists_unrouted_categories(users, rules, login):
    body = login(users["district_officer"]).get(reverse("dispatch:rules")).content.decode()
    assert "个事件分类没有路由规则" in body and "0199 其他" in body


def test_default_rules_load_from_the_category_file(categories, departments, tmp_path):
    import json

    data = [{"code": "01", "name": "市容环境", "subcategories": [
        {"code": "0101", "name": "私搭乱建", "tier": "street", "department": "CGZF", "accept_hours": 2, "handle_limit": 15, "handle_unit": "working_days"},
        {"code": "0102", "name": "暴露垃圾", "tier": "grid", "department": "CGZF", "accept_hours": 0.5, "handle_limit": 4, "handle_unit": "working_hours"},
    ]}]
    path = tmp_path / "categories.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = services.rules_import_category_file(path=path)
    assert result.ok and result.created == 2
    grid_rule = RoutingRule.objects.get(category__code="0102")
    assert grid_rule.tier == 4 and str(grid_rule.accept_limit) == "0.50" and grid_rule.handle_unit == "working_hours"
