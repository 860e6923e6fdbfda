"""Writes of the scan app: upload (checked photos + one job), recognition, confirmation, links.

Nothing OCR read reaches a record by itself: ``scan_confirm_*`` take the values a person
confirmed on the review screen, check them again (ID number / credit code by their check
characters, dates, the record's jurisdiction) and write them through the owning app's
services (``forms_fill.services.person_*``, ``credit.services.enterprise_*``) with the scan as
the values' source. Each confirmation is one transaction: on any error nothing is written.
"""

from __future__ import annotations

import io
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.evidence import EvidenceError, process_image
from core.identifiers import check_credit_code, check_id_number
from core.jobs import start_job
from grids.scoping import path_in_scope, scope_paths

from . import ocr, parsing
from .models import Kind, Scan, ScanBatch, ScanLink

log = logging.getLogger(__name__)

JOB_KIND = "scan.recognise"
MAX_BATCH = 300  # photos per upload: a village's 200 ID cards fit
MAX_TEXT = 20_000  # characters of recognised text kept per scan

# Messages for ocr.ScanError codes, shown on the review screen and the batch queue.
ERROR_MESSAGES = {
    "no_card": gettext_lazy("No ID card was found in this photo. Photograph the front (portrait side) flat, filling the frame."),
    "no_licence": gettext_lazy("No business licence was found in this photo. Photograph the whole licence, straight on."),
    "no_text": gettext_lazy("No text was found in this photo."),
    "blank": gettext_lazy("The photo is empty (all one colour). Take the photo again."),
    "ocr_missing": gettext_lazy("Text recognition is not installed on this server (tesseract with Simplified Chinese). Ask the administrator; the rest of EcoGrid keeps working."),
    "unreadable": gettext_lazy("The photo could not be read. Take it again."),
}


def ocr_unavailable_message() -> str | None:
    ok, _why = ocr.availability()
    return None if ok else str(ERROR_MESSAGES["ocr_missing"])


def scan_region_path(user) -> str:
    """The region a user's scans belong to: the most specific region the user holds."""
    paths = scope_paths(user)
    if paths is None:
        return ""  # an unrestricted superuser
    if not paths:
        raise PermissionDenied
    return max(paths, key=len)


# --------------------------------------------------------------------------- upload


def scan_upload(*, user, kind: str, files, attach_to: dict | None = None) -> tuple[ScanBatch, list[tuple[str, str]]]:
    """Check every photo by content, store the good ones and start one recognition job.

    Returns (batch, rejected) where rejected lists (file name, message) of photos refused.
    Raises ValidationError when nothing can be stored (no photo is good, OCR is missing).
    """
    if kind not in Kind.values:
        raise ValidationError(_("Choose what you are scanning."))
    unavailable = ocr_unavailable_message()
    if unavailable:
        raise ValidationError(unavailable)
    files = list(files)
    if not files:
        raise ValidationError(_("Choose or take at least one photo."))
    if len(files) > MAX_BATCH:
        raise ValidationError(_("At most %(max)s photos at once; this upload has %(n)s.") % {"max": MAX_BATCH, "n": len(files)})
    region_path = scan_region_path(user)
    good, rejected = [], []
    for f in files:
        name = str(getattr(f, "name", "") or "")[:255]
        try:
            good.append((name, process_image(f)))  # content check, bomb guard, EXIF orientation, clean JPEG
        except EvidenceError as exc:
            rejected.append((name, " ".join(str(m) for m in exc.messages)))
    if not good:
        raise ValidationError([f"{name}: {message}" if name else message for name, message in rejected])
    with transaction.atomic():
        batch = ScanBatch.objects.create(kind=kind, started_by=user, region_path=region_path, count=len(good),
                                         attach_to=attach_to or {})
        for position, (name, image) in enumerate(good):
            scan = Scan(batch=batch, position=position, kind=kind, original_name=name, sha256=image.sha256,
                        width=image.width, height=image.height, region_path=region_path, started_by=user)
            scan.image.save(f"{scan.uuid}.jpg", ContentFile(image.content), save=False)
            scan.save()
        label = _("Scan: %(kind)s × %(n)s") % {"kind": Kind(kind).label, "n": len(good)}
        job = start_job(JOB_KIND, user=user, region_path=region_path, params={"batch": batch.pk}, label=label,
                        total=len(good), sensitive=kind == Kind.ID_CARD)
        batch.job = job
        batch.save(update_fields=["job", "updated_at"])
    return batch, rejected


# --------------------------------------------------------------------------- recognition (the job)


