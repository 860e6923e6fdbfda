"""Validate the static data files: departments, case categories and the unified checklist (一表巡).

Plain pytest: json + pathlib only, no Django, no database.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPARTMENTS_FILE = ROOT / "dispatch" / "data" / "departments.json"
CATEGORIES_FILE = ROOT / "cases" / "data" / "categories.json"
CHECKLIST_FILE = ROOT / "inspections" / "data" / "checklist.json"

DEPARTMENT_CODES = {"CGZF", "SJJ", "YJJ", "XF", "STHJ", "ZJSW", "WJ", "GA", "JT", "MZ", "RS", "ZRZY", "WGLT"}
BUSY_DEPARTMENTS = {"CGZF", "SJJ", "YJJ", "XF", "STHJ", "ZJSW"}
URGENCIES = {"low", "normal", "urgent", "critical"}
TIERS = {"grid", "village", "street", "district"}
HANDLE_UNITS = {"working_hours", "working_days"}
SEVERITIES = {"low", "medium", "high"}
REQUIRED_SCENES = {"restaurant", "shop", "market", "construction", "factory", "rental", "compound", "street", "hotel"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _load(path):
    raw = path.read_bytes()
    raw.decode("utf-8")  # must be valid UTF-8
    assert b"\\u" not in raw, f"{path.name} should be written with ensure_ascii=False"
    return json.loads(raw)


@pytest.fixture(scope="module")
def departments():
    return _load(DEPARTMENTS_FILE)


@pytest.fixture(scope="module")
def categories():
    return _load(CATEGORIES_FILE)


@pytest.fixture(scope="module")
def subcategories(categories):
    return [sub for major in categories for sub in major["subcategories"]]


@pytest.fixture(scope="module")
def checklist():
    return _load(CHECKLIST_FILE)


def _nonempty_chinese(value):
    return isinstance(value, str) and value.strip() == value and bool(CHINESE.search(value))


# ---------------------------------------------------------------- departments


def test_thirteen_departments_with_expected_codes(departments):
    assert isinstance(departments, list)
    assert len(departments) == 13
    codes = [d["code"] for d in departments]
    assert len(set(codes)) == 13
    assert set(codes) == DEPARTMENT_CODES


def test_department_fields(departments):
    names = set()
    for d in departments:
        assert set(d) == {"code", "name", "short_name", "street_unit_suffix"}, d
        for key in ("name", "short_name", "street_unit_suffix"):
            assert _nonempty_chinese(d[key]), (d["code"], key)
        assert len(d["short_name"]) < len(d["name"])
        names.add(d["name"])
    assert len(names) == 13
    by_code = {d["code"]: d for d in departments}
    assert by_code["CGZF"]["name"] == "禅城区城市管理和综合执法局"
    assert by_code["CGZF"]["street_unit_suffix"] == "综合执法办"
    assert by_code["GA"]["street_unit_suffix"] == "派出所"


# ---------------------------------------------------------------- categories


def test_major_categories(categories):
    assert isinstance(categories, list)
    codes = [m["code"] for m in categories]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    for m in categories:
        assert set(m) == {"code", "name", "subcategories"}
        assert re.fullmatch(r"\d{2}", m["code"]), m["code"]
        assert _nonempty_chinese(m["name"])
        assert m["subcategories"], m["code"]
    expected = {"01": "市容环境", "02": "宣传广告", "03": "施工管理", "04": "突发事件", "05": "街面秩序"}
    by_code = {m["code"]: m["name"] for m in categories}
    for code, name in expected.items():
        assert by_code[code] == name
    assert set(by_code) >= {f"{i:02d}" for i in range(1, 14)}


def test_subcategory_count_and_codes(categories, subcategories):
    assert 95 <= len(subcategories) <= 110
    codes = [s["code"] for s in subcategories]
    assert len(codes) == len(set(codes)), [c for c, n in Counter(codes).items() if n > 1]
    for major in categories:
        for s in major["subcategories"]:
            assert re.fullmatch(r"\d{4}", s["code"]), s["code"]
            assert s["code"][:2] == major["code"], s["code"]
            assert s["code"][2:] != "00", s["code"]


def test_national_event_codes(subcategories):
    by_code = {s["code"]: s["name"] for s in subcategories}
    expected = {
        "0101": "私搭乱建", "0102": "暴露垃圾", "0103": "积存垃圾渣土", "0104": "道路不洁", "0105": "水域不洁",
        "0106": "绿地脏乱", "0107": "废弃车辆", "0201": "非法小广告",
        "0501": "无照经营游商", "0502": "流浪乞讨", "0503": "占道废品收购", "0505": "机动车乱停放",
        "0506": "非机动车乱停放", "0507": "乱堆物料", "0508": "商业噪音", "0509": "黑车拉客", "0510": "露天烧烤",
        "0511": "沿街晾挂", "0512": "非法出版物销售", "0513": "空调室外机低挂",
        "0601": "共享单车乱停放", "0701": "消防通道堵塞", "0702": "消防设施损坏缺失", "0703": "违规使用燃气",
        "0704": "电动车违规停放充电",
    }
    for code, name in expected.items():
        assert by_code.get(code) == name, code
    assert by_code["0504"].startswith("店外经营")
    assert "0599" in by_code


def test_subcategory_fields(subcategories, departments):
    dept_codes = {d["code"] for d in departments}
    keys = {"code", "name", "on_discovery", "urgency", "tier", "department", "accept_hours",
            "handle_limit", "handle_unit", "phrases"}
    for s in subcategories:
        code = s["code"]
        assert set(s) == keys, code
        assert _nonempty_chinese(s["name"]), code
        assert isinstance(s["on_discovery"], bool), code
        assert s["urgency"] in URGENCIES, code
        assert s["tier"] in TIERS, code
        assert s["department"] in dept_codes, code
        assert isinstance(s["accept_hours"], (int, float)) and not isinstance(s["accept_hours"], bool), code
        assert 0.5 <= s["accept_hours"] <= 4, code
        assert s["handle_unit"] in HANDLE_UNITS, code
        assert isinstance(s["handle_limit"], (int, float)) and not isinstance(s["handle_limit"], bool), code
        assert s["handle_limit"] > 0, code
        if s["handle_unit"] == "working_hours":
            assert s["handle_limit"] <= 24, code
        else:
            assert s["handle_limit"] <= 60, code
        phrases = s["phrases"]
        assert isinstance(phrases, list) and 3 <= len(phrases) <= 5, code
        assert len(set(phrases)) == len(phrases), code
        assert all(_nonempty_chinese(p) and len(p) <= 30 for p in phrases), code


def test_subcategory_names_unique(subcategories):
    names = [s["name"] for s in subcategories]
    assert len(names) == len(set(names))


def test_on_discovery_categories(subcategories):
    od = [s for s in subcategories if s["on_discovery"]]
    assert 25 <= len(od) <= 35, len(od)
    for s in od:
        assert s["tier"] in {"grid", "village"}, s["code"]
        assert s["urgency"] != "critical", s["code"]
    by_code = {s["code"]: s for s in subcategories}
    for code in ("0201", "0506", "0507", "0511", "0601"):
        assert by_code[code]["on_discovery"], code
    for code in ("0101", "0403", "0701"):
        assert not by_code[code]["on_discovery"], code


def test_known_time_limits(subcategories):
    by_code = {s["code"]: s for s in subcategories}
    assert (by_code["0104"]["handle_limit"], by_code["0104"]["handle_unit"]) == (5, "working_hours")
    assert (by_code["0102"]["handle_limit"], by_code["0102"]["handle_unit"]) == (1, "working_days")
    assert (by_code["0101"]["handle_limit"], by_code["0101"]["handle_unit"]) == (15, "working_days")
    assert (by_code["0403"]["handle_limit"], by_code["0403"]["handle_unit"]) == (1, "working_hours")
    assert by_code["0403"]["urgency"] == "critical"


# ---------------------------------------------------------------- checklist


def test_checklist_header(checklist):
    assert set(checklist) == {"version", "title", "scenes", "items"}
    assert checklist["version"] == "2022.1"
    assert checklist["title"] == "禅城区生态网格统一巡查表"


def test_scenes(checklist):
    scenes = checklist["scenes"]
    codes = [s["code"] for s in scenes]
    assert len(codes) == len(set(codes))
    assert set(codes) >= REQUIRED_SCENES
    for s in scenes:
        # kind: the full list of its place types, a short list of them, or every item (综合巡查).
        assert set(s) == {"code", "name", "kind", "place_types"} and s["kind"] in {"type", "short", "all"}
        assert re.fullmatch(r"[a-z_]+", s["code"])
        assert _nonempty_chinese(s["name"])
        assert s["place_types"] and all(re.fullmatch(r"[a-z_]+", p) for p in s["place_types"])


def test_exactly_247_items_with_unique_codes(checklist):
    items = checklist["items"]
    assert len(items) == 247
    codes = [i["code"] for i in items]
    assert len(codes) == len(set(codes)), [c for c, n in Counter(codes).items() if n > 1]
    titles = [i["title"] for i in items]
    assert len(titles) == len(set(titles)), [t for t, n in Counter(titles).items() if n > 1]


def test_exactly_59_on_discovery_items(checklist):
    items = checklist["items"]
    assert all(isinstance(i["on_discovery"], bool) for i in items)
    assert sum(i["on_discovery"] for i in items) == 59


def test_item_fields_and_references(checklist, subcategories, departments):
    dept_codes = {d["code"] for d in departments}
    sub_codes = {s["code"] for s in subcategories}
    scene_codes = {s["code"] for s in checklist["scenes"]}
    keys = {"code", "department", "category", "title", "severity", "legal_basis", "guidance",
            "fail_reasons", "photo_required_on_fail", "on_discovery", "scenes"}
    for item in checklist["items"]:
        code = item["code"]
        assert set(item) == keys, code
        m = re.fullmatch(r"([A-Z]+)-(\d{3})", code)
        assert m, code
        assert m.group(1) == item["department"], code
        assert item["department"] in dept_codes, code
        assert item["category"] in sub_codes, code
        assert item["severity"] in SEVERITIES, code
        assert isinstance(item["photo_required_on_fail"], bool), code
        for key in ("title", "legal_basis", "guidance"):
            assert _nonempty_chinese(item[key]), (code, key)
        assert not re.search(r"检查项\s*\d", item["title"]), code
        reasons = item["fail_reasons"]
        assert isinstance(reasons, list) and 2 <= len(reasons) <= 4, code
        assert len(set(reasons)) == len(reasons), code
        assert all(_nonempty_chinese(r) for r in reasons), code
        scenes = item["scenes"]
        assert isinstance(scenes, list) and scenes, code
        assert len(set(scenes)) == len(scenes), code
        assert set(scenes) <= scene_codes, code


def test_item_codes_numbered_per_department(checklist):
    by_dept = {}
    for item in checklist["items"]:
        by_dept.setdefault(item["department"], []).append(int(item["code"].split("-")[1]))
    for dept, numbers in by_dept.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), dept


def test_department_item_counts(checklist, departments):
    counts = Counter(i["department"] for i in checklist["items"])
    assert set(counts) == {d["code"] for d in departments}, "every department contributes items"
    for dept, n in counts.items():
        assert n >= 8, (dept, n)
        if dept in BUSY_DEPARTMENTS:
            assert 25 <= n <= 35, (dept, n)


def test_every_scene_has_at_least_20_items(checklist):
    counts = Counter(s for i in checklist["items"] for s in i["scenes"])
    for scene in checklist["scenes"]:
        assert counts[scene["code"]] >= 20, (scene["code"], counts[scene["code"]])
