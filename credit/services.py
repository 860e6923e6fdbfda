"""Writes of the credit app: the registry, links, overrides, vetoes, ratings, placards, rescoring."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.identifiers import check_credit_code, check_phone
from core.roles import AD, DO, user_role
from grids.scoping import path_in_scope

from . import scoring
from .models import ColourOverride, Colour, CreditScoreHistory, CreditVeto, DepartmentRating, Enterprise, EnterpriseCase, PlacardToken
from .policy import policy

log = logging.getLogger(__name__)

# Registry fields a form or an import may set (besides uscc and region).
EDITABLE_FIELDS = (
    "name", "enterprise_type", "legal_representative", "registered_capital", "established_on", "business_term_from",
    "business_term_to", "registration_authority", "business_scope", "address", "premises_address", "industry",
    "employees", "contact_name", "contact_phone", "status",
)


def clean_uscc(raw, *, exclude_pk: int | None = None) -> str:
    """The normalised credit code, or a ValidationError naming the failing check (or the duplicate)."""
    result = check_credit_code(raw)
    if not result.ok:
        raise ValidationError({"uscc": [ValidationError(p.message, code=p.code) for p in result.errors]})
    from .selectors import uscc_taken

    other = uscc_taken(uscc=result.value, exclude_pk=exclude_pk)
    if other is not None:
        message = (
            _("An enterprise with this credit code is already registered: %(name)s.") % {"name": other.name}
            if other.deleted_at is None
            else _("This credit code belongs to a deleted enterprise; ask an administrator to restore it.")
        )
        raise ValidationError({"uscc": [ValidationError(message, code="duplicate")]})
    return result.value


def _check_region(region, by):
    if region is None:
        raise ValidationError({"region": _("Choose the grid the enterprise is in.")})
    if by is not None and not path_in_scope(by, region.path, verb="view"):
        raise ValidationError({"region": _("This grid is outside your jurisdiction.")})


def _clean_phone(enterprise: Enterprise):
    if enterprise.contact_phone:
        result = check_phone(enterprise.contact_phone)
        if result.ok:
            enterprise.contact_phone = result.value


def _mark_sources(enterprise: Enterprise, keys, source: str):
    today = timezone.localdate().isoformat()
    sources = dict(enterprise.sources or {})
    for key in keys:
        sources[key] = {"source": source, "date": today}
    enterprise.sources = sources


@transaction.atomic
def enterprise_create(*, uscc: str, region, by=None, source: str = "manual", **fields) -> Enterprise:
    code = clean_uscc(uscc)
    _check_region(region, by)
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"attributes", "licence_photo", "place"}
    if unknown:
        raise TypeError(f"unknown enterprise fields: {sorted(unknown)}")
    enterprise = Enterprise(uscc=code, region=region, region_path=region.path, created_by=by if getattr(by, "pk", None) else None, **fields)
    _clean_phone(enterprise)
    _mark_sources(enterprise, ["uscc", *[k for k in fields if k in EDITABLE_FIELDS and fields[k] not in ("", None)]], source)
    enterprise.full_clean()
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:  # a concurrent registration of the same code
        raise ValidationError({"uscc": [ValidationError(_("An enterprise with this credit code is already registered."), code="duplicate")]}) from None
    transaction.on_commit(lambda: rescore_enterprises(ids=[enterprise.pk], trigger=CreditScoreHistory.Trigger.EDIT), robust=True)
    return enterprise


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, by=None, uscc: str | None = None, region=None, source: str = "manual", **fields) -> Enterprise:
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    changed = []
    if uscc is not None:
        code = check_credit_code(uscc).value
        if code != locked.uscc:
            locked.uscc = clean_uscc(uscc, exclude_pk=locked.pk)
            changed.append("uscc")
    if region is not None and region.pk != locked.region_id:
        _check_region(region, by)
        locked.region, locked.region_path = region, region.path
        changed += ["region", "region_path"]
    for key, value in fields.items():
        if key not in EDITABLE_FIELDS and key not in ("attributes", "licence_photo"):
            raise TypeError(f"unknown enterprise field {key!r}")
        if getattr(locked, key) != value:
            setattr(locked, key, value)
            changed.append(key)
    _clean_phone(locked)
    if changed:
        _mark_sources(locked, [k for k in changed if k in EDITABLE_FIELDS or k == "uscc"], source)
        locked.full_clean()
        locked.save(update_fields=[*set(changed), "sources", "updated_at"])
    return locked


@transaction.atomic
def enterprise_delete(*, enterprise: Enterprise, by) -> Enterprise:
    Enterprise.objects.filter(pk=enterprise.pk, deleted_at__isnull=True).update(deleted_at=timezone.now(), deleted_by=by, updated_at=timezone.now())
    PlacardToken.objects.filter(enterprise=enterprise, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=by)
    enterprise.refresh_from_db()
    return enterprise


@transaction.atomic
def enterprise_link_place(*, enterprise: Enterprise, place, by=None) -> Enterprise:
    """Make `place` (in the enterprise's region) this enterprise's inspection place; None unlinks."""
    if place is not None:
        if not place.region_path.startswith(enterprise.region_path):
            raise ValidationError({"place": _("The place must lie in the enterprise's grid.")})
        other = Enterprise.objects.filter(place=place).exclude(pk=enterprise.pk).first()
        if other is not None:
            raise ValidationError({"place": _("This place is already linked to %(name)s.") % {"name": other.name}})
    Enterprise.objects.filter(pk=enterprise.pk).update(place=place, updated_at=timezone.now())
    enterprise.place = place
    transaction.on_commit(lambda: rescore_enterprises(ids=[enterprise.pk], trigger=CreditScoreHistory.Trigger.EDIT), robust=True)
    return enterprise


@transaction.atomic
def enterprise_link_case(*, enterprise: Enterprise, case, by=None) -> EnterpriseCase:
    """Record that `case` is about `enterprise` (a case is about one enterprise at most)."""
    link, created = EnterpriseCase.objects.get_or_create(case=case, defaults={"enterprise": enterprise, "linked_by": by})
    if not created and link.enterprise_id != enterprise.pk:
        raise ValidationError({"case": _("This case is already linked to another enterprise.")})
    transaction.on_commit(lambda: rescore_enterprises(ids=[enterprise.pk], trigger=CreditScoreHistory.Trigger.EVENT), robust=True)
    return link


# =========================================================================== overrides, vetoes, ratings

def check_may_override(user) -> None:
    if not (user.is_superuser or user_role(user) in (DO, AD)):
        raise PermissionDenied(_("Only the district centre may override a credit colour."))


@transaction.atomic
def override_create(*, enterprise: Enterprise, colour: str, reason: str, expires_at, by, request=None) -> ColourOverride:
    """A district officer sets the colour until `expires_at`, with a reason (refused without one). Audited."""
    from core.services import audit_record

    check_may_override(by)
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Give the reason for overriding the colour.")
    if colour not in Colour.values:
        errors["colour"] = _("Choose green, yellow or red.")
    now = timezone.now()
    if expires_at is None:
        errors["expires_at"] = _("Give the date the override ends.")
    elif expires_at <= now:
        errors["expires_at"] = _("The override must end in the future.")
    elif expires_at > now + dt.timedelta(days=policy()["override_max_days"]):
        errors["expires_at"] = _("An override may last at most %(days)s days.") % {"days": policy()["override_max_days"]}
    if errors:
        raise ValidationError(errors)
    override = ColourOverride.objects.create(
        enterprise=enterprise, colour=colour, reason=reason[:500], starts_at=now, expires_at=expires_at, created_by=by
    )
    audit_record(user=by, action="override", object_type="credit.Enterprise", object_ids=[enterprise.pk],
                 reason=f"{colour} → {expires_at:%Y-%m-%d}: {reason}", request=request)
    return override


@transaction.atomic
def override_revoke(*, override: ColourOverride, by, request=None) -> ColourOverride:
    from core.services import audit_record

    check_may_override(by)
    if ColourOverride.objects.filter(pk=override.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=by):
        audit_record(user=by, action="override", object_type="credit.Enterprise", object_ids=[override.enterprise_id],
                     reason=f"revoked override {override.pk}", request=request)
    override.refresh_from_db()
    return override


@transaction.atomic
def veto_record(*, enterprise: Enterprise, reason: str, occurred_on: dt.date, valid_until: dt.date | None = None, by=None) -> CreditVeto:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the veto.")})
    veto = CreditVeto.objects.create(enterprise=enterprise, reason=reason[:300], occurred_on=occurred_on, valid_until=valid_until, created_by=by)
    transaction.on_commit(lambda: rescore_enterprises(ids=[enterprise.pk], trigger=CreditScoreHistory.Trigger.EVENT), robust=True)
    return veto


@transaction.atomic
def department_rating_record(*, enterprise: Enterprise, department, credit_class: str, rated_on: dt.date,
                             valid_until: dt.date | None = None, note: str = "", by=None) -> DepartmentRating:
    rating, _created = DepartmentRating.objects.update_or_create(
        enterprise=enterprise, department=department, rated_on=rated_on,
        defaults={"credit_class": credit_class, "valid_until": valid_until, "note": note[:200], "imported_by": by},
    )
    rating.full_clean()
    transaction.on_commit(lambda: rescore_enterprises(ids=[enterprise.pk], trigger=CreditScoreHistory.Trigger.EVENT), robust=True)
    return rating


# =========================================================================== placards

@transaction.atomic
def placard_token_issue(*, enterprise: Enterprise, by=None) -> PlacardToken:
    """The enterprise's live placard token (a new unguessable one if none is live)."""
    live = PlacardToken.objects.filter(enterprise=enterprise, revoked_at__isnull=True).first()
    if live is not None:
        return live
    return PlacardToken.objects.create(enterprise=enterprise, token=secrets.token_urlsafe(24), created_by=by)


@transaction.atomic
def placard_token_revoke(*, enterprise: Enterprise, by=None) -> int:
    """Revoke every live token of the enterprise: printed placards stop working (404)."""
    return PlacardToken.objects.filter(enterprise=enterprise, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=by)


# =========================================================================== rescoring

def rescore_enterprises(*, ids, trigger: str = CreditScoreHistory.Trigger.EVENT) -> scoring.RescoreResult:
    """Incremental rescoring of a few enterprises (idempotent: nothing changes → nothing written)."""
    return scoring.rescore(enterprise_ids=list(ids), trigger=trigger)


def rescore_all(*, trigger: str = CreditScoreHistory.Trigger.NIGHTLY, progress=None) -> scoring.RescoreResult:
    return scoring.rescore(trigger=trigger, progress=progress)


def rescore_job_start(*, by=None, trigger: str = CreditScoreHistory.Trigger.MANUAL):
    """Start the full rescoring as a core Job (nightly from beat, or an officer's button)."""
    from core.jobs import start_job

    from grids.selectors import district

    region = district()
    return start_job(
        "credit.rescore", user=by, region_path=region.path if region else "", params={"trigger": trigger},
        label=_("Credit rescoring of every enterprise"),
    )
