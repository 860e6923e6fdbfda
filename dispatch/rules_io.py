"""Routing rules as spreadsheets: parse, import (.xlsx or the category file) and export."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import CaseCategory, Tier, Urgency
from grids.models import Region

from . import selectors
from .models import DeadlineUnit, Department, RoutingRule

RULE_COLUMNS = [
    # (key, Chinese header on export; import takes either)
    ("category", "小类代码"),
    ("category_name", "小类名称"),
    ("region", "区域代码"),
    ("region_name", "区域名称"),
    ("tier", "处置层级"),
    ("department", "责任部门代码"),
    ("department_name", "责任部门"),
    ("urgency", "紧急程度"),
    ("accept_limit", "签收时限"),
    ("accept_unit", "签收时限单位"),
    ("handle_limit", "处置时限"),
    ("handle_unit", "处置时限单位"),
    ("is_active", "启用"),
]
RULE_REQUIRED = ("category", "tier", "department", "accept_limit", "accept_unit", "handle_limit", "handle_unit")
TIER_KEYS = {"grid": Tier.GRID, "village": Tier.VILLAGE, "street": Tier.STREET, "district": Tier.DISTRICT}
TIER_LABELS_ZH = {Tier.GRID: "网格", Tier.VILLAGE: "村居", Tier.STREET: "镇街", Tier.DISTRICT: "区"}
UNIT_LABELS_ZH = {DeadlineUnit.WORKING_HOURS: "工作小时", DeadlineUnit.WORKING_DAYS: "工作日"}
URGENCY_LABELS_ZH = {"low": "一般", "normal": "普通", "urgent": "紧急", "critical": "特急"}
MAX_RULE_ROWS = 10000


@dataclass
class RuleError:
    row: int | None  # None: the file as a whole
    column: str
    message: str


@dataclass
class RuleImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RuleError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_choice(text: str, mapping: dict, labels: dict):
    if text.lower() in mapping:
        return mapping[text.lower()]
    for key, label in labels.items():
        if text == label or text == str(getattr(key, "label", "")):
            return key
    raise ValueError


def rules_parse(*, rows: Iterable[dict]) -> tuple[list[dict], list[RuleError]]:
    """Validate raw rows ({column key: cell}); returns clean rows and every error (row + column)."""
    categories = {c.code: c for c in CaseCategory.objects.filter(parent__isnull=False)}
    regions = {r.code: r for r in Region.objects.filter(level__gt=Region.Level.DISTRICT).only("id", "code", "name", "path", "level")}
    departments = {d.code: d for d in Department.objects.all()}
    clean, errors, seen = [], [], {}
    tier_labels = {t: TIER_LABELS_ZH[t] for t in Tier}
    for number, raw in rows:
        row_errors = []

        def err(column, message):
            row_errors.append(RuleError(number, dict(RULE_COLUMNS).get(column, column), message))

        code = _cell_text(raw.get("category"))
        if code.isdigit() and len(code) < 4:
            code = code.zfill(4)  # Excel turns 0101 into 101
        category = categories.get(code)
        if not code:
            err("category", _("The category code is empty."))
        elif category is None:
            err("category", _("There is no sub-class with the code “%(code)s”.") % {"code": code})
        region_code = _cell_text(raw.get("region"))
        region = None
        if region_code:
            region = regions.get(region_code)
            if region is None:
                err("region", _("There is no street, village or grid with the code “%(code)s” (leave it empty for the district-wide default).") % {"code": region_code})
        tier_text = _cell_text(raw.get("tier"))
        try:
            tier = _parse_choice(tier_text, TIER_KEYS, tier_labels)
        except ValueError:
            tier = None
            err("tier", _("“%(value)s” is not a tier; use one of: %(choices)s.") % {"value": tier_text, "choices": "、".join(tier_labels.values())})
        dept_code = _cell_text(raw.get("department")).upper()
        department = departments.get(dept_code)
        if not dept_code:
            err("department", _("The department code is empty."))
        elif department is None:
            err("department", _("There is no department with the code “%(code)s”.") % {"code": dept_code})
        elif department.parent_id is not None:
            err("department", _("“%(code)s” is a street unit; name its district department (%(parent)s) — the unit is found from the case's street.") % {"code": dept_code, "parent": department.parent.code})
        urgency_text = _cell_text(raw.get("urgency"))
        urgency = ""
        if urgency_text:
            try:
                urgency = _parse_choice(urgency_text, {u: u for u in Urgency.values}, URGENCY_LABELS_ZH)
            except ValueError:
                err("urgency", _("“%(value)s” is not an urgency; use one of: %(choices)s.") % {"value": urgency_text, "choices": "、".join(URGENCY_LABELS_ZH.values())})
        limits = {}
        for key in ("accept", "handle"):
            limit_text = _cell_text(raw.get(f"{key}_limit"))
            try:
                amount = Decimal(limit_text)
                if not amount.is_finite() or amount <= 0 or amount >= 10000:
                    raise InvalidOperation
                limits[f"{key}_limit"] = amount.quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                err(f"{key}_limit", _("“%(value)s” is not a time limit (a number greater than zero).") % {"value": limit_text})
            unit_text = _cell_text(raw.get(f"{key}_unit"))
            try:
                limits[f"{key}_unit"] = _parse_choice(unit_text, {u: u for u in DeadlineUnit.values}, UNIT_LABELS_ZH)
            except ValueError:
                err(f"{key}_unit", _("“%(value)s” is not a time unit; use %(choices)s.") % {"value": unit_text, "choices": "、".join(UNIT_LABELS_ZH.values())})
        active_text = _cell_text(raw.get("is_active")).lower()
        if active_text in ("", "1", "true", "yes", "是", "启用"):
            is_active = True
        elif active_text in ("0", "false", "no", "否", "停用"):
            is_active = False
        else:
            is_active = True
            err("is_active", _("“%(value)s” is not yes/no.") % {"value": active_text})
        if category is not None:
            key = (category.pk, region.pk if region else None)
            if key in seen:
                err("region", _("Row %(row)s already has a rule for this category and region.") % {"row": seen[key]})
            else:
                seen[key] = number
        if row_errors:
            errors.extend(row_errors)
            continue
        clean.append({"category": category, "region": region, "tier": tier, "department": department, "urgency": urgency, "is_active": is_active, **limits})
    return clean, errors


def rules_read_xlsx(file) -> list[tuple[int, dict]]:
    """Rows of an uploaded .xlsx as (row number, {column key: value}); raises ValueError for a bad file."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        raise ValueError(_("The file is not an .xlsx workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        lookup = {k: k for k, _label in RULE_COLUMNS} | {label: k for k, label in RULE_COLUMNS}
        keys = [lookup.get(_cell_text(v)) for v in header]
        missing = [label for key, label in RULE_COLUMNS if key in RULE_REQUIRED and key not in keys]
        if missing:
            raise ValueError(_("The first row must be the column headers; missing: %(columns)s.") % {"columns": "、".join(missing)})
        out = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_RULE_ROWS + 1:
                raise ValueError(_("The file has more than %(n)s rows.") % {"n": MAX_RULE_ROWS})
            if values is None or all(_cell_text(v) == "" for v in values):
                continue
            out.append((number, {key: value for key, value in zip(keys, values) if key}))
    finally:
        workbook.close()
    if not out:
        raise ValueError(_("The file contains no rules."))
    return out


