"""Writes of forms_fill: people master data, reveal, templates, starting fills and imports."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.identifiers import check_id_number, mask_identifier
from core.services import audit_record

from . import catalogue
from .catalogue import PERSON
from .models import FillRun, Person, RecordChange, TableTemplate

PERSON_COLUMNS = {f.key: f.column for f in catalogue.PERSON_FIELDS if f.column}


def masked(entity: str, key: str, value) -> str:
    """A value as it may appear in a log, list or history: sensitive ones masked."""
    field = catalogue.get(entity, key)
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    if field is None or not field.sensitive:
        return text[:200]
    if field.mask_kind in ("id_number", "phone"):
        return mask_identifier(text, field.mask_kind)
    return "***" if text else ""


def person_values(person: Person) -> dict:
    """All catalogue values of a person, keyed by catalogue key (grid → region name)."""
    values = {}
    for field in catalogue.PERSON_FIELDS:
        if field.column == "region":
            values[field.key] = person.region.name if person.region_id else ""
        elif field.column:
            values[field.key] = getattr(person, field.column)
        else:
            values[field.key] = person.attributes.get(field.key, "")
    return values


def _source(source: str) -> dict:
    return {"source": source[:100], "date": timezone.localdate().isoformat()}


def _apply(person: Person, data: dict, *, source: str) -> dict:
    """Set catalogue values on ``person``; returns {key: [old masked, new masked]} of what changed."""
    changes = {}
    attributes = dict(person.attributes or {})
    sources = dict(person.sources or {})
    for key, new in data.items():
        field = catalogue.get(PERSON, key)
        if field is None or field.derived or key == "grid":
            continue
        column = field.column
        old = getattr(person, column) if column else attributes.get(key, "")
        if isinstance(new, str):
            new = new.strip()
        if (old or "") == (new or ""):
            continue
        if column:
            setattr(person, column, new if new is not None else "")
        elif new in ("", None):
            attributes.pop(key, None)
        else:
            attributes[key] = new
        sources[key] = _source(source)
        changes[key] = [masked(PERSON, key, old), masked(PERSON, key, new)]
    person.attributes = attributes
    person.sources = sources
    return changes


def _derive_from_id(person: Person) -> None:
    result = check_id_number(person.id_number)
    if result.ok:
        person.sex = result.info["sex"]
        person.birth_date = result.info.get("birth_date")


@transaction.atomic
def person_create(*, by, id_number: str, region, data: dict, source: str = "") -> Person:
    """Add a person (the caller has checked the region is in the user's jurisdiction)."""
    result = check_id_number(id_number)
    if not result.ok:
        raise ValueError(result.messages[0])
    source = source or _("entered by %(user)s") % {"user": by.get_username()}
    person = Person(id_number=result.value, region=region, region_path=region.path, created_by=by, name="")
    _derive_from_id(person)
    changes = _apply(person, data, source=source)
    person.sources["id_number"] = _source(source)
    person.sources["grid"] = _source(source)
    person.full_clean(exclude=["region_path"])
    person.save()
    changes["id_number"] = ["", masked(PERSON, "id_number", person.id_number)]
    changes["grid"] = ["", region.name]
    RecordChange.objects.create(entity=PERSON, object_id=person.pk, action=RecordChange.Action.CREATE,
                                changes=changes, source=source, user=by)
    return person


@transaction.atomic
def person_update(*, person: Person, by, data: dict, region=None, source: str = "") -> dict:
    person = Person.objects.select_for_update().select_related("region").get(pk=person.pk)
    source = source or _("edited by %(user)s") % {"user": by.get_username()}
    changes = _apply(person, data, source=source)
    if region is not None and region.pk != person.region_id:
        changes["grid"] = [person.region.name, region.name]
        person.region = region
        person.region_path = region.path
        person.sources["grid"] = _source(source)
    if changes:
        person.full_clean(exclude=["region_path", "id_number"])
        person.save()
        RecordChange.objects.create(entity=PERSON, object_id=person.pk, action=RecordChange.Action.UPDATE,
                                    changes=changes, source=source, user=by)
    return changes


@transaction.atomic
def person_delete(*, person: Person, by, reason: str = "") -> None:
    updated = Person.objects.filter(pk=person.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), deleted_by=by, updated_at=timezone.now()
    )
    if updated:
        RecordChange.objects.create(entity=PERSON, object_id=person.pk, action=RecordChange.Action.DELETE,
                                    changes={}, source=reason[:100], user=by)


