"""Import of people and enterprises from .xlsx / .csv (数据反哺): upsert, whole file or nothing.

The file comes back from a department or the city data platform: one header row (labels
of the field catalogue, or their usual spellings), one record per row. Every row is checked
first — ID number / credit code (GB 11643 / GB 32100), dates, numbers, phones, the grid
(by code or name) and whether it lies in the importer's jurisdiction. One bad row and
nothing is written: the report lists every problem by row. Otherwise all rows are upserted
by key in one transaction (``INSERT … ON CONFLICT DO UPDATE`` in chunks), only the columns
the file has are touched, empty cells keep what is stored, and each value written records
its source and date.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.identifiers import check_credit_code, check_id_number, check_phone, mask_identifier

from . import catalogue
from .catalogue import ENTERPRISE, PERSON

MAX_ROWS = 200_000
MAX_PROBLEMS = 500
CHUNK = 2000
REQUIRED = {PERSON: ("id_number", "name", "grid"), ENTERPRISE: ("uscc", "name", "grid")}


class ImportFailed(ValueError):
    """The file cannot be read at all (message for the user)."""


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list = field(default_factory=list)  # [{"row": n, "key": masked, "messages": [...]}]
    problem_rows: int = 0
    warnings: int = 0
    ignored_columns: list = field(default_factory=list)
    missing_columns: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem_rows and not self.missing_columns

    def add(self, row: int, key: str, messages: list[str]) -> None:
        self.problem_rows += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"row": row, "key": key, "messages": messages})

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "problems": self.problems, "problem_rows": self.problem_rows,
            "warnings": self.warnings, "ignored_columns": self.ignored_columns,
            "missing_columns": self.missing_columns,
        }


# ------------------------------------------------------------------------------ reading files


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def read_rows(path: str, name: str = "") -> Iterator[list[str]]:
    """Rows of the first sheet (.xlsx) or of a .csv (UTF-8 with or without BOM, or GB18030)."""
    lower = (name or str(path)).lower()
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if lower.endswith(".csv") or not magic.startswith(b"PK"):
        if magic.startswith(b"PK") or b"\x00" in magic:
            raise ImportFailed(_("The file is neither an .xlsx workbook nor a .csv text file."))
        with open(path, "rb") as fh:
            raw = fh.read()
        if b"\x00" in raw:
            raise ImportFailed(_("The .csv file contains NUL bytes; save it again as UTF-8 text."))
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFailed(_("The .csv file is neither UTF-8 nor GB18030 text."))
        yield from ([c.strip() for c in row] for row in csv.reader(io.StringIO(text)))
        return
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        for row in sheet.iter_rows():
            yield [_cell(v) for v in row]
        return
    except ImportError:
        pass
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ImportFailed(_("The workbook cannot be read: is it an .xlsx file?")) from exc
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFailed(_("The workbook cannot be read: is it an .xlsx file?")) from exc
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        wb.close()


# ------------------------------------------------------------------------------ values

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(text: str) -> datetime.date:
    text = text.strip()[:32]
    if "T" in text:
        text = text.split("T", 1)[0]
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(text)


def convert(entity: str, key: str, text: str):
    """A cell's text as the value to store; raises ValueError with a message naming the column."""
    f = catalogue.field(entity, key)
    if f.type == catalogue.DATE:
        try:
            return parse_date(text).isoformat() if f.column is None else parse_date(text)
        except ValueError:
            raise ValueError(_("%(column)s: “%(value)s” is not a date (YYYY-MM-DD).")
                             % {"column": f.label, "value": text[:20]}) from None
    if f.type == catalogue.INT:
        try:
            value = int(Decimal(text.replace(",", "")))
            if value < 0:
                raise InvalidOperation
            return value
        except (InvalidOperation, ValueError):
            raise ValueError(_("%(column)s: “%(value)s” is not a whole number.")
                             % {"column": f.label, "value": text[:20]}) from None
    if f.type == catalogue.DECIMAL:
        try:
            value = Decimal(text.replace(",", ""))
            if not value.is_finite() or abs(value) >= Decimal("1e12"):
                raise InvalidOperation
            return value if f.column else str(value)
        except InvalidOperation:
            raise ValueError(_("%(column)s: “%(value)s” is not a number.")
                             % {"column": f.label, "value": text[:20]}) from None
    if f.type == catalogue.PHONE:
        result = check_phone(text)
        if not result.ok:
            # Landlines (0757-…) are kept as written; anything else is reported.
            if re.fullmatch(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?", text.replace(" ", "")):
                return text.replace(" ", "")
            raise ValueError(f"{f.label}: {result.messages[0]}")
        return result.value
    if f.type == catalogue.ID_NUMBER:
        result = check_id_number(text)
        if not result.ok:
            raise ValueError(f"{f.label}: {result.messages[0]}")
        return result.value
    limit = 2000 if key in ("business_scope", "remarks") else 255
    if len(text) > limit:
        raise ValueError(_("%(column)s is too long (%(n)s characters; at most %(max)s).")
                         % {"column": f.label, "n": len(text), "max": limit})
    return text


# ------------------------------------------------------------------------------ the import


class _Regions:
    def __init__(self, user):
        from grids.models import Region
        from grids.scoping import path_in_scope

        self.by_code = {}
        self.by_name: dict[str, list] = {}
        for region in Region.objects.only("id", "code", "name", "path", "level"):
            self.by_code[region.code] = region
            self.by_name.setdefault(region.name, []).append(region)
        self.user = user
        self._in_scope = path_in_scope

    def find(self, text: str):
        """(region, error message or None)."""
        text = text.strip()
        region = self.by_code.get(text)
        if region is None:
            found = self.by_name.get(text, [])
            if len(found) > 1:
                return None, _("Grid “%(name)s” is ambiguous; give its code.") % {"name": text[:40]}
            region = found[0] if found else None
        if region is None:
            return None, _("Unknown grid “%(name)s”.") % {"name": text[:40]}
        if not self._in_scope(self.user, region.path, verb="manage") and not self._in_scope(self.user, region.path):
            return None, _("Grid “%(name)s” is outside your jurisdiction.") % {"name": region.name}
        return region, None


def run_import(*, entity: str, path: str, name: str, user, source: str, region_path: str = "",
               on_progress: Callable[[int, int | None], None] | None = None) -> Report:
    """Check every row, then (if all are good) upsert them all; returns the report."""
    report = Report()
    rows = read_rows(path, name)
    key_field = catalogue.KEY_FIELD[entity]
    header, header_row = None, 0
    for n, row in enumerate(rows, start=1):
        keys = [catalogue.by_label(entity, c) for c in row]
        if any(f is not None and f.key == key_field for f in keys):
            header, header_row = keys, n
            raw_header = row
            break
        if n >= 10:
            break
    if header is None:
        report.missing_columns = [catalogue.field(entity, k).label for k in REQUIRED[entity]]
        return report
    present = {f.key for f in header if f is not None}
    report.missing_columns = [catalogue.field(entity, k).label for k in REQUIRED[entity] if k not in present]
    report.ignored_columns = [c for c, f in zip(raw_header, header) if c and (f is None or f.derived)][:20]
    if report.missing_columns:
        return report
    columns = [(i, f.key) for i, f in enumerate(header) if f is not None and not f.derived]
    regions = _Regions(user)
    check_key = check_id_number if entity == PERSON else check_credit_code
    parsed: list[tuple] = []  # (key, region, values dict)
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=header_row + 1):
        if not any(row):
            continue
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise ImportFailed(_("At most %(max)s rows per file.") % {"max": f"{MAX_ROWS:,}"})
        errors = []
        values = {}
        key = ""
        info = None
        region = None
        for i, k in columns:
            text = row[i] if i < len(row) else ""
            if k == key_field:
                result = check_key(text)
                key = result.value
                info = result.info
                if not result.ok:
                    errors.extend(result.messages)
                elif result.warnings:
                    report.warnings += 1
                continue
            if k == "grid":
                if not text:
                    errors.append(_("The grid is empty."))
                else:
                    region, message = regions.find(text)
                    if message:
                        errors.append(message)
                continue
            if not text:
                continue
            if k == "status" and entity == ENTERPRISE:
                status = _enterprise_status(text)
                if status is None:
                    errors.append(_("Status: “%(value)s” is not a registration status.") % {"value": text[:20]})
                else:
                    values[k] = status
                continue
            try:
                values[k] = convert(entity, k, text)
            except ValueError as exc:
                errors.append(str(exc))
        if not values.get("name"):
            errors.append(_("The name is empty."))
        if entity == ENTERPRISE and values.get("business_term_from") and values.get("business_term_to"):
            if values["business_term_to"] < values["business_term_from"]:
                errors.append(_("The business term ends before it begins."))
        if key and key in seen and not errors:
            errors.append(_("The same number is already on row %(row)s.") % {"row": seen[key]})
        if key:
            seen.setdefault(key, n)
        if errors:
            shown = mask_identifier(key, "id_number") if entity == PERSON else key
            report.add(n, shown, errors)
        elif not report.problem_rows:
            if entity == PERSON and info:
                values["_info"] = info
            parsed.append((key, region, values))
        if on_progress and report.rows % 5000 == 0:
            on_progress(report.rows, None)
    if not report.ok:
        return report
    if not parsed:
        return report
    today = timezone.localdate().isoformat()
    if entity == PERSON:
        _upsert_people(parsed, user=user, source=source, today=today, report=report, on_progress=on_progress)
    else:
        _upsert_enterprises(parsed, user=user, source=source, today=today, report=report, on_progress=on_progress)
    return report


