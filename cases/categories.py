"""Parsing of the case-category file (事件分类) in its two shapes: JSON and .xlsx.

Pure module (no database): it turns a file into validated rows, or into a list
of per-row errors, so that an import either takes the whole file or nothing.

The same file also carries the routing data (handling tier, department,
deadlines) that the dispatch app imports into its routing rules. Cases keeps
only code / name / 发现即办 / urgency / phrases; :func:`subcategory_rows`
yields the raw rows — routing fields included, untouched — so dispatch can
reuse this parse instead of writing its own::

    from cases.categories import subcategory_rows
    for row in subcategory_rows(path_or_file):   # .json or .xlsx
        row["code"], row["tier"], row["department"], row["accept_hours"], ...

JSON shape (cases/data/categories.json)::

    [{"code": "05", "name": "街面秩序", "subcategories": [
        {"code": "0504", "name": "店外经营(占道经营)", "on_discovery": true, "urgency": "normal",
         "tier": "village", "department": "CGZF", "accept_hours": 1, "handle_limit": 2,
         "handle_unit": "working_days", "phrases": ["…"]}]}]

.xlsx shape: one sheet, one row per 小类, headers in the first row (Chinese
or the English keys), see ``COLUMNS``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

URGENCIES = ("low", "normal", "urgent", "critical")
TIERS = ("grid", "village", "street", "district")
HANDLE_UNITS = ("working_hours", "working_days")
ROUTING_KEYS = ("tier", "department", "accept_hours", "handle_limit", "handle_unit")

# (key, Chinese header written on export). Import accepts either header.
COLUMNS = [
    ("major_code", "大类代码"),
    ("major_name", "大类名称"),
    ("code", "小类代码"),
    ("name", "小类名称"),
    ("on_discovery", "发现即办"),
    ("urgency", "紧急程度"),
    ("tier", "处置层级"),
    ("department", "责任部门"),
    ("accept_hours", "签收时限(小时)"),
    ("handle_limit", "处置时限"),
    ("handle_unit", "时限单位"),
    ("phrases", "常用描述"),
    ("is_active", "启用"),
]
REQUIRED_COLUMNS = ("major_code", "major_name", "code", "name")
PHRASE_SEPARATOR = "\n"
_PHRASE_SPLIT = re.compile(r"[\n;；|]+")
_TRUE = {"1", "true", "yes", "y", "是", "√", "✓", "x"}
_FALSE = {"0", "false", "no", "n", "否", "", "none"}
# Display values written to .xlsx (and accepted back).
URGENCY_LABELS = {"low": "一般", "normal": "普通", "urgent": "紧急", "critical": "特急"}
TIER_LABELS = {"grid": "网格", "village": "村居", "street": "镇街", "district": "区"}
UNIT_LABELS = {"working_hours": "工作小时", "working_days": "工作日"}
MAX_ROWS = 5000


class CategoryFileError(Exception):
    """The file as a whole cannot be read (not JSON / not .xlsx / no header)."""


@dataclass
class RowError:
    where: str  # "第 12 行" / "05 › 0504"
    message: str

    def __str__(self):
        return f"{self.where}: {self.message}"


@dataclass
class ParsedCategories:
    majors: dict[str, str] = field(default_factory=dict)  # code -> name
    rows: list[dict] = field(default_factory=list)  # validated sub-category rows
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- value coercion ----------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _code(value, width: int) -> str:
    text = _text(value)
    if text.isdigit() and len(text) < width:  # Excel turns "05" into 5
        text = text.zfill(width)
    return text


def _bool(value, *, default: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return default
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("“%(value)s” is not yes/no.") % {"value": value})


def _choice(value, choices: tuple[str, ...], labels: dict[str, str], what: str, *, default: str | None = None) -> str | None:
    text = _text(value)
    if not text:
        return default
    if text.lower() in choices:
        return text.lower()
    for key, label in labels.items():
        if text == label:
            return key
    raise ValueError(_("“%(value)s” is not a valid %(what)s (one of: %(choices)s).") % {
        "value": text, "what": what, "choices": "、".join(labels.values()),
    })


def _number(value, what: str, *, integer: bool = False):
    if value is None or _text(value) == "":
        return None
    try:
        number = float(_text(value))
    except ValueError:
        raise ValueError(_("%(what)s must be a number, not “%(value)s”.") % {"what": what, "value": value}) from None
    if number <= 0:
        raise ValueError(_("%(what)s must be greater than zero.") % {"what": what})
    if integer or number.is_integer():
        if integer and not number.is_integer():
            raise ValueError(_("%(what)s must be a whole number.") % {"what": what})
        return int(number)
    return number


def _phrases(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [_text(v) for v in value]
    else:
        items = [p.strip() for p in _PHRASE_SPLIT.split(_text(value))]
    return [p for p in items if p][:20]


def _validate_row(raw: dict, where: str, parsed: ParsedCategories, seen: set[str]) -> None:
    """Validate one sub-category row; append it or its errors to `parsed`."""
    errors = []
    major_code = _code(raw.get("major_code"), 2)
    code = _code(raw.get("code"), 4)
    name = _text(raw.get("name"))
    major_name = _text(raw.get("major_name"))
    if not re.fullmatch(r"\d{2}", major_code):
        errors.append(_("The major class code must be 2 digits, not “%(code)s”.") % {"code": major_code})
    if not re.fullmatch(r"\d{4}", code):
        errors.append(_("The sub-class code must be 4 digits, not “%(code)s”.") % {"code": code})
    elif major_code and not code.startswith(major_code):
        errors.append(_("The sub-class code %(code)s does not start with its major class code %(major)s.") % {"code": code, "major": major_code})
    elif code in seen:
        errors.append(_("The sub-class code %(code)s appears more than once.") % {"code": code})
    if not name:
        errors.append(_("The sub-class name is empty."))
    elif len(name) > 64:
        errors.append(_("The sub-class name is longer than 64 characters."))
    if not major_name:
        errors.append(_("The major class name is empty."))
    elif major_code in parsed.majors and parsed.majors[major_code] != major_name:
        errors.append(_("Major class %(code)s is called both “%(a)s” and “%(b)s”.") % {"code": major_code, "a": parsed.majors[major_code], "b": major_name})
    row = {"major_code": major_code, "major_name": major_name, "code": code, "name": name}
    checks = [
        ("on_discovery", lambda: _bool(raw.get("on_discovery"))),
        ("urgency", lambda: _choice(raw.get("urgency"), URGENCIES, URGENCY_LABELS, _("urgency"), default="normal")),
        ("tier", lambda: _choice(raw.get("tier"), TIERS, TIER_LABELS, _("handling tier"))),
        ("department", lambda: _text(raw.get("department")) or None),
        ("accept_hours", lambda: _number(raw.get("accept_hours"), _("The acceptance time limit"))),
        ("handle_limit", lambda: _number(raw.get("handle_limit"), _("The handling time limit"))),
        ("handle_unit", lambda: _choice(raw.get("handle_unit"), HANDLE_UNITS, UNIT_LABELS, _("time unit"), default="working_days")),
        ("phrases", lambda: _phrases(raw.get("phrases"))),
        ("is_active", lambda: _bool(raw.get("is_active"), default=True)),
    ]
    for key, check in checks:
        try:
            row[key] = check()
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        parsed.errors.extend(RowError(where, message) for message in errors)
        return
    seen.add(code)
    parsed.majors.setdefault(major_code, major_name)
    parsed.rows.append(row)


# --- the two file shapes -----------------------------------------------------------------------

def parse_json(data) -> ParsedCategories:
    """Parse the JSON shape (bytes, text, or an already-loaded list)."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CategoryFileError(_("The file is not UTF-8 text.")) from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise CategoryFileError(_("The file is not valid JSON (line %(line)s).") % {"line": exc.lineno}) from None
    if not isinstance(data, list):
        raise CategoryFileError(_("The JSON file must be a list of major classes."))
    parsed, seen = ParsedCategories(), set()
    for i, major in enumerate(data, start=1):
        if not isinstance(major, dict):
            parsed.errors.append(RowError(_("major class #%(n)s") % {"n": i}, _("Each major class must be an object.")))
            continue
        subs = major.get("subcategories") or []
        if not isinstance(subs, list) or not subs:
            parsed.errors.append(RowError(_("major class %(code)s") % {"code": major.get("code", i)}, _("A major class needs at least one sub-class.")))
            continue
        for sub in subs:
            if not isinstance(sub, dict):
                parsed.errors.append(RowError(_("major class %(code)s") % {"code": major.get("code", i)}, _("Each sub-class must be an object.")))
                continue
            raw = {**sub, "major_code": major.get("code"), "major_name": major.get("name")}
            _validate_row(raw, f"{_text(major.get('code'))} › {_text(sub.get('code')) or '?'}", parsed, seen)
    if not parsed.rows and not parsed.errors:
        raise CategoryFileError(_("The file contains no categories."))
    return parsed