@transaction.atomic
def rules_import(*, rows: Iterable[tuple[int, dict]]) -> RuleImportResult:
    """Apply routing rules: the whole file or nothing. Rules are matched on (category, region);
    rules not in the file are left as they are (deactivate with 启用 = 否)."""
    clean, errors = rules_parse(rows=rows)
    if errors:
        return RuleImportResult(errors=errors)
    result = RuleImportResult()
    # No ordering: Meta.ordering joins the (nullable) region, and PostgreSQL refuses FOR UPDATE on an outer join.
    existing = {(r.category_id, r.region_id): r for r in RoutingRule.objects.select_for_update().order_by()}
    fields = ("tier", "department", "urgency", "accept_limit", "accept_unit", "handle_limit", "handle_unit", "is_active")
    for row in clean:
        rule = existing.get((row["category"].pk, row["region"].pk if row["region"] else None))
        if rule is None:
            rule = RoutingRule(category=row["category"], region=row["region"], **{f: row[f] for f in fields})
            rule.full_clean(validate_unique=False)
            rule.save()
            result.created += 1
            continue
        changed = [f for f in fields if getattr(rule, f) != row[f]]
        if not changed:
            result.unchanged += 1
            continue
        for f in changed:
            setattr(rule, f, row[f])
        rule.full_clean(validate_unique=False)
        rule.save(update_fields=[*changed, "updated_at"])
        result.updated += 1
    return result


