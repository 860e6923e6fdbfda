"""The checklist as an XLSForm-shaped .xlsx workbook (sheets ``survey``, ``choices``, ``settings``).

Pure conversion between a workbook and the checklist *spec* — the same dict shape as
``inspections/data/checklist.json``::

    {"version": "2022.1", "title": "…",
     "scenes": [{"code", "name", "kind", "place_types": [...]}, …],
     "items": [{"code", "department", "category", "title", "guidance", "severity", "legal_basis",
                "fail_reasons": [...], "photo_required_on_fail", "on_discovery", "required",
                "scenes": [...]}, …]}

No database access here: inspections.services validates the spec against the
departments and categories and writes it in one transaction.

Layout (XLSForm-compatible column names, so a real XForm can be generated later):

* ``survey``: ``type, name, label, hint, required, relevant, appearance`` plus our
  ``department, category, on_discovery, legal_basis, severity, photo_required, scenes``.
  One ``begin_group``/``end_group`` per department (``field-list``); per item a
  ``select_one pfn`` row (name = item code) followed by its companions: a
  ``select_one <code>_reasons`` row named ``<code>_reason`` and an ``image`` row named
  ``<code>_photo``, both ``relevant=${<code>} = 'fail'``. Form-level ``start``, ``end``,
  ``geopoint`` and ``text`` rows are written and ignored on import.
* ``choices``: ``list_name, name, label, place_types, kind``: the ``pfn`` list (pass / fail /
  na), each item's ``<code>_reasons`` list, and the ``scenes`` list (name = scene code,
  label = scene name, ``place_types`` space-separated, ``kind`` = type / short / all; an
  empty or missing ``kind`` is "type").
* ``settings``: ``form_id, version, form_title, default_language``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

FORM_ID = "ecogrid_checklist"
PFN = "pfn"  # the pass / fail / na list
SCENES_LIST = "scenes"
RESULT_NAMES = ("pass", "fail", "na")
SURVEY_COLUMNS = [
    "type", "name", "label", "hint", "required", "relevant", "appearance",
    "department", "category", "on_discovery", "legal_basis", "severity", "photo_required", "scenes",
]
REQUIRED_SURVEY_COLUMNS = ["type", "name", "label", "hint", "required", "relevant", "department", "category",
                           "on_discovery", "legal_basis", "severity", "photo_required"]
CHOICES_COLUMNS = ["list_name", "name", "label", "place_types", "kind"]
SETTINGS_COLUMNS = ["form_id", "version", "form_title", "default_language"]
METADATA_TYPES = {"start", "end", "today", "deviceid", "geopoint", "text", "note", "calculate"}
YES = {"yes", "true", "true()", "1", "y", "是"}
NO = {"no", "false", "false()", "0", "n", "否", ""}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an imported sheet: where (sheet, 1-based row, column) and what."""

    sheet: str
    row: int | None
    column: str
    message: str

    def sort_key(self):
        return (self.sheet, self.row or 0, self.column)


class Where:
    """Where each value of the spec came from, so validation can name the row and column."""

    def __init__(self, default_sheet: str = ""):
        self.default_sheet = default_sheet
        self._map: dict[tuple, tuple[str, int | None, str]] = {}

    def set(self, key: tuple, sheet: str, row: int | None, column: str) -> None:
        self._map[key] = (sheet, row, column)

    def problem(self, key: tuple, message: str) -> Problem:
        if key in self._map:
            sheet, row, column = self._map[key]
        else:  # JSON data: the item's index and the field name
            indexed = len(key) > 2 and isinstance(key[1], int)
            sheet, row, column = self.default_sheet, (key[1] + 1 if indexed else None), str(key[2] if indexed else key[-1])
        return Problem(sheet, row, column, message)


# --------------------------------------------------------------------------- writing