def _enterprise_status(text: str):
    from credit.models import Enterprise

    aliases = {"存续": "existing", "在业": "operating", "开业": "operating", "停业": "suspended", "迁出": "moved_out",
               "注销": "deregistered", "吊销": "revoked", "撤销": "cancelled"}
    text = text.strip()
    if text in Enterprise.Status.values:
        return text
    for word, value in aliases.items():
        if text.startswith(word):
            return value
    return None


def _upsert(model, entity: str, parsed, *, user, source, today, report, on_progress, build_new, column_keys):
    from .models import RecordChange

    key_field = catalogue.KEY_FIELD[entity]
    src = {"source": source[:100], "date": today}
    now = timezone.now()
    update_fields = sorted({c for c in column_keys.values()} | {"attributes", "sources", "region", "region_path",
                                                               "deleted_at", "deleted_by", "updated_at"})
    done = 0
    with transaction.atomic():
        for start in range(0, len(parsed), CHUNK):
            chunk = parsed[start:start + CHUNK]
            existing = {getattr(o, key_field): o for o in
                        model.objects.filter(**{f"{key_field}__in": [k for k, _r, _v in chunk]})}
            objs, changes = [], []
            for key, region, values in chunk:
                obj = existing.get(key)
                created = obj is None
                info = values.pop("_info", None)
                if created:
                    obj = build_new(key, region, info)
                diff = {}
                attributes = dict(obj.attributes or {})
                sources = dict(obj.sources or {})
                for k, value in values.items():
                    column = column_keys.get(k)
                    old = getattr(obj, column) if column else attributes.get(k)
                    if old == value:
                        continue
                    if column:
                        setattr(obj, column, value)
                    else:
                        attributes[k] = value
                    sources[k] = src
                    if not created:
                        from .services import masked

                        diff[k] = [masked(entity, k, old), masked(entity, k, value)]
                if region is not None and region.pk != obj.region_id:
                    if not created:
                        diff["grid"] = [str(obj.region_id), region.name]
                    obj.region = region
                    obj.region_path = region.path
                    sources["grid"] = src
                if obj.deleted_at is not None:
                    diff["deleted"] = ["yes", "no"]
                    obj.deleted_at = None
                    obj.deleted_by = None
                obj.attributes = attributes
                obj.sources = sources
                obj.updated_at = now
                if created:
                    sources[key_field] = src
                    report.created += 1
                elif diff:
                    report.updated += 1
                else:
                    report.unchanged += 1
                    continue
                objs.append(obj)
                changes.append((key, created, diff))
            if objs:
                new = [o for o, (_k, created, _d) in zip(objs, changes) if created]
                old = [o for o, (_k, created, _d) in zip(objs, changes) if not created]
                if new and connection.vendor == "postgresql":
                    _copy(model, new)  # COPY: ~10x the rows/s of a multi-row INSERT (performance-notes)
                elif new:
                    model.objects.bulk_create(new, batch_size=CHUNK)
                if old:
                    model.objects.bulk_create(old, update_conflicts=True, unique_fields=[key_field],
                                              update_fields=update_fields, batch_size=CHUNK)
                ids = dict(model.objects.filter(**{f"{key_field}__in": [c[0] for c in changes]})
                           .values_list(key_field, "id"))
                if connection.vendor == "postgresql":
                    _copy_rows(RecordChange, ["entity", "object_id", "action", "changes", "source", "user_id", "at"], (
                        (entity, ids[key], RecordChange.Action.IMPORT, "{}" if created else _json(diff), source[:100],
                         user.pk if user else None, now) for key, created, diff in changes))
                else:
                    RecordChange.objects.bulk_create([
                        RecordChange(entity=entity, object_id=ids[key], action=RecordChange.Action.IMPORT,
                                     changes={} if created else diff, source=source[:100], user=user, at=now)
                        for key, created, diff in changes
                    ], batch_size=CHUNK)
            done += len(chunk)
            if on_progress:
                on_progress(done, len(parsed))


