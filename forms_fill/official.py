"""Official .xlsx templates: read the header, propose which tag each header cell is.

The template file itself is the skeleton of every fill (``forms_fill.xlsx.splice``): its
layout, merged header cells, fonts, borders and column widths are kept byte for byte.
Here we only *read* it (openpyxl; templates are small) to map header cells to catalogue tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import catalogue
from .xlsx import TemplateError, column_letter

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
HEADER_SCAN_ROWS = 20
SERIAL_WORDS = ("序号", "编号", "No.", "NO")


@dataclass
class HeaderCell:
    letter: str
    row: int
    text: str
    key: str | None = None


@dataclass
class Inspection:
    sheet_name: str
    sheets: list[str]
    headers: list[HeaderCell] = field(default_factory=list)  # the lowest header text per column
    mapping: dict = field(default_factory=dict)  # letter → key (proposed)
    serial_column: str = ""
    first_data_row: int = 2


def inspect_template(path_or_file, entity: str, sheet_name: str = "") -> Inspection:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path_or_file)
    except Exception as exc:
        raise TemplateError(_("The file is not an .xlsx workbook.")) from exc
    ws = wb[sheet_name] if sheet_name and sheet_name in wb.sheetnames else wb.worksheets[0]
    merged_bottom = {}
    for rng in ws.merged_cells.ranges:
        merged_bottom[(rng.min_row, rng.min_col)] = rng.max_row
    per_column: dict[int, HeaderCell] = {}
    last_header_row = 0
    serial = ""
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row or 1, HEADER_SCAN_ROWS)):
        for cell in row:
            if not isinstance(cell.value, str) or not cell.value.strip():
                continue
            text = "".join(cell.value.split())
            letter = column_letter(cell.column - 1)
            bottom = merged_bottom.get((cell.row, cell.column), cell.row)
            f = catalogue.by_label(entity, text)
            if text in SERIAL_WORDS:
                serial = letter
                last_header_row = max(last_header_row, bottom)
                continue
            if f is not None:
                per_column[cell.column] = HeaderCell(letter, cell.row, text, f.key)
                last_header_row = max(last_header_row, bottom)
            elif cell.column not in per_column or per_column[cell.column].key is None:
                # A header we do not know (yet): keep it so the user can map it.
                if last_header_row and cell.row > last_header_row + 1:
                    continue
                per_column[cell.column] = HeaderCell(letter, cell.row, text, None)
    if not last_header_row:
        raise TemplateError(_("No header cell of this template matches a field label; is it the right kind of table?"))
    headers = [h for c, h in sorted(per_column.items()) if h.row <= last_header_row and h.letter != serial]
    mapping = {h.letter: h.key for h in headers if h.key}
    return Inspection(ws.title, wb.sheetnames, headers, mapping, serial, last_header_row + 1)