@transaction.atomic
def person_restore(*, person: Person, by) -> None:
    updated = Person.objects.filter(pk=person.pk, deleted_at__isnull=False).update(
        deleted_at=None, deleted_by=None, updated_at=timezone.now()
    )
    if updated:
        RecordChange.objects.create(entity=PERSON, object_id=person.pk, action=RecordChange.Action.RESTORE,
                                    changes={}, user=by)


def reveal(*, user, entity: str, obj, key: str, reason: str, request=None) -> str:
    """The full value of one sensitive field, recorded in the audit log with the reason."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValueError(_("Say why you need to see the full value."))
    field = catalogue.get(entity, key)
    if field is None or not field.sensitive:
        raise ValueError(_("This field is not masked."))
    if field.column:
        value = getattr(obj, field.column)
    else:
        value = (obj.attributes or {}).get(key, "")
    object_type = "forms_fill.Person" if entity == PERSON else "credit.Enterprise"
    audit_record(user=user, action="reveal", object_type=object_type, object_ids=[obj.pk],
                 reason=f"{field.label}: {reason}"[:255], request=request)
    return "" if value is None else str(value)


# ------------------------------------------------------------------------------ templates


@transaction.atomic
def template_save(*, template: TableTemplate | None = None, by, **fields) -> TableTemplate:
    template = template or TableTemplate(created_by=by)
    for name, value in fields.items():
        setattr(template, name, value)
    template.full_clean(exclude=["file"])
    template.save()
    return template


# ------------------------------------------------------------------------------ fills and imports


def fill_start(*, user, template: TableTemplate, region_path: str, keys_text: str | None = None,
               filters: dict | None = None, table=None, label: str = "") -> FillRun:
    """Start a fill job for pasted keys or for every record matching ``filters``."""
    from core.jobs import start_job

    from .fill import MAX_KEYS, split_keys

    params = {"template": template.pk, "region_path": region_path, "table": table.pk if table else None}
    if keys_text is not None:
        keys = split_keys(keys_text)
        if not keys:
            raise ValueError(_("Paste at least one number."))
        if len(keys) > MAX_KEYS:
            raise ValueError(_("At most %(max)s numbers per fill; you gave %(n)s. Split the list.")
                             % {"max": f"{MAX_KEYS:,}", "n": f"{len(keys):,}"})
        params["keys"] = keys
    else:
        params["filters"] = filters or {}
    with transaction.atomic():
        job = start_job("forms_fill.fill", user=user, region_path=region_path, params=params,
                        label=label or _("Fill: %(name)s") % {"name": template.name}, sensitive=True,
                        total=len(params.get("keys", [])) or None)
        run = FillRun.objects.create(kind=FillRun.Kind.FILL, job_uuid=job.uuid, template=template, table=table,
                                     entity=template.entity, user=user, region_path=region_path,
                                     key_count=len(params.get("keys", [])),
                                     summary={"filters": params.get("filters")} if keys_text is None else {})
    run.job = job
    return run


def import_start(*, user, entity: str, upload, source: str, region_path: str) -> FillRun:
    from core.jobs import start_job

    with transaction.atomic():
        run = FillRun(kind=FillRun.Kind.IMPORT, entity=entity, user=user, region_path=region_path,
                      source=source[:100])
        run.upload.save(f"{entity}-{timezone.now():%Y%m%d%H%M%S}.{_extension(upload.name)}", upload, save=False)
        job = start_job("forms_fill.import", user=user, region_path=region_path,
                        params={"entity": entity, "source": source[:100]},
                        label=_("Import of %(what)s: %(name)s") % {"what": catalogue.ENTITY_LABELS[entity],
                                                                  "name": upload.name[:80]})
        run.job_uuid = job.uuid
        run.save()
        job.params["run"] = run.pk
        job.save(update_fields=["params"])
    run.job = job
    return run


def _extension(name: str) -> str:
    return "csv" if name.lower().endswith(".csv") else "xlsx"