def _header_key(value) -> str | None:
    text = _text(value)
    for key, label in COLUMNS:
        if text in (key, label):
            return key
    return None


def parse_xlsx(file) -> ParsedCategories:
    """Parse the .xlsx shape (a path, bytes or a file object)."""
    from openpyxl import load_workbook

    if isinstance(file, (bytes, bytearray)):
        file = io.BytesIO(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        raise CategoryFileError(_("The file is not an .xlsx workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        keys = [_header_key(v) for v in (header or ())]
        missing = [label for key, label in COLUMNS if key in REQUIRED_COLUMNS and key not in keys]
        if missing:
            raise CategoryFileError(_("The first row must be the column headers; missing: %(cols)s.") % {"cols": "、".join(missing)})
        parsed, seen = ParsedCategories(), set()
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise CategoryFileError(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})
            if values is None or all(_text(v) == "" for v in values):
                continue
            raw = {key: value for key, value in zip(keys, values) if key}
            _validate_row(raw, _("row %(n)s") % {"n": number}, parsed, seen)
    finally:
        workbook.close()
    if not parsed.rows and not parsed.errors:
        raise CategoryFileError(_("The file contains no categories."))
    return parsed


def parse_file(file, *, name: str = "") -> ParsedCategories:
    """Parse a .json or .xlsx file, chosen by content (an .xlsx is a ZIP: it starts with PK)."""
    if isinstance(file, (str, Path)):
        name = name or str(file)
        data = Path(file).read_bytes()
    else:
        data = file.read()
    if data[:2] == b"PK":
        return parse_xlsx(data)
    if name.lower().endswith(".xlsx"):
        raise CategoryFileError(_("The file is not an .xlsx workbook."))
    return parse_json(data)


def subcategory_rows(file, *, name: str = "") -> Iterator[dict]:
    """The validated sub-category rows of a .json/.xlsx file, routing fields included.

    For the dispatch app to import routing rules from the same file. Raises
    CategoryFileError if the file is unreadable or any row is invalid (the
    message lists the first errors) — a file is taken whole or not at all.
    """
    parsed = parse_file(file, name=name)
    if parsed.errors:
        raise CategoryFileError("; ".join(str(e) for e in parsed.errors[:10]))
    yield from parsed.rows


# --- export ------------------------------------------------------------------------------------

# Functions the dispatch app may register to fill the routing columns on export:
# ``provider(codes: list[str]) -> {code: {"tier": …, "department": …, …}}``.
ROUTING_EXPORT_PROVIDERS: list = []


def export_rows(rows: list[dict]) -> bytes:
    """Write rows (the parse format) to an .xlsx with Chinese headers; re-importable as is."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "事件分类"
    ws.append([label for _key, label in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = []
        for key, _label in COLUMNS:
            value = row.get(key)
            if key == "on_discovery" or key == "is_active":
                value = "是" if value else "否"
            elif key == "urgency":
                value = URGENCY_LABELS.get(value, value)
            elif key == "tier":
                value = TIER_LABELS.get(value, value) if value else ""
            elif key == "handle_unit":
                value = UNIT_LABELS.get(value, value) if value else ""
            elif key == "phrases":
                value = PHRASE_SEPARATOR.join(value or [])
            values.append("" if value is None else value)
        ws.append(values)
    widths = [8, 14, 8, 24, 8, 8, 8, 10, 12, 8, 10, 48, 6]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for (cell,) in ws.iter_rows(min_row=2, min_col=12, max_col=12):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
