"""Seed steps: case categories (事件分类) and departments (部门 and their street units).

Categories come from cases/data/categories.json when present (the same file the
cases and dispatch apps import, routing columns included); otherwise a generated
set of the same shape. Departments come from dispatch/data/departments.json: each
district gets the 13 departments and every street a unit of each. Chancheng keeps
the demo's codes (``CGZF``, ``CGZF-440604011``) so routing rules written against
them work on the seeded data; other districts' departments are ``CGZF-440605``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from . import register
from .writer import BulkWriter, SeedError, next_id, reset_sequence

CATEGORIES_JSON = Path(settings.BASE_DIR) / "cases" / "data" / "categories.json"
DEPARTMENTS_JSON = Path(settings.BASE_DIR) / "dispatch" / "data" / "departments.json"
TIER_NUMBERS = {"district": 1, "street": 2, "village": 3, "grid": 4}
FALLBACK_DEPARTMENTS = [
    {"code": "CGZF", "name": "禅城区城市管理和综合执法局", "short_name": "城管执法", "street_unit_suffix": "综合执法办"},
    {"code": "SJJ", "name": "禅城区市场监督管理局", "short_name": "市场监管", "street_unit_suffix": "市场监督管理所"},
    {"code": "YJJ", "name": "禅城区应急管理局", "short_name": "应急管理", "street_unit_suffix": "应急管理办"},
]


@dataclass(slots=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    on_discovery: bool
    urgency: str
    tier: int
    department: str
    accept_hours: float
    handle_hours: float  # calendar hours the handling deadline allows (working time, approximated)
    phrases: tuple[str, ...]


def category_rows() -> list[dict]:
    if CATEGORIES_JSON.exists():
        return json.loads(CATEGORIES_JSON.read_text(encoding="utf-8"))
    majors = []
    for m in range(1, 9):
        subs = [
            {"code": f"{m:02d}{s:02d}", "name": f"类别{m}-{s}", "on_discovery": s % 4 == 0, "urgency": "normal",
             "tier": ("grid", "village", "street", "district")[s % 4], "department": FALLBACK_DEPARTMENTS[s % 3]["code"],
             "accept_hours": 2, "handle_limit": 3, "handle_unit": "working_days", "phrases": [f"发现类别{m}-{s}问题"]}
            for s in range(1, 9)
        ]
        majors.append({"code": f"{m:02d}", "name": f"大类{m}", "subcategories": subs})
    return majors


def _handle_hours(row) -> float:
    limit = float(row.get("handle_limit") or 5)
    # Working days ≈ 1.4 calendar days (weekends); working hours ≈ 7 per working day.
    return limit * 24 * 1.4 if row.get("handle_unit", "working_days") == "working_days" else limit / 7 * 24 * 1.4


@register("categories", models=("cases.CaseCategory",))
def seed_categories(ctx) -> int:
    from cases.models import CaseCategory

    pk = next_id(CaseCategory)
    infos = []
    with BulkWriter(CaseCategory, ["id", "code", "name", "parent_id", "on_discovery", "default_urgency", "phrases", "is_active"]) as w:
        for major in category_rows():
            major_id = pk
            pk += 1
            w.write((major_id, major["code"], major["name"], None, False, "normal", [], True))
            for sub in major["subcategories"]:
                w.write((pk, sub["code"], sub["name"], major_id, bool(sub.get("on_discovery")), sub.get("urgency", "normal"), sub.get("phrases", []), True))
                infos.append(CategoryInfo(
                    pk, sub["code"], sub["name"], bool(sub.get("on_discovery")), sub.get("urgency", "normal"),
                    TIER_NUMBERS.get(sub.get("tier", "village"), 3), sub.get("department", "CGZF"),
                    float(sub.get("accept_hours") or 2), _handle_hours(sub), tuple(sub.get("phrases") or [sub["name"]]),
                ))
                pk += 1
    reset_sequence(CaseCategory)
    ctx.data["categories"] = infos
    return w.count


def department_rows() -> list[dict]:
    if DEPARTMENTS_JSON.exists():
        return json.loads(DEPARTMENTS_JSON.read_text(encoding="utf-8"))
    return FALLBACK_DEPARTMENTS


@register("departments", models=("dispatch.Department",))
def seed_departments(ctx) -> int:
    from dispatch.models import Department

    regions = ctx.data["regions"]
    streets_by_district: dict[int, list] = {}
    for street in regions[2]:
        streets_by_district.setdefault(street.parent_id, []).append(street)
    home = settings.ECOGRID_DISTRICT_CODE
    pk = next_id(Department)
    # (department code, region id) -> department id, for routing the seeded cases.
    by_region: dict[tuple[str, int], int] = {}
    units: list[tuple[int, str, int]] = []  # (dept id, dept code, region id) for department staff
    with BulkWriter(Department, ["id", "code", "name", "short_name", "parent_id", "region_id", "is_active"]) as w:
        for district in regions[1]:
            for row in department_rows():
                code = row["code"] if district.code == home else f"{row['code']}-{district.code}"
                parent_id = pk
                w.write((parent_id, code, row["name"].replace("禅城区", district.name), row["short_name"], None, district.id, True))
                by_region[(row["code"], district.id)] = parent_id
                units.append((parent_id, code, district.id))
                pk += 1
                for street in streets_by_district.get(district.id, []):
                    unit_code = f"{row['code']}-{street.code}"
                    w.write((pk, unit_code, f"{street.name}{row['street_unit_suffix']}", row["short_name"], parent_id, street.id, True))
                    by_region[(row["code"], street.id)] = pk
                    units.append((pk, unit_code, street.id))
                    pk += 1
    reset_sequence(Department)
    ctx.data["departments"] = by_region
    ctx.data["department_units"] = units
    return w.count


@register("routing", models=("dispatch.RoutingRule",))
def seed_routing(ctx) -> int:
    """Routing rules (路由规则) through dispatch's own import of the category file: reference
    data, ~100 rows, so the app's service is used rather than a bulk write."""
    from dispatch import services
    from dispatch.models import RoutingRule

    if not CATEGORIES_JSON.exists() or not hasattr(services, "rules_import_category_file"):
        ctx.out("  routing        no category file or import service: cases are routed by the seeded tier only")
        return 0
    result = services.rules_import_category_file(path=CATEGORIES_JSON)
    errors = getattr(result, "errors", None)
    if errors:
        raise SeedError(f"dispatch refused the routing rules: {errors[:3]}")
    return RoutingRule.objects.count()
