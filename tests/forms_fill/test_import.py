"""Import of people and enterprises: upsert, whole file or nothing, the per-row report."""

import csv
import datetime

import openpyxl
import pytest

from core.identifiers import credit_code_check_char
from forms_fill.imports import run_import
from forms_fill.models import Person, RecordChange
from tests.forms_fill.conftest import make_id

HEADER = ["姓名", "公民身份号码", "所属网格", "联系电话", "就业状态", "工作单位", "就业登记日期", "性别"]


def xlsx(path, rows, header=HEADER, preface=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in preface:
        ws.append(line)
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return str(path)


def good_rows():
    return [
        ["新人甲", make_id(seq=101), "丽豪社区第1网格", "13900000101", "在业", "甲公司", "2024-03-01", "女"],
        ["新人乙", make_id(seq=102).lower(), "440604011001002", "139 0000 0102", "失业", "", "2024/4/2", ""],
    ]


def test_import_creates_and_updates_and_records_sources(people, users, tmp_path):
    existing = people["inside"][0]
    rows = good_rows() + [[existing.name, existing.id_number, "丽豪社区第1网格", "13900000999", "灵活就业", "", "", ""]]
    report = run_import(entity="person", path=xlsx(tmp_path / "a.xlsx", rows, preface=[["人社局回流数据"]]),
                        name="a.xlsx", user=users["village_staff"], source="区人社局 2026-11")
    assert report.ok, report.as_dict()
    assert (report.rows, report.created, report.updated) == (3, 2, 1)
    assert report.ignored_columns == ["性别"]  # derived from the ID number
    new = Person.objects.get(id_number=make_id(seq=102))
    assert new.name == "新人乙" and new.phone == "13900000102" and new.region.code == "440604011001002"
    assert new.sex == "F" and new.birth_date == datetime.date(1990, 5, 17)
    assert new.attributes["employment_date"] == "2024-04-02" and "employer" not in new.attributes
    assert new.sources["phone"] == {"source": "区人社局 2026-11", "date": new.sources["phone"]["date"]}
    existing.refresh_from_db()
    assert existing.phone == "13900000999" and existing.attributes["employment_status"] == "灵活就业"
    assert existing.attributes["employer"] == "测试公司1"  # an empty cell keeps what was stored
    change = RecordChange.objects.get(entity="person", object_id=existing.pk)
    assert change.action == "import" and change.user == users["village_staff"]
    assert change.changes["phone"] == ["138****0001", "139****0999"]  # masked in the history
    # Running the same file again changes nothing (idempotent: a job may be re-run).
    again = run_import(entity="person", path=xlsx(tmp_path / "b.xlsx", rows), name="b.xlsx",
                       user=users["village_staff"], source="区人社局 2026-11")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_one_bad_row_changes_nothing_and_the_report_names_every_problem(people, users, tmp_path):
    existing = people["inside"][0]
    outside_grid = "镇安村第1网格"
    bad_check = make_id(seq=103)[:17] + ("0" if make_id(seq=103)[17] != "0" else "1")
    rows = good_rows() + [
        [existing.name, existing.id_number, "丽豪社区第1网格", "13900000999", "", "", "", ""],
        ["错号", bad_check, "丽豪社区第1网格", "", "", "", "", ""],
        ["错日期", make_id(seq=104), "丽豪社区第1网格", "", "", "", "2024-13-40", ""],
        ["无网格", make_id(seq=105), "火星第1网格", "", "", "", "", ""],
        ["辖区外", make_id(seq=106), outside_grid, "", "", "", "", ""],
        ["坏电话", make_id(seq=107), "丽豪社区第1网格", "12345", "", "", "", ""],
    ]
    before = list(Person.objects.order_by("pk").values_list("pk", "phone", "updated_at"))
    report = run_import(entity="person", path=xlsx(tmp_path / "c.xlsx", rows), name="c.xlsx",
                        user=users["village_staff"], source="test")
    assert not report.ok and report.problem_rows == 5
    by_row = {p["row"]: " ".join(p["messages"]) for p in report.problems}
    assert sorted(by_row) == [5, 6, 7, 8, 9]  # row numbers as the user sees them in the sheet
    assert "校验码" in by_row[5] and report.problems[0]["key"].count("*") == 8  # keys masked in the report
    assert "日期" in by_row[6]
    assert "火星第1网格" in by_row[7]
    assert "辖区" in by_row[8]
    assert "手机" in by_row[9]
    assert list(Person.objects.order_by("pk").values_list("pk", "phone", "updated_at")) == before
    assert not RecordChange.objects.exists()


def test_missing_columns_are_reported(users, tmp_path, tree):
    report = run_import(entity="person", path=xlsx(tmp_path / "d.xlsx", [["x"]], header=["姓名", "电话"]),
                        name="d.xlsx", user=users["village_staff"], source="t")
    assert not report.ok and report.missing_columns == ["公民身份号码", "姓名", "所属网格"]
    report = run_import(entity="person", path=xlsx(tmp_path / "e.xlsx", [], header=["公民身份号码", "姓名"]),
                        name="e.xlsx", user=users["village_staff"], source="t")
    assert report.missing_columns == ["所属网格"]


def test_csv_in_gb18030_and_a_wrong_file(users, tmp_path, tree):
    from forms_fill.imports import ImportFailed

    path = tmp_path / "p.csv"
    with open(path, "w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["公民身份号码", "姓名", "所属网格"])
        writer.writerow([make_id(seq=120), "老王", "丽豪社区第2网格"])
    report = run_import(entity="person", path=str(path), name="p.csv", user=users["village_staff"], source="csv")
    assert report.ok and report.created == 1
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04garbage" * 10)
    with pytest.raises(ImportFailed):
        run_import(entity="person", path=str(junk), name="junk.xlsx", user=users["village_staff"], source="x")


def credit_code(seq):
    first17 = f"91440604MA{seq:07d}"
    return first17 + credit_code_check_char(first17)


def test_enterprise_import_upserts_credit_enterprises_with_attributes(users, tmp_path, tree):
    from credit.models import Enterprise

    header = ["企业名称", "统一社会信用代码", "所属网格", "法定代表人", "注册资本(万元)", "成立日期", "从业人数",
              "安全生产责任人", "食品经营许可证号", "登记状态"]
    rows = [["测试餐饮有限公司", credit_code(1), "丽豪社区第1网格", "测试甲", "50", "2019-06-01", "12", "测试乙",
             "JY14406040000001", "存续"],
            ["测试村集体经济合作社", "N2440604MF1234567C", "丽豪社区第2网格", "测试丙", "", "", "", "", "", ""]]
    report = run_import(entity="enterprise", path=xlsx(tmp_path / "e.xlsx", rows, header=header), name="e.xlsx",
                        user=users["village_staff"], source="市场监管所")
    assert report.ok and report.created == 2, report.as_dict()
    e = Enterprise.objects.get(uscc=credit_code(1))
    assert e.name == "测试餐饮有限公司" and e.employees == 12 and str(e.registered_capital) .startswith("50")
    assert e.established_on == datetime.date(2019, 6, 1) and e.region_path == tree["440604011001001"].path
    assert e.attributes == {"safety_officer": "测试乙", "food_licence_no": "JY14406040000001"}
    assert e.sources["food_licence_no"]["source"] == "市场监管所" and e.status == "existing"
    # An update keeps other attributes; a bad credit code in the file changes nothing.
    rows2 = [["测试餐饮有限公司", credit_code(1), "丽豪社区第1网格", "", "", "", "15", "", "", ""],
             ["坏代码", credit_code(2)[:17] + "I", "丽豪社区第1网格", "", "", "", "", "", "", ""]]
    report = run_import(entity="enterprise", path=xlsx(tmp_path / "f.xlsx", rows2, header=header), name="f.xlsx",
                        user=users["village_staff"], source="x")
    assert not report.ok and "I" in report.problems[0]["messages"][0]
    e.refresh_from_db()
    assert e.employees == 12