def scan_recognise(*, scan: Scan) -> Scan:
    """Run OCR on one pending scan and store the result; a second run of a finished scan does nothing."""
    if scan.status != Scan.Status.PENDING:
        return scan
    started = time.perf_counter()
    recognition, text, error, status = {}, "", "", Scan.Status.RECOGNISED
    try:
        from PIL import Image

        with scan.image.open("rb") as fh:
            data = fh.read()
        rec = ocr.recognise(Image.open(io.BytesIO(data)), scan.kind)
        recognition, text = rec.as_json(), rec.text[:MAX_TEXT]
    except ocr.ScanError as exc:
        status, error = Scan.Status.FAILED, str(ERROR_MESSAGES.get(exc.code, ERROR_MESSAGES["unreadable"]))
        if exc.code == "ocr_missing":
            raise
    except (OSError, ValueError, RuntimeError) as exc:  # a decoder error, a tesseract crash or timeout
        log.warning("scan %s: recognition failed: %s", scan.pk, exc)
        status, error = Scan.Status.FAILED, str(ERROR_MESSAGES["unreadable"])
    seconds = round(time.perf_counter() - started, 3)
    Scan.objects.filter(pk=scan.pk, status=Scan.Status.PENDING).update(
        status=status, recognition=recognition, text=text, error=error[:300], seconds=seconds, updated_at=timezone.now()
    )
    scan.refresh_from_db()
    return scan


# --------------------------------------------------------------------------- confirmation


def _locked_for_review(scan: Scan) -> Scan:
    locked = Scan.objects.select_for_update().get(pk=scan.pk)
    if locked.status == Scan.Status.CONFIRMED:
        raise ValidationError(_("This scan was already confirmed."), code="already_confirmed")
    if locked.status == Scan.Status.DISCARDED:
        raise ValidationError(_("This scan was discarded."), code="discarded")
    if locked.status == Scan.Status.PENDING:
        raise ValidationError(_("This scan is still being recognised."), code="pending")
    return locked


def _mark_confirmed(scan: Scan, *, by, values: dict) -> None:
    scan.status = Scan.Status.CONFIRMED
    scan.confirmed_values = values
    scan.confirmed_by = by
    scan.confirmed_at = timezone.now()
    scan.save(update_fields=["status", "confirmed_values", "confirmed_by", "confirmed_at", "updated_at"])


def _source(scan: Scan) -> str:
    return f"扫一扫 scan:{scan.uuid}"


def _clean_text(values: dict, key: str, limit: int) -> str:
    value = str(values.get(key) or "").strip()
    if len(value) > limit:
        raise ValidationError({key: _("At most %(n)s characters.") % {"n": limit}})
    return value


@transaction.atomic
def scan_confirm_person(*, scan: Scan, by, values: dict, region=None) -> ScanLink:
    """Confirmed ID-card values → the person record (created in `region` when new)."""
    from forms_fill.models import Person
    from forms_fill.services import person_create, person_update

    scan = _locked_for_review(scan)
    if scan.kind != Kind.ID_CARD:
        raise ValidationError(_("Only an ID card can be saved as a person."))
    result = check_id_number(values.get("id_number"))
    if not result.ok:
        raise ValidationError({"id_number": result.messages})
    name = _clean_text(values, "name", 64)
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    data = {"name": name, "ethnicity": _clean_text(values, "nation", 32),
            "household_address": _clean_text(values, "address", 255)}
    data = {k: v for k, v in data.items() if v}
    existing = Person.objects.select_for_update().filter(id_number=result.value).first()
    if existing is not None:
        if not path_in_scope(by, existing.region_path) or existing.deleted_at is not None:
            # Same message whether it is out of scope or deleted: no existence leak beyond "registered elsewhere".
            raise ValidationError({"id_number": _("This person is registered outside your jurisdiction; ask the village that holds the record.")})
        person_update(person=existing, by=by, data=data, source=_source(scan))
        person = existing
    else:
        if region is None:
            raise ValidationError({"region": _("Choose the grid the person belongs to.")})
        if not path_in_scope(by, region.path):
            raise ValidationError({"region": _("This grid is outside your jurisdiction.")})
        person = person_create(by=by, id_number=result.value, region=region, data=data, source=_source(scan))
    confirmed = {**data, "id_number": result.value}
    _mark_confirmed(scan, by=by, values=confirmed)
    return ScanLink.objects.create(scan=scan, target=ScanLink.Target.PERSON, object_id=str(person.pk), label=person.name,
                                   fields=sorted(confirmed), region_path=person.region_path, linked_by=by)


LICENCE_TO_ENTERPRISE = {
    "name": "name", "type": "enterprise_type", "legal_rep": "legal_representative", "address": "address",
    "scope": "business_scope",
}