def _copy(model, objs) -> None:
    """Insert new rows with PostgreSQL COPY (inside the surrounding transaction)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from django.db.models import FileField, JSONField

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for obj in objs:
                row = []
                for f in fields:
                    value = getattr(obj, f.attname)
                    if isinstance(f, JSONField):
                        value = json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
                    elif isinstance(f, FileField):
                        value = value.name or ""
                    row.append(value)
                copy.write_row(row)


def _json(value) -> str:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


def _copy_rows(model, columns, rows) -> None:
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _upsert_people(parsed, *, user, source, today, report, on_progress):
    from .models import Person

    column_keys = {f.key: f.column for f in catalogue.PERSON_FIELDS if f.column and f.key not in ("id_number", "grid")}

    def build_new(key, region, info):
        info = info or check_id_number(key).info
        return Person(id_number=key, name="", region=region, region_path=region.path, created_by=user,
                      sex=info.get("sex", ""), birth_date=info.get("birth_date"), attributes={}, sources={},
                      created_at=timezone.now())

    _upsert(Person, PERSON, parsed, user=user, source=source, today=today, report=report,
            on_progress=on_progress, build_new=build_new, column_keys=column_keys)


def _upsert_enterprises(parsed, *, user, source, today, report, on_progress):
    from credit.models import Enterprise

    column_keys = {f.key: f.column for f in catalogue.ENTERPRISE_FIELDS if f.column and f.key not in ("uscc", "grid")}

    def build_new(key, region, _info):
        return Enterprise(uscc=key, name="", region=region, region_path=region.path, created_by=user,
                          attributes={}, sources={}, created_at=timezone.now())

    _upsert(Enterprise, ENTERPRISE, parsed, user=user, source=source, today=today, report=report,
            on_progress=on_progress, build_new=build_new, column_keys=column_keys)
