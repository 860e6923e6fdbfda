"""One-click fill: the cells of known records, the outcome sheet, scope, official layout."""

import openpyxl
import pytest

from forms_fill.fill import check_keys, write_fill
from tests.forms_fill.conftest import make_id


def fill(template, user, tmp_path, keys=None, filters=None, region_path=""):
    out = tmp_path / "out.xlsx"
    valid, outcomes = (check_keys(template.entity, keys) if keys is not None else (None, None))
    counts = write_fill(template=template, user=user, region_path=region_path, out=out, keys=valid,
                        outcomes=outcomes, filters=filters)
    return openpyxl.load_workbook(out), counts


def all_text(wb):
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def test_composed_table_has_the_expected_cells_and_outcomes(people, composed, users, tmp_path):
    a, b, c = people["inside"]
    out_of_scope = people["outside"][0]
    unknown = make_id(seq=999)
    keys = [b.id_number, a.id_number.lower(), "４４" + a.id_number[2:], out_of_scope.id_number, unknown, "12345",
            c.id_number[:17] + ("0" if c.id_number[17] != "0" else "1")]
    wb, counts = fill(composed, users["village_staff"], tmp_path, keys=keys)
    ws = wb.worksheets[0]
    assert ws["A1"].value == "人口基础信息表" and ws["A2"].value == "填报单位:丽豪社区"
    assert [ws.cell(3, i).value for i in range(1, 11)] == [
        "序号", "姓名", "公民身份号码", "性别", "出生日期", "联系电话", "所属网格", "就业状态", "工作单位", "宗教信仰"]
    # Rows in the order the keys were given; sensitive columns in full in the file.
    assert [ws.cell(4, i).value for i in range(1, 10)] == [
        1, b.name, b.id_number, "女", "1990-05-17", b.phone, "丽豪社区第2网格", "在业", "测试公司2"]
    assert ws.cell(5, 2).value == a.name and ws.cell(5, 3).value == a.id_number
    assert ws.max_row == 5  # two people filled (the third key is a duplicate of the second)
    outcome = wb["填报结果"]
    statuses = [outcome.cell(r, 4).value for r in range(2, 2 + len(keys))]
    assert statuses == ["已填写", "已填写", "重复(已在前面填写)", "本辖区未找到", "本辖区未找到", "号码无效", "号码无效"]
    assert "校验" in outcome.cell(8, 5).value
    assert counts == {"rows": 2, "filled": 2, "not_found": 2, "invalid": 2, "duplicate": 1}
    # Out-of-scope records are never filled: their data appears nowhere in the workbook.
    text = all_text(wb)
    assert out_of_scope.name not in text and out_of_scope.phone not in text


def test_a_district_officer_fills_the_same_key_the_village_cannot(people, composed, users, tmp_path):
    outside = people["outside"][0]
    wb, counts = fill(composed, users["district_officer"], tmp_path, keys=[outside.id_number])
    assert counts["filled"] == 1 and wb.worksheets[0].cell(4, 2).value == outside.name


def test_deleted_people_are_not_filled(people, composed, users, tmp_path):
    from django.utils import timezone

    a = people["inside"][0]
    type(a).objects.filter(pk=a.pk).update(deleted_at=timezone.now())
    _wb, counts = fill(composed, users["village_staff"], tmp_path, keys=[a.id_number])
    assert counts["not_found"] == 1 and counts["rows"] == 0


def test_fill_everything_matching_a_filter_stays_in_the_jurisdiction(people, composed, users, tmp_path):
    wb, counts = fill(composed, users["village_staff"], tmp_path, filters={"sex": "M"})
    names = {wb.worksheets[0].cell(r, 2).value for r in range(4, wb.worksheets[0].max_row + 1)}
    assert names == {"测试001", "测试003"}  # 测试005 is male too, but in 镇安村
    assert "填报结果" not in wb.sheetnames


def test_official_template_keeps_merges_fonts_widths_and_fills_its_columns(people, official, users, tmp_path):
    a, b, _c = people["inside"]
    wb, counts = fill(official, users["village_staff"], tmp_path, keys=[a.id_number, b.id_number])
    ws = wb["就业人员登记表"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:O1", "A2:H2", "I2:O2", "A3:A4", "B3:I3", "J3:N3", "O3:O4"} <= merged
    assert ws["A1"].value == "就业人员登记表" and ws["A1"].font.sz == 18 and ws["A1"].font.b
    assert ws["E4"].value == "公民身份号码" and ws["E4"].font.name == "黑体" and ws["E4"].fill.fgColor.rgb.endswith("D9E1F2")
    assert ws.column_dimensions["E"].width == 21 and ws.column_dimensions["H"].width == 32
    assert ws.freeze_panes == "C5"
    # Data from row 5, in the template's body style (宋体 10, thin borders).
    assert [ws[f"{col}5"].value for col in "ABCDEFIJK"] == [
        1, a.name, "男", "汉族", a.id_number, "1990-05-17", a.phone, "在业", "测试公司1"]
    assert ws["B6"].value == b.name and ws["C6"].value == "女"
    assert ws["E5"].font.name == "宋体" and ws["E5"].font.sz == 10 and ws["E5"].border.left.style == "thin"
    assert ws.max_row == 6  # the template's empty sample rows below the data are gone
    assert wb["填报结果"].cell(2, 4).value == "已填写"
    assert counts["filled"] == 2


def test_a_template_that_is_not_a_workbook_is_a_clear_error(composed, users, tmp_path):
    from forms_fill.xlsx import TemplateError, splice

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(TemplateError):
        splice(skeleton=bad, out=tmp_path / "o.xlsx", first_data_row=2, columns=[], rows=[])


def test_cell_text_is_escaped_and_illegal_characters_dropped(people, composed, users, tmp_path):
    a = people["inside"][0]
    type(a).objects.filter(pk=a.pk).update(name="<b>&\x07测试")
    wb, _ = fill(composed, users["village_staff"], tmp_path, keys=[a.id_number])
    assert wb.worksheets[0].cell(4, 2).value == "<b>&测试"