@transaction.atomic
def scan_confirm_enterprise(*, scan: Scan, by, values: dict, region=None) -> ScanLink:
    """Confirmed licence values → the enterprise record (created in `region` when new)."""
    from credit.models import Enterprise
    from credit.services import enterprise_create, enterprise_update

    scan = _locked_for_review(scan)
    if scan.kind != Kind.LICENCE:
        raise ValidationError(_("Only a business licence can be saved as an enterprise."))
    code = check_credit_code(values.get("credit_code"))
    if not code.ok:
        raise ValidationError({"credit_code": code.messages})
    fields = {}
    for key, column in LICENCE_TO_ENTERPRISE.items():
        limit = 100 if column == "enterprise_type" else 64 if column == "legal_representative" else 200 if column == "name" else 5000 if column == "business_scope" else 255
        value = _clean_text(values, key, limit)
        if value:
            fields[column] = value
    if not fields.get("name"):
        raise ValidationError({"name": _("The name is required.")})
    errors = {}
    if values.get("capital"):
        capital = parsing.capital_wan(str(values["capital"]))
        if capital is None:
            errors["capital"] = _("Write the registered capital as on the licence, e.g. 人民币壹佰万元 or 100万元.")
        else:
            fields["registered_capital"] = capital
    founded = None
    if values.get("founded"):
        founded = parsing.parse_date(str(values["founded"]))
        if founded is None:
            errors["founded"] = _("Write the date as YYYY-MM-DD.")
        else:
            fields["established_on"] = founded
    if values.get("term"):
        start, end = parsing.business_term(str(values["term"]), founded=founded)
        if start:
            fields["business_term_from"] = start
        fields["business_term_to"] = end
    if errors:
        raise ValidationError(errors)
    existing = Enterprise.objects.filter(uscc=code.value).first()
    if existing is not None:
        if not path_in_scope(by, existing.region_path) or existing.deleted_at is not None:
            raise ValidationError({"credit_code": _("This enterprise is registered outside your jurisdiction.")})
        enterprise = enterprise_update(enterprise=existing, by=by, source=_source(scan), **fields)
    else:
        if region is None:
            raise ValidationError({"region": _("Choose the grid the enterprise is in.")})
        enterprise = enterprise_create(uscc=code.value, region=region, by=by, source=_source(scan), **fields)
    confirmed = {k: str(v) if v is not None else "" for k, v in values.items() if k in (*LICENCE_TO_ENTERPRISE, "capital", "founded", "term")}
    confirmed["credit_code"] = code.value
    _mark_confirmed(scan, by=by, values=confirmed)
    return ScanLink.objects.create(scan=scan, target=ScanLink.Target.ENTERPRISE, object_id=str(enterprise.pk),
                                   label=enterprise.name, fields=sorted(fields), region_path=enterprise.region_path,
                                   linked_by=by)


def _attach_target(*, by, target: str, ref: str):
    """(object id, label, region path) of a record the user may see, or ValidationError."""
    from django.http import Http404

    ref = (ref or "").strip()[:64]
    if not ref:
        raise ValidationError({"ref": _("Enter the record to attach to.")})
    try:
        if target == ScanLink.Target.CASE:
            from cases.selectors import case_get_for_user

            case = case_get_for_user(user=by, number=ref)
            return case.number, case.number, case.region_path
        if target == ScanLink.Target.INSPECTION:
            import uuid as uuid_mod

            from inspections.selectors import inspection_get_for_user

            inspection = inspection_get_for_user(user=by, client_uuid=uuid_mod.UUID(ref))
            return str(inspection.client_uuid), str(inspection.place), inspection.region_path
        if target == ScanLink.Target.ENTERPRISE:
            from credit.selectors import enterprise_get_for_user

            enterprise = enterprise_get_for_user(user=by, pk=int(ref))
            return str(enterprise.pk), enterprise.name, enterprise.region_path
        if target == ScanLink.Target.PERSON:
            from forms_fill.selectors import person_get

            person = person_get(user=by, pk=int(ref))
            return str(person.pk), person.name, person.region_path
    except (Http404, ValueError):
        raise ValidationError({"ref": _("No such record in your jurisdiction.")}) from None
    raise ValidationError({"target": _("Choose what to attach the scan to.")})


@transaction.atomic
def scan_attach(*, scan: Scan, by, target: str, ref: str, text: str = "") -> ScanLink:
    """Attach a scan (any kind; its confirmed text) to a case, inspection, person or enterprise."""
    scan = _locked_for_review(scan)
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    object_id, label, region_path = _attach_target(by=by, target=target, ref=ref)
    if text:
        scan.text = text
        scan.save(update_fields=["text", "updated_at"])
    _mark_confirmed(scan, by=by, values={"text": text} if text else {})
    return ScanLink.objects.create(scan=scan, target=target, object_id=object_id, label=str(label)[:200],
                                   fields=["text"] if text else [], region_path=region_path, linked_by=by)


@transaction.atomic
def scan_discard(*, scan: Scan, by) -> Scan:
    scan = _locked_for_review(scan)
    scan.status = Scan.Status.DISCARDED
    scan.confirmed_by = by
    scan.confirmed_at = timezone.now()
    scan.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    return scan