def build_workbook(spec: dict, *, labels: dict | None = None) -> bytes:
    """The spec as .xlsx bytes. `labels` gives translated fixed labels (pass/fail/na, group names)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    labels = labels or {}
    dept_names = labels.get("departments", {})
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    choices = wb.create_sheet("choices")
    settings = wb.create_sheet("settings")
    bold = Font(bold=True)

    survey.append(SURVEY_COLUMNS)
    survey.append(["start", "start"])
    survey.append(["end", "end"])
    survey.append(["geopoint", "location", labels.get("location", "location"), "", "no"])
    current = None
    for item in spec["items"]:
        if item["department"] != current:
            if current is not None:
                survey.append(["end_group", f"dept_{current}"])
            current = item["department"]
            survey.append(["begin_group", f"dept_{current}", dept_names.get(current, current), "", "", "", "field-list"])
        code = item["code"]
        survey.append([
            f"select_one {PFN}", code, item["title"], item.get("guidance", ""), _yes(item.get("required", True)), "",
            "horizontal", item["department"], item["category"], _yes(item["on_discovery"]), item.get("legal_basis", ""),
            item["severity"], _yes(item["photo_required_on_fail"]), " ".join(item.get("scenes", [])),
        ])
        relevant = f"${{{code}}} = 'fail'"
        survey.append([f"select_one {code}_reasons", f"{code}_reason", labels.get("reason", "reason"), "", "yes", relevant])
        survey.append(["image", f"{code}_photo", labels.get("photo", "photo"), "", _yes(item["photo_required_on_fail"]), relevant,
                       "", "", "", "", "", "", "", ""])
    if current is not None:
        survey.append(["end_group", f"dept_{current}"])
    survey.append(["text", "remark", labels.get("remark", "remark"), "", "no"])

    choices.append(CHOICES_COLUMNS)
    for name in RESULT_NAMES:
        choices.append([PFN, name, labels.get(name, name)])
    for item in spec["items"]:
        for n, reason in enumerate(item["fail_reasons"], start=1):
            choices.append([f"{item['code']}_reasons", f"r{n}", reason])
    for scene in spec["scenes"]:
        choices.append([SCENES_LIST, scene["code"], scene["name"], " ".join(scene.get("place_types", [])), scene.get("kind") or "type"])

    settings.append(SETTINGS_COLUMNS)
    settings.append([FORM_ID, spec["version"], spec["title"], labels.get("language", "zh")])

    for ws, widths in ((survey, [18, 16, 48, 40, 9, 18, 12, 11, 9, 12, 40, 9, 14, 30]), (choices, [20, 10, 40, 30, 8]), (settings, [20, 12, 40, 16])):
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# --------------------------------------------------------------------------- reading

def parse_workbook(upload) -> tuple[dict | None, Where, list[Problem]]:
    """Read a workbook into a spec. Returns (spec, where, problems); spec is None if unreadable.

    Structural problems (missing sheets or columns, unknown row types, yes/no values,
    unbalanced groups, orphan choice lists) are reported here with their row and column;
    the meaning of the values (departments, categories …) is checked by the service.
    """
    from openpyxl import load_workbook

    where = Where()
    problems: list[Problem] = []
    try:
        if hasattr(upload, "seek"):
            upload.seek(0)
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        return None, where, [Problem("", None, "", _("The file is not an .xlsx workbook."))]
    try:
        missing = [name for name in ("survey", "choices", "settings") if name not in wb.sheetnames]
        for name in missing:
            problems.append(Problem(name, None, "", _("The sheet “%(sheet)s” is missing.") % {"sheet": name}))
        if missing:
            return None, where, problems
        survey = _rows(wb["survey"])
        choices = _rows(wb["choices"])
        settings = _rows(wb["settings"])
    finally:
        wb.close()

    s_cols = _header(survey, "survey", REQUIRED_SURVEY_COLUMNS, problems)
    c_cols = _header(choices, "choices", ["list_name", "name", "label"], problems)
    t_cols = _header(settings, "settings", ["form_id", "version", "form_title"], problems)
    if s_cols is None or c_cols is None or t_cols is None:
        return None, where, problems

    spec: dict = {"version": "", "title": "", "scenes": [], "items": []}
    # settings: the first data row
    data_rows = [(n, r) for n, r in settings[1:] if any(v != "" for v in r)]
    if not data_rows:
        problems.append(Problem("settings", 2, "version", _("The settings sheet has no values row.")))
    else:
        n, row = data_rows[0]
        form_id = _cell(row, t_cols, "form_id")
        if form_id != FORM_ID:
            problems.append(Problem("settings", n, "form_id", _("form_id must be “%(expected)s” (this is not the unified checklist).") % {"expected": FORM_ID}))
        spec["version"] = _cell(row, t_cols, "version")
        spec["title"] = _cell(row, t_cols, "form_title")
        where.set(("version",), "settings", n, "version")
        where.set(("title",), "settings", n, "form_title")

    # choices: lists by name
    lists: dict[str, list[tuple[int, str, str, str]]] = {}
    kinds: dict[tuple[str, str], str] = {}
    list_rows: dict[str, int] = {}
    for n, row in choices[1:]:
        if not any(v != "" for v in row):
            continue
        list_name = _cell(row, c_cols, "list_name")
        name = _cell(row, c_cols, "name")
        label = _cell(row, c_cols, "label")
        if not list_name:
            problems.append(Problem("choices", n, "list_name", _("The list name is empty.")))
            continue
        if not name:
            problems.append(Problem("choices", n, "name", _("The choice name is empty.")))
            continue
        if any(name == existing for _n, existing, _l, _p in lists.get(list_name, [])):
            problems.append(Problem("choices", n, "name", _("“%(name)s” appears twice in the list “%(list)s”.") % {"name": name, "list": list_name}))
            continue
        lists.setdefault(list_name, []).append((n, name, label, _cell(row, c_cols, "place_types")))
        kinds[(list_name, name)] = _cell(row, c_cols, "kind").strip().lower() or "type"
        list_rows.setdefault(list_name, n)
    pfn = [name for _n, name, _l, _p in lists.get(PFN, [])]
    if sorted(pfn) != sorted(RESULT_NAMES):
        problems.append(Problem("choices", list_rows.get(PFN), "list_name",
                                _("The list “pfn” must hold exactly the choices pass, fail and na.")))
    for n, code, name, place_types in lists.get(SCENES_LIST, []):
        index = len(spec["scenes"])
        spec["scenes"].append({"code": code, "name": name, "kind": kinds.get((SCENES_LIST, code), "type"), "place_types": place_types.split()})
        where.set(("scenes", index, "kind"), "choices", n, "kind")
        where.set(("scenes", index, "code"), "choices", n, "name")
        where.set(("scenes", index, "name"), "choices", n, "label")
        where.set(("scenes", index, "place_types"), "choices", n, "place_types")

    # survey
    used_lists = {PFN, SCENES_LIST}
    groups: list[tuple[str, int]] = []
    last_item: dict | None = None
    for n, row in survey[1:]:
        if not any(v != "" for v in row):
            continue
        kind = re.sub(r"\s+", " ", _cell(row, s_cols, "type")).strip()
        name = _cell(row, s_cols, "name")
        if not kind:
            problems.append(Problem("survey", n, "type", _("The type is empty.")))
            continue
        if kind in ("begin_group", "begin group"):
            groups.append((name, n))
            continue
        if kind in ("end_group", "end group"):
            if not groups:
                problems.append(Problem("survey", n, "type", _("end_group without a matching begin_group.")))
            else:
                groups.pop()
            continue
        if kind in METADATA_TYPES:
            continue
        if kind == f"select_one {PFN}":
            index = len(spec["items"])
            item = {
                "code": name,
                "title": _cell(row, s_cols, "label"),
                "guidance": _cell(row, s_cols, "hint"),
                "department": _cell(row, s_cols, "department"),
                "category": _code(row, s_cols, "category"),
                "legal_basis": _cell(row, s_cols, "legal_basis"),
                "severity": _cell(row, s_cols, "severity").lower(),
                "scenes": _cell(row, s_cols, "scenes").split(),
                "fail_reasons": [],
            }
            for key, column in (("required", "required"), ("on_discovery", "on_discovery"), ("photo_required_on_fail", "photo_required")):
                value = _bool(_cell(row, s_cols, column))
                if value is None:
                    problems.append(Problem("survey", n, column, _("Write yes or no (found “%(value)s”).") % {"value": _cell(row, s_cols, column)}))
                    value = False
                item[key] = value
            if _cell(row, s_cols, "relevant"):
                problems.append(Problem("survey", n, "relevant", _("Checklist items cannot be conditional; leave relevant empty.")))
            for field, column in (("code", "name"), ("title", "label"), ("guidance", "hint"), ("department", "department"),
                                  ("category", "category"), ("legal_basis", "legal_basis"), ("severity", "severity"),
                                  ("scenes", "scenes"), ("required", "required"), ("on_discovery", "on_discovery"),
                                  ("photo_required_on_fail", "photo_required")):
                where.set(("items", index, field), "survey", n, column)
            where.set(("items", index, "fail_reasons"), "survey", n, "name")
            reasons = lists.get(f"{name}_reasons", [])
            used_lists.add(f"{name}_reasons")
            for j, (rn, _cname, label, _p) in enumerate(reasons):
                item["fail_reasons"].append(label)
                where.set(("items", index, "fail_reasons", j), "choices", rn, "label")
            if groups and groups[-1][0] and groups[-1][0] != f"dept_{item['department']}":
                problems.append(Problem("survey", n, "department", _("The department %(dept)s does not match the group “%(group)s” it sits in.")
                                        % {"dept": item["department"] or "—", "group": groups[-1][0]}))
            spec["items"].append(item)
            last_item = item
            continue
        if kind.startswith("select_one ") and name.endswith("_reason"):
            code = name[: -len("_reason")]
            if last_item is None or last_item["code"] != code:
                problems.append(Problem("survey", n, "name", _("“%(name)s” must follow the item %(code)s.") % {"name": name, "code": code}))
            elif kind != f"select_one {code}_reasons":
                problems.append(Problem("survey", n, "type", _("The reason question of %(code)s must use the list %(code)s_reasons.") % {"code": code}))
            continue
        if kind == "image" and name.endswith("_photo"):
            code = name[: -len("_photo")]
            if last_item is None or last_item["code"] != code:
                problems.append(Problem("survey", n, "name", _("“%(name)s” must follow the item %(code)s.") % {"name": name, "code": code}))
                continue
            required = _bool(_cell(row, s_cols, "required"))
            if required is not None and required != last_item["photo_required_on_fail"]:
                problems.append(Problem("survey", n, "required", _("The photo row of %(code)s says required=%(value)s but the item says photo_required=%(item)s.")
                                        % {"code": code, "value": _yes(required), "item": _yes(last_item["photo_required_on_fail"])}))
            continue
        problems.append(Problem("survey", n, "type", _("The question type “%(type)s” is not supported in the checklist.") % {"type": kind}))
    for name, n in groups:
        problems.append(Problem("survey", n, "type", _("begin_group “%(name)s” is never closed.") % {"name": name}))
    for list_name, n in list_rows.items():
        if list_name not in used_lists:
            problems.append(Problem("choices", n, "list_name", _("The list “%(list)s” belongs to no item.") % {"list": list_name}))
    return spec, where, problems


def _rows(ws) -> list[tuple[int, list[str]]]:
    rows = []
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        rows.append((n, ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip() for v in row]))
    return rows


def _header(rows, sheet: str, required: list[str], problems: list[Problem]) -> dict[str, int] | None:
    if not rows:
        problems.append(Problem(sheet, 1, "", _("The sheet “%(sheet)s” is empty.") % {"sheet": sheet}))
        return None
    cols = {name.strip().lower(): i for i, name in enumerate(rows[0][1]) if name}
    missing = [c for c in required if c not in cols]
    for column in missing:
        problems.append(Problem(sheet, 1, column, _("The column “%(column)s” is missing.") % {"column": column}))
    return None if missing else cols


def _cell(row: list[str], cols: dict[str, int], name: str) -> str:
    i = cols.get(name)
    return row[i] if i is not None and i < len(row) else ""


def _code(row, cols, name) -> str:
    """A category code: Excel may have turned 0701 into the number 701."""
    value = _cell(row, cols, name)
    return value.zfill(4) if value.isdigit() and len(value) < 4 else value


def _bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in YES:
        return True
    if v in NO:
        return False
    return None
