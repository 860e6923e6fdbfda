"""Credit-specific bad inputs through the one enterprise import (forms_fill.imports.run_import, shared
with people): missing columns, a wrong check character, a duplicate code in the sheet, N/Y codes."""

import openpyxl
import pytest

from credit.codes import make_uscc
from credit.models import Enterprise

imports = pytest.importorskip("forms_fill.imports")

pytestmark = pytest.mark.django_db


def _xlsx(tmp_path, rows):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "enterprises.xlsx"
    wb.save(path)
    return str(path)


def _run(path, user):
    return imports.run_import(entity="enterprise", path=path, name="enterprises.xlsx", user=user, source="import")


def test_a_sheet_without_the_credit_code_column_is_refused_naming_it(tmp_path, users, grid):
    path = _xlsx(tmp_path, [["名称", "所属网格"], ["某企业", grid.code]])
    report = _run(path, users["district_officer"])
    assert not report.ok
    assert "统一社会信用代码" in report.missing_columns
    assert not Enterprise.objects.exists()


def test_a_sheet_missing_the_grid_column_is_refused(tmp_path, users):
    path = _xlsx(tmp_path, [["统一社会信用代码", "名称"], [make_uscc(1), "某企业"]])
    report = _run(path, users["district_officer"])
    assert report.missing_columns == ["所属网格"]


def test_bad_codes_are_reported_per_row_and_nothing_is_imported(tmp_path, users, grid):
    good = make_uscc(1)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    path = _xlsx(tmp_path, [
        ["统一社会信用代码", "名称", "所属网格"],
        [make_uscc(2, prefix="N2"), "村集体经济合作社", grid.code],  # valid, starts with N
        [make_uscc(3, prefix="Y1"), "其他组织", grid.code],  # valid, starts with Y
        [typo, "校验码错误的企业", grid.code],
        [make_uscc(2, prefix="N2"), "重复的合作社", grid.code],
    ])
    report = _run(path, users["district_officer"])
    assert not report.ok
    by_row = {p["row"]: " ".join(p["messages"]) for p in report.problems}
    assert set(by_row) == {4, 5}
    assert "check character" in by_row[4] or "校验" in by_row[4]
    assert "2" in by_row[5]  # "already on row 2"
    assert not Enterprise.objects.exists()


def test_a_good_sheet_with_n_and_y_codes_imports(tmp_path, users, grid):
    path = _xlsx(tmp_path, [
        ["统一社会信用代码", "名称", "所属网格"],
        [make_uscc(2, prefix="N2"), "村集体经济合作社", grid.code],
        [make_uscc(3, prefix="Y1"), "其他组织", grid.code],
        [make_uscc(4, prefix="91"), "有限公司", grid.code],
    ])
    report = _run(path, users["district_officer"])
    assert report.ok, report.as_dict()
    assert Enterprise.objects.filter(region_path=grid.path).count() == 3
