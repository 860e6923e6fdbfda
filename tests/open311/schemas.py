"""JSON schemas written from the GeoReport v2 field lists (open311.github.io
GeoReport/v2/index.md; /work/shared/reference/open311-and-fixmystreet.md), plus a reader
that turns an XML response into the same shape, so both formats meet one schema."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import jsonschema

DATETIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"}
TEXT = {"type": "string"}
NONEMPTY = {"type": "string", "minLength": 1}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "additionalProperties": False,
    "properties": {
        "changeset": DATETIME,
        "contact": NONEMPTY,
        "key_service": NONEMPTY,
        "endpoints": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "additionalProperties": False,
                "properties": {
                    "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                    "url": {"type": "string", "pattern": "^https?://.+/open311/v2/$"},
                    "changeset": DATETIME,
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array", "minItems": 2, "uniqueItems": True,
                        "items": {"enum": ["text/xml", "application/json"]},
                    },
                },
            },
        },
    },
}

SERVICES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "additionalProperties": False,
        "properties": {
            "service_code": NONEMPTY,
            "service_name": NONEMPTY,
            "description": TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": TEXT,
            "group": TEXT,
        },
    },
}

DATATYPES = ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "additionalProperties": False,
    "properties": {
        "service_code": NONEMPTY,
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "additionalProperties": False,
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": NONEMPTY,
                    "datatype": {"enum": DATATYPES},
                    "required": {"type": "boolean"},
                    "datatype_description": TEXT,
                    "order": {"type": "integer", "minimum": 0},
                    "description": NONEMPTY,
                    "values": {
                        "type": "array", "minItems": 1,
                        "items": {
                            "type": "object", "required": ["key", "name"], "additionalProperties": False,
                            "properties": {"key": NONEMPTY, "name": NONEMPTY},
                        },
                    },
                },
                "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
                "then": {"required": ["values"]},
                "else": {"not": {"required": ["values"]}},
            },
        },
    },
}

# A request record. additionalProperties: false — nothing beyond the spec's fields, so a
# reporter's name, phone or account can never slip into the public output.
REQUEST = {
    "type": "object",
    "required": [
        "service_request_id", "status", "service_name", "service_code", "description",
        "requested_datetime", "updated_datetime", "address", "lat", "long",
    ],
    "additionalProperties": False,
    "properties": {
        "service_request_id": NONEMPTY,
        "status": {"enum": ["open", "closed"]},
        "status_notes": TEXT,
        "service_name": NONEMPTY,
        "service_code": NONEMPTY,
        "description": {"type": "string", "maxLength": 4000},
        "agency_responsible": TEXT,
        "service_notice": TEXT,
        "requested_datetime": DATETIME,
        "updated_datetime": DATETIME,
        "expected_datetime": DATETIME,
        "address": TEXT,
        "address_id": TEXT,
        "zipcode": TEXT,
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "media_url": {"type": "string", "pattern": "^https?://"},
    },
}
REQUESTS = {"type": "array", "items": REQUEST}

CREATED = {
    "type": "array", "minItems": 1, "maxItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "service_request_id": NONEMPTY, "token": NONEMPTY, "service_notice": TEXT, "account_id": TEXT,
        },
        # service_request_id or token, never both.
        "oneOf": [
            {"required": ["service_request_id"], "not": {"required": ["token"]}},
            {"required": ["token"], "not": {"required": ["service_request_id"]}},
        ],
    },
}

TOKEN = {
    "type": "array", "minItems": 1,
    "items": {
        "type": "object", "required": ["token"], "additionalProperties": False,
        "properties": {"service_request_id": NONEMPTY, "token": NONEMPTY, "service_notice": TEXT},
    },
}

ERRORS = {
    "type": "array", "minItems": 1,
    "items": {
        "type": "object", "required": ["code", "description"], "additionalProperties": False,
        "properties": {"code": {"type": "integer", "minimum": 400, "maximum": 599}, "description": NONEMPTY},
    },
}

# XML documents: root element, item element (lists), schema.
KINDS = {
    "discovery": ("discovery", None, DISCOVERY),
    "services": ("services", "service", SERVICES),
    "service_definition": ("service_definition", None, SERVICE_DEFINITION),
    "requests": ("service_requests", "request", REQUESTS),
    "created": ("service_requests", "request", CREATED),
    "token": ("service_requests", "request", TOKEN),
    "errors": ("errors", "error", ERRORS),
}

# How XML text becomes the JSON types (the Spark convention keeps the element names).
XML_LISTS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
XML_BOOLEANS = {"metadata", "variable", "required"}
XML_INTEGERS = {"order", "code"}
XML_NUMBERS = {"lat", "long"}


def _convert(element: ET.Element, *, in_errors: bool = False):
    out = {}
    for child in element:
        tag = child.tag
        assert tag not in out, f"repeated element <{tag}>"
        if tag in XML_LISTS:
            items = []
            for item in child:
                assert item.tag == XML_LISTS[tag], f"<{tag}> holds <{item.tag}>"
                items.append(_convert(item) if len(item) else (item.text or ""))
            out[tag] = items
            continue
        text = child.text or ""
        if tag in XML_BOOLEANS:
            assert text in ("true", "false"), f"<{tag}>{text}</{tag}> is not a boolean"
            out[tag] = text == "true"
        elif tag in XML_NUMBERS:
            out[tag] = float(text)
        elif tag in XML_INTEGERS and (tag != "code" or in_errors):
            out[tag] = int(text)
        else:
            out[tag] = text
    return out


def parse_xml(body: bytes, kind: str):
    """Parse an XML response and return it in the JSON shape (asserting the root and items)."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    root = ET.fromstring(body)
    root_tag, item_tag, _schema = KINDS[kind]
    assert root.tag == root_tag, f"root <{root.tag}>, expected <{root_tag}>"
    if item_tag is None:
        return _convert(root)
    items = []
    for child in root:
        assert child.tag == item_tag, f"<{root_tag}> holds <{child.tag}>"
        items.append(_convert(child, in_errors=kind == "errors"))
    return items


def validate(data, kind: str) -> None:
    jsonschema.validate(data, KINDS[kind][2], format_checker=jsonschema.FormatChecker())