def rules_import_xlsx(*, file) -> RuleImportResult:
    try:
        rows = rules_read_xlsx(file)
    except ValueError as exc:
        return RuleImportResult(errors=[RuleError(None, "", str(exc))])
    return rules_import(rows=rows)


def rules_import_category_file(*, path) -> RuleImportResult:
    """Default rules from the category file (cases/data/categories.json): one district-wide rule
    per sub-class with its tier, department, acceptance hours and handling limit."""
    from cases.categories import CategoryFileError, subcategory_rows

    try:
        source = list(subcategory_rows(path))
    except CategoryFileError as exc:
        return RuleImportResult(errors=[RuleError(None, "", str(exc))])
    rows = []
    for number, row in enumerate(source, start=1):
        rows.append((number, {
            "category": row["code"], "tier": row.get("tier") or "", "department": row.get("department") or "",
            "urgency": row.get("urgency") or "", "accept_limit": row.get("accept_hours"), "accept_unit": DeadlineUnit.WORKING_HOURS,
            "handle_limit": row.get("handle_limit"), "handle_unit": row.get("handle_unit") or "", "is_active": "是" if row.get("is_active", True) else "否",
        }))
    return rules_import(rows=rows)


def rules_export_xlsx() -> bytes:
    """Every rule as an .xlsx the importer takes back unchanged."""
    import xlsxwriter

    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = workbook.add_worksheet("路由规则")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [label for _key, label in RULE_COLUMNS], bold)
    text = workbook.add_format({"num_format": "@"})
    for i, rule in enumerate(selectors.rule_list(), start=1):
        values = {
            "category": rule.category.code, "category_name": rule.category.name,
            "region": rule.region.code if rule.region_id else "", "region_name": rule.region.name if rule.region_id else "",
            "tier": TIER_LABELS_ZH[Tier(rule.tier)], "department": rule.department.code, "department_name": rule.department.name,
            "urgency": URGENCY_LABELS_ZH.get(rule.urgency, ""), "accept_limit": float(rule.accept_limit),
            "accept_unit": UNIT_LABELS_ZH[DeadlineUnit(rule.accept_unit)], "handle_limit": float(rule.handle_limit),
            "handle_unit": UNIT_LABELS_ZH[DeadlineUnit(rule.handle_unit)], "is_active": "是" if rule.is_active else "否",
        }
        for j, (key, _label) in enumerate(RULE_COLUMNS):
            value = values[key]
            if key in ("category", "region", "department"):
                sheet.write_string(i, j, value, text)
            else:
                sheet.write(i, j, value)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 20)
    sheet.set_column(2, 3, 16)
    sheet.set_column(6, 6, 26)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buf.getvalue()


def routing_export_provider(codes: list[str]) -> dict[str, dict]:
    """For cases.categories.ROUTING_EXPORT_PROVIDERS: the default rule's columns per category code."""
    out = {}
    for rule in RoutingRule.objects.filter(region__isnull=True, category__code__in=codes).select_related("category", "department"):
        hours = rule.accept_limit if rule.accept_unit == DeadlineUnit.WORKING_HOURS else rule.accept_limit * 7
        out[rule.category.code] = {
            "tier": {v: k for k, v in TIER_KEYS.items()}[Tier(rule.tier)], "department": rule.department.code,
            "accept_hours": float(hours), "handle_limit": float(rule.handle_limit), "handle_unit": rule.handle_unit,
        }
    return out
