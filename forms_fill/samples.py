"""Sample data shared by the demo, the scale seeder, the tests and the benchmark.

``employment_template`` draws the 《就业人员登记表》 as a department would send it: a merged
title, a "填报单位" line, a two-row header with merged group cells, SimSun fonts, thin
borders, set column widths and ten empty bordered rows to fill in. ``fake_people`` yields
synthetic people with valid GB 11643 check digits and clearly fake names (测试 + digits).
"""

from __future__ import annotations

import datetime
import random

from core.identifiers import id_number_check_digit

EMPLOYMENT_TITLE = "就业人员登记表"
# (column, header text, catalogue key or None): row 3 group headers are drawn separately.
EMPLOYMENT_COLUMNS = [
    ("A", "序号", None),
    ("B", "姓名", "name"),
    ("C", "性别", "sex"),
    ("D", "民族", "ethnicity"),
    ("E", "公民身份号码", "id_number"),
    ("F", "出生日期", "birth_date"),
    ("G", "文化程度", "education"),
    ("H", "户籍地址", "household_address"),
    ("I", "联系电话", "phone"),
    ("J", "就业状态", "employment_status"),
    ("K", "工作单位", "employer"),
    ("L", "职业", "occupation"),
    ("M", "就业登记日期", "employment_date"),
    ("N", "社保参保状态", "social_insurance_status"),
    ("O", "备注", "remarks"),
]
EMPLOYMENT_WIDTHS = {"A": 6, "B": 10, "C": 6, "D": 8, "E": 21, "F": 12, "G": 12, "H": 32, "I": 14, "J": 10,
                     "K": 26, "L": 12, "M": 13, "N": 12, "O": 16}


def employment_template(path) -> None:
    """Write the official 《就业人员登记表》 template (.xlsx) to ``path``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "就业人员登记表"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells("A1:O1")
    ws["A1"] = EMPLOYMENT_TITLE
    ws["A1"].font = Font(name="宋体", size=18, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws.merge_cells("A2:H2")
    ws["A2"] = "填报单位(盖章):"
    ws.merge_cells("I2:O2")
    ws["I2"] = "填报日期:    年   月   日"
    for cell in ("A2", "I2"):
        ws[cell].font = Font(name="宋体", size=11)
    head_font = Font(name="黑体", size=11, bold=True)
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    # Row 3: group headers; row 4: the fields. Single fields span both rows.
    groups = {"基本信息": ("B", "I"), "就业情况": ("J", "N")}
    for letter, text, _key in EMPLOYMENT_COLUMNS:
        if any(a <= letter <= b for a, b in groups.values()):
            ws[f"{letter}4"] = text
        else:
            ws.merge_cells(f"{letter}3:{letter}4")
            ws[f"{letter}3"] = text
    for text, (a, b) in groups.items():
        ws.merge_cells(f"{a}3:{b}3")
        ws[f"{a}3"] = text
    for row in (3, 4):
        ws.row_dimensions[row].height = 24
        for letter, _text, _key in EMPLOYMENT_COLUMNS:
            c = ws[f"{letter}{row}"]
            c.font = head_font
            c.fill = head_fill
            c.alignment = center
            c.border = border
    body_font = Font(name="宋体", size=10)
    for row in range(5, 15):
        for letter, _text, _key in EMPLOYMENT_COLUMNS:
            c = ws[f"{letter}{row}"]
            c.border = border
            c.font = body_font
            c.alignment = Alignment(vertical="center")
    for letter, width in EMPLOYMENT_WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "C5"
    ws.print_title_rows = "3:4"
    ws.page_setup.orientation = "landscape"
    wb.save(path)


SURNAMES = "测试"
ETHNICITIES = ["汉族"] * 18 + ["壮族", "回族"]
STREETS = ["季华路", "佛山大道", "汾江中路", "岭南大道", "绿景路", "石湾公园路"]


def fake_id(rng: random.Random, area: str = "440604") -> str:
    birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 66))
    first17 = f"{area}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_number_check_digit(first17)


def fake_person(rng: random.Random, n: int) -> dict:
    """One synthetic person's catalogue values (keys as in the catalogue, without the grid)."""
    from .catalogue import field

    def pick(key):
        return rng.choice(field("person", key).choices)

    employed = rng.random() < 0.7
    return {
        "id_number": fake_id(rng),
        "name": f"测试{n:05d}",
        "ethnicity": rng.choice(ETHNICITIES),
        "household_address": f"广东省佛山市禅城区{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
        "current_address": f"佛山市禅城区{rng.choice(STREETS)}{rng.randrange(1, 300)}号{rng.randrange(1, 30)}01房",
        "phone": f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}",
        "education": pick("education"),
        "political_status": pick("political_status"),
        "marital_status": pick("marital_status"),
        "employment_status": "在业" if employed else pick("employment_status"),
        "employer": f"佛山市测试{rng.randrange(1, 400):03d}有限公司" if employed else "",
        "occupation": rng.choice(["职员", "技工", "个体经营", "教师", "司机", "销售"]) if employed else "",
        "social_insurance_status": pick("social_insurance_status"),
        "medical_insurance_status": pick("medical_insurance_status"),
        "population_type": pick("population_type"),
        "subsistence_status": "否" if rng.random() < 0.95 else pick("subsistence_status"),
        "household_type": pick("household_type"),
    }
