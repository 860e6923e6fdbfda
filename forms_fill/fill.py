"""One-click fill (一表填): keys → records in the user's jurisdiction → a filled .xlsx.

The data path is one query per chunk of keys (``id_number IN (…)`` on the unique index,
scoped by ``grids.scoping.scope``) or, for "every record matching this filter", one
streamed query (a server-side cursor on PostgreSQL). Only the columns the template needs
are selected. Rows are written by ``forms_fill.xlsx.splice`` as they arrive, so memory does
not grow with the table.

Keys outside the user's jurisdiction are *not found* — never filled, never told apart from
keys that do not exist — and every fill is recorded in ``core.AuditLog``.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.identifiers import check_credit_code, check_id_number

from . import catalogue
from .catalogue import ENTERPRISE, PERSON
from .xlsx import Column, build_skeleton, column_index, column_letter, splice

# Most keys one fill accepts (pasted or uploaded); above it the form says so clearly.
MAX_KEYS = getattr(settings, "FORMS_FILL_MAX_KEYS", 100_000)
CHUNK = 2000

FILLED, NOT_FOUND, INVALID, DUPLICATE = "filled", "not_found", "invalid", "duplicate"
OUTCOME_LABELS = {
    FILLED: "已填写",
    NOT_FOUND: "本辖区未找到",
    INVALID: "号码无效",
    DUPLICATE: "重复(已在前面填写)",
}
SERIAL_LABEL = "序号"
_SPLIT = re.compile(r"[\s,,;;、|]+")


@dataclass
class KeyOutcome:
    raw: str
    value: str
    status: str
    message: str = ""


def split_keys(text: str) -> list[str]:
    """Keys pasted one per line (or separated by commas, semicolons, tabs or spaces)."""
    # A token without any digit is a header cell ("公民身份号码"), not a number: skip it.
    return [k for k in _SPLIT.split(text or "") if k and any(ch.isdigit() for ch in k)]


def check_keys(entity: str, raw_keys: Iterable[str]) -> tuple[list[str], list[KeyOutcome]]:
    """Normalise and validate keys; returns (unique valid keys in order, one outcome per input key).

    Outcomes of valid keys start as ``not_found`` and become ``filled`` when a record is written.
    """
    check = check_id_number if entity == PERSON else check_credit_code
    seen: set[str] = set()
    valid: list[str] = []
    outcomes: list[KeyOutcome] = []
    for raw in raw_keys:
        result = check(raw)
        if not result.ok:
            outcomes.append(KeyOutcome(str(raw)[:40], result.value[:40], INVALID, "; ".join(result.messages)))
        elif result.value in seen:
            outcomes.append(KeyOutcome(str(raw)[:40], result.value, DUPLICATE))
        else:
            seen.add(result.value)
            valid.append(result.value)
            outcomes.append(KeyOutcome(str(raw)[:40], result.value, NOT_FOUND))
    return valid, outcomes


# ------------------------------------------------------------------------------ reading records


def _model(entity: str):
    if entity == PERSON:
        from .models import Person

        return Person
    from credit.models import Enterprise

    return Enterprise


def _region_names() -> dict[int, str]:
    from grids.models import Region

    return dict(Region.objects.values_list("id", "name"))


def _plain(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, Decimal):
        value = value.normalize()
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


def row_reader(entity: str, keys: list[str]) -> tuple[list[str], Callable[[tuple], list]]:
    """The columns to select and a function turning one selected row into the cells of ``keys``."""
    key_field = catalogue.KEY_FIELD[entity]
    columns = [key_field]
    getters = []
    need_attributes = False
    regions: dict[int, str] | None = None
    status_labels = {}
    if entity == ENTERPRISE:
        from credit.models import Enterprise

        with translation.override(settings.LANGUAGE_CODE):
            status_labels = {k: str(v) for k, v in Enterprise.Status.choices}
    for key in keys:
        field = catalogue.field(entity, key)
        if field.column is None:
            need_attributes = True
            getters.append(("attr", key))
            continue
        column = "region_id" if field.type == catalogue.REGION else field.column
        if column not in columns:
            columns.append(column)
        getters.append(("col", columns.index(column), field))
    if need_attributes:
        columns.append("attributes")
    attr_index = len(columns) - 1
    if any(g[0] == "col" and g[2].type == catalogue.REGION for g in getters):
        regions = _region_names()
    sex_labels = {"M": "男", "F": "女"}

    def convert(row: tuple) -> list:
        attributes = row[attr_index] if need_attributes else None
        cells = []
        for g in getters:
            if g[0] == "attr":
                value = (attributes or {}).get(g[1])
            else:
                value = row[g[1]]
                field = g[2]
                if field.type == catalogue.REGION:
                    value = regions.get(value, "") if value else ""
                elif field.key == "sex" and entity == PERSON:
                    value = sex_labels.get(value, value)
                elif field.key == "status" and entity == ENTERPRISE:
                    value = status_labels.get(value, value)
            cells.append(_plain(value))
        return cells

    return columns, convert


def scoped_records(entity: str, user, region_path: str):
    """The live records of ``entity`` inside the user's jurisdiction and under the job's region."""
    from grids.scoping import scope

    qs = _model(entity).objects.filter(deleted_at__isnull=True)
    qs = scope(qs, user)
    if region_path:
        qs = qs.filter(region_path__startswith=region_path)
    return qs


def rows_for_keys(entity: str, user, region_path: str, keys: list[str], columns: list[str]) -> Iterator[tuple]:
    """Selected rows for ``keys`` in key order; keys out of scope or unknown yield nothing."""
    key_field = catalogue.KEY_FIELD[entity]
    base = scoped_records(entity, user, region_path)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        found = {row[0]: row for row in base.filter(**{f"{key_field}__in": chunk}).values_list(*columns)}
        for key in chunk:
            row = found.get(key)
            if row is not None:
                yield row


def rows_for_filter(entity: str, user, region_path: str, filters: dict, columns: list[str]) -> Iterator[tuple]:
    """Every record matching the saved filter, streamed in the list's order."""
    from .selectors import apply_filters

    qs = apply_filters(entity, scoped_records(entity, user, region_path), filters)
    order = ("region_path", "name", "id")
    return qs.order_by(*order).values_list(*columns).iterator(chunk_size=CHUNK)


