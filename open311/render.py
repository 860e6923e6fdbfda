"""The two wire formats of GeoReport v2: XML (required) and JSON (the XML by the Spark
convention: the root wrapper dropped, so a list is a bare array).

A document is built once as plain Python data — a list of dicts, or one dict — and
written in either format. Nested lists name their XML child element in LIST_ITEMS
(``attributes`` → ``attribute`` …). ``None`` values are left out in both formats.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import zoneinfo
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpResponse

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# XML element of each item of a nested list.
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR;
# lone surrogates; U+FFFE/U+FFFF). Stored text from other channels is cleaned, not refused.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)


@functools.lru_cache(maxsize=4)
def _zone(name: str):
    return zoneinfo.ZoneInfo(name)


def iso(moment: dt.datetime | None) -> str | None:
    """W3C / ISO 8601 with the zone (the deployment's, Asia/Shanghai: +08:00), whole seconds."""
    if moment is None:
        return None
    return moment.astimezone(_zone(settings.TIME_ZONE)).replace(microsecond=0).isoformat()


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return iso(value)
    return clean_text(str(value))


def _json_value(value):
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, str):
        return clean_text(value)
    return value


def _fill(parent: ET.Element, data: dict) -> None:
    for key, value in data.items():
        if value is None:
            continue
        child = ET.SubElement(parent, key)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            item_tag = LIST_ITEMS[key]
            for item in value:
                grandchild = ET.SubElement(child, item_tag)
                if isinstance(item, dict):
                    _fill(grandchild, item)
                else:
                    grandchild.text = _scalar(item)
        else:
            child.text = _scalar(value)


def to_xml(root: str, data, item: str | None = None) -> str:
    """``data`` is a dict (one element under ``root``) or a list of dicts (``item`` elements)."""
    element = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            _fill(ET.SubElement(element, item), entry)
    else:
        _fill(element, data)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def to_json(data) -> str:
    return json.dumps(_json_value(data), ensure_ascii=False, separators=(",", ":"))


def respond(fmt: str, data, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body, content_type = to_json(data), JSON_TYPE
    else:
        body, content_type = to_xml(root, data, item), XML_TYPE
    return HttpResponse(body.encode("utf-8"), content_type=content_type, status=status)


def errors_response(fmt: str, errors: list[tuple[int, str]], status: int) -> HttpResponse:
    """``<errors><error><code/><description/></error></errors>`` or ``[{"code":…, "description":…}]``."""
    data = [{"code": code, "description": str(description)} for code, description in errors]
    return respond(fmt, data, root="errors", item="error", status=status)
