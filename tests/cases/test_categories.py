"""Case categories (事件分类): the bundled file, .xlsx round trip, whole-file refusal."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cases.categories import CategoryFileError, subcategory_rows
from cases.models import CaseCategory
from cases.services import category_export_xlsx, category_import_file, category_import_json

pytestmark = pytest.mark.django_db


def xlsx(rows, header=("大类代码", "大类名称", "小类代码", "小类名称", "发现即办", "紧急程度", "常用描述")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_bundled_categories_load_once_and_again_change_nothing():
    result = category_import_json()
    assert result.ok and result.created > 100
    subs = CaseCategory.objects.filter(parent__isnull=False)
    assert subs.count() >= 100
    shop = CaseCategory.objects.get(code="0504")
    assert shop.parent.name == "街面秩序" and shop.on_discovery and shop.phrases
    again = category_import_json()
    assert again.ok and again.created == 0 and again.updated == 0


def test_raw_rows_carry_the_routing_fields_for_dispatch():
    rows = {row["code"]: row for row in subcategory_rows(__import__("cases.demo", fromlist=["DATA"]).DATA)}
    assert rows["0504"]["department"] == "CGZF" and rows["0504"]["tier"] == "village"
    assert rows["0504"]["handle_unit"] == "working_days" and rows["0504"]["accept_hours"] > 0
    assert not CaseCategory.objects.exists()  # parsing writes nothing


def test_xlsx_export_then_import_round_trips():
    category_import_json()
    content = category_export_xlsx()
    ws = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["大类代码", "大类名称", "小类代码", "小类名称"]
    CaseCategory.objects.filter(code="0504").update(name="改过的名字", on_discovery=False)
    result = category_import_file(file=io.BytesIO(content), name="export.xlsx")
    assert result.ok and result.updated == 1 and result.created == 0
    restored = CaseCategory.objects.get(code="0504")
    assert restored.name == "店外经营(占道经营)" and restored.on_discovery


def test_bad_rows_refuse_the_whole_file_with_a_report_per_row():
    content = xlsx([
        ("05", "街面秩序", "0504", "店外经营", "是", "普通", "门口摆卖；占用人行道"),
        ("05", "街面秩序", "0604", "放错大类", "否", "普通", ""),
        ("05", "街面秩序", "0505", "", "否", "特别急", ""),
        ("05", "街面秩序", "0504", "重复代码", "也许", "普通", ""),
    ])
    result = category_import_file(file=io.BytesIO(content), name="bad.xlsx")
    assert not result.ok and not CaseCategory.objects.exists()  # nothing half-imported
    messages = [str(e) for e in result.errors]
    assert "第 3 行: 小类代码 0604 没有以所属大类代码 05 开头。" in messages
    assert "第 4 行: 小类名称为空。" in messages
    assert any(m.startswith("第 4 行: “特别急”不是有效的紧急程度") for m in messages)
    assert "第 5 行: 小类代码 0504 重复出现。" in messages
    assert "第 5 行: “也许”不是“是/否”。" in messages


def test_excel_mangled_codes_and_phrases_are_understood():
    content = xlsx([(5, "街面秩序", 504, "店外经营", "是", "紧急", "门口摆卖\n占用人行道")])
    result = category_import_file(file=io.BytesIO(content), name="ok.xlsx")
    assert result.ok
    cat = CaseCategory.objects.get(code="0504")
    assert cat.parent.code == "05" and cat.default_urgency == "urgent" and cat.phrases == ["门口摆卖", "占用人行道"]


def test_not_a_workbook_is_refused_as_a_whole():
    result = category_import_file(file=io.BytesIO(b"just text"), name="categories.xlsx")
    assert [str(e) for e in result.errors] == ["文件: 文件不是 .xlsx 工作簿。"]
    result = category_import_file(file=io.BytesIO(xlsx([("05", "街面秩序", "0504", "x", "", "", "")], header=("a", "b"))), name="x.xlsx")
    assert "第一行必须是列标题；缺少：大类代码、大类名称、小类代码、小类名称。" in str(result.errors[0])
    with pytest.raises(CategoryFileError):
        list(subcategory_rows(io.BytesIO(b"[1, 2]")))


def test_json_with_an_error_imports_nothing():
    data = json.dumps([{"code": "05", "name": "街面秩序", "subcategories": [
        {"code": "0504", "name": "店外经营"}, {"code": "0505", "name": "x", "urgency": "soon"}]}]).encode()
    result = category_import_file(file=io.BytesIO(data), name="c.json")
    assert [e.where for e in result.errors] == ["05 › 0505"] and not CaseCategory.objects.exists()


def test_category_page_imports_exports_and_reports_errors(login, users):
    client = login(users["district_officer"])
    bad = SimpleUploadedFile("bad.xlsx", xlsx([("05", "街面秩序", "9999", "错", "否", "普通", "")]))
    html = client.post(reverse("cases:categories"), {"file": bad}).content.decode()
    assert "未导入任何数据：文件中有 1 处问题。" in html and "第 2 行" in html
    good = SimpleUploadedFile("good.xlsx", xlsx([("05", "街面秩序", "0504", "店外经营", "是", "普通", "门口摆卖")]))
    response = client.post(reverse("cases:categories"), {"file": good})
    assert response.status_code == 302
    assert "导入完成：新增 2 条" in client.get(response.url).content.decode()
    export = client.get(reverse("cases:categories_export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(export.content)).active.cell(2, 3).value == "0504"
    assert "请选择要导入的文件。" in client.post(reverse("cases:categories"), {}).content.decode()