# ------------------------------------------------------------------------------ writing


@dataclass
class Layout:
    skeleton: Path
    sheet_name: str
    first_data_row: int
    columns: list[Column]
    keys: list[str]  # catalogue key per data column (None for the serial column)
    serial: bool


def composed_layout(template, workdir: Path) -> Layout:
    entity = template.entity
    keys = [k for k in template.columns if catalogue.get(entity, k)]
    headers = [SERIAL_LABEL] + [catalogue.field(entity, k).label for k in keys]
    skeleton = workdir / "skeleton.xlsx"
    first = build_skeleton(skeleton, title=template.title, header_lines=list(template.header_lines or []),
                           headers=headers, sheet_name=template.name[:31])
    columns = [Column(column_letter(i)) for i in range(len(headers))]
    return Layout(skeleton, "", first, columns, keys, True)


def official_layout(template, workdir: Path) -> Layout:
    entity = template.entity
    skeleton = workdir / "template.xlsx"
    with template.file.open("rb") as src, open(skeleton, "wb") as dst:
        dst.write(src.read())
    mapped = sorted(
        ((letter, key) for letter, key in (template.mapping or {}).items() if catalogue.get(entity, key)),
        key=lambda item: column_index(item[0]),
    )
    columns = []
    keys = []
    serial = bool(template.serial_column)
    if serial:
        columns.append(Column(template.serial_column))
    for letter, key in mapped:
        columns.append(Column(letter))
        keys.append(key)
    return Layout(skeleton, template.sheet_name, template.first_data_row or 2, columns, keys, serial)


def outcome_header() -> list[str]:
    return ["序号", "输入的号码", "规范化号码", "结果", "说明"]


def write_fill(*, template, user, region_path: str, out: Path, keys: list[str] | None = None,
               outcomes: list[KeyOutcome] | None = None, filters: dict | None = None,
               on_rows: Callable[[int], None] | None = None) -> dict:
    """Fill ``template`` for ``keys`` (or for ``filters``) into ``out``; returns the counts."""
    entity = template.entity
    with tempfile.TemporaryDirectory(prefix="fill-") as tmp:
        workdir = Path(tmp)
        layout = official_layout(template, workdir) if template.kind == "official" else composed_layout(template, workdir)
        columns, convert = row_reader(entity, layout.keys)
        filled_keys: set[str] = set()

        def data_rows():
            source = (rows_for_keys(entity, user, region_path, keys, columns) if keys is not None
                      else rows_for_filter(entity, user, region_path, filters or {}, columns))
            for n, row in enumerate(source, start=1):
                filled_keys.add(row[0])
                cells = convert(row)
                yield ([n] + cells) if layout.serial else cells

        def outcome_rows():
            for n, o in enumerate(outcomes or [], start=1):
                status = FILLED if o.status == NOT_FOUND and o.value in filled_keys else o.status
                yield [n, o.raw, o.value, OUTCOME_LABELS[status], o.message]

        written = splice(
            skeleton=layout.skeleton, out=out, first_data_row=layout.first_data_row, columns=layout.columns,
            rows=data_rows(), sheet_name=layout.sheet_name,
            outcome=("填报结果", outcome_header(), outcome_rows()) if outcomes is not None else None,
            on_rows=on_rows,
        )
    counts = {"rows": written}
    if outcomes is not None:
        counts[FILLED] = sum(1 for o in outcomes if o.status == NOT_FOUND and o.value in filled_keys)
        counts[NOT_FOUND] = sum(1 for o in outcomes if o.status == NOT_FOUND and o.value not in filled_keys)
        counts[INVALID] = sum(1 for o in outcomes if o.status == INVALID)
        counts[DUPLICATE] = sum(1 for o in outcomes if o.status == DUPLICATE)
    return counts


def label_for(status: str) -> str:
    return {FILLED: _("filled"), NOT_FOUND: _("not found in your jurisdiction"), INVALID: _("invalid number"),
            DUPLICATE: _("duplicate")}[status]
