"""Credit scoring: set-based gathering, a pure rating function, and a change-only write.

``rescore(enterprise_ids=None)`` rates every enterprise (nightly) or a few (after an
inspection, case or notice about them completed) in a constant number of statements,
whatever the number of enterprises:

1. **gather** — one GROUP BY query per input kind over all the enterprises at once
   (failed answers by severity, veto items, cases by urgency, rectification notices,
   department ratings, recorded vetoes);
2. **rate** — a pure function turns one enterprise's counts into a score, a class, a
   colour and the factors that explain them (``rate`` is what the hand-worked tests call);
3. **write** — the current fingerprints are read in one query, and only the ratings that
   changed are upserted (one ``INSERT … ON CONFLICT DO UPDATE`` per batch) with one
   history row each. Running it twice writes nothing the second time: idempotent.

On PostgreSQL a transaction-scoped advisory lock serialises rescorings, so a nightly run
and an event-driven one cannot both record the same change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CreditScore, CreditScoreHistory, CreditVeto, DepartmentRating, Enterprise, EnterpriseCase
from .policy import class_for, policy

ADVISORY_LOCK_KEY = 0x43524544  # "CRED"
WRITE_BATCH = 2000
# Case statuses that do not count against an enterprise (the report was not a real problem).
CASE_STATUSES_IGNORED = ("rejected", "merged", "cancelled", "pending_triage", "reported")


@dataclass(slots=True)
class Inputs:
    """What one enterprise's rating is computed from (all counts over the look-back window)."""

    failed_items: dict = field(default_factory=dict)  # (severity, fixed_on_spot) -> count
    veto_items: list = field(default_factory=list)  # [(item code, count)]
    cases: dict = field(default_factory=dict)  # urgency -> count
    notices: dict = field(default_factory=dict)  # "overdue" / "ignored" -> count
    department_ratings: list = field(default_factory=list)  # [(department short name, class)]
    vetoes: list = field(default_factory=list)  # [(reason, occurred_on iso)]
    current_fingerprint: str | None = None  # of the stored rating (read with the enterprise: no extra query)


@dataclass(frozen=True)
class Rating:
    score: int
    credit_class: str
    colour: str
    veto: bool
    factors: list

    @property
    def fingerprint(self) -> str:
        blob = json.dumps([self.score, self.credit_class, self.colour, self.veto, self.factors], sort_keys=True, ensure_ascii=False)
        return hashlib.md5(blob.encode()).hexdigest()  # noqa: S324 - a change detector, not security


def _round(x) -> int:
    return int(Decimal(str(x)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# =========================================================================== rate (pure)

def rate(inputs: Inputs, p: dict | None = None) -> Rating:
    """Score, class, colour and the factors behind them, for one enterprise."""
    p = p or policy()
    factors: list[dict] = []

    def capped(kind: str, parts: list[dict], cap: int) -> int:
        total = sum(f["points"] for f in parts)
        factors.extend(parts)
        if total > cap:
            factors.append({"code": f"{kind}_cap", "points": cap - total, "count": 0, "cap": cap})
            return cap
        return total

    # Failed checklist items, by severity (fixed on the spot counts a share).
    parts = []
    for severity in ("high", "medium", "low"):
        for fixed in (False, True):
            n = inputs.failed_items.get((severity, fixed), 0)
            if n:
                per = p["inspection_fail_points"].get(severity, 0) * (p["inspection_fixed_share"] if fixed else 1)
                parts.append({"code": "inspection_fail", "severity": severity, "fixed": fixed, "count": n, "points": _round(n * per)})
    deducted = capped("inspection", parts, p["inspection_cap"])

    parts = []
    for urgency in ("critical", "urgent", "normal", "low"):
        n = inputs.cases.get(urgency, 0)
        if n:
            parts.append({"code": "case", "urgency": urgency, "count": n, "points": n * p["case_points"].get(urgency, 0)})
    deducted += capped("case", parts, p["case_cap"])

    parts = []
    for kind in ("ignored", "overdue"):
        n = inputs.notices.get(kind, 0)
        if n:
            parts.append({"code": f"notice_{kind}", "count": n, "points": n * p["notice_points"][kind]})
    deducted += capped("notice", parts, p["notice_cap"])

    parts = []
    for department, klass in sorted(inputs.department_ratings):
        points = p["department_rating_points"].get(klass, 0)
        parts.append({"code": "department_rating", "department": department, "class": klass, "count": 1, "points": points})
    deducted += capped("department_rating", parts, p["department_rating_cap"])

    score = max(0, min(100, p["base_score"] - deducted))
    klass = class_for(score, p)
    veto = False
    for code, n in sorted(inputs.veto_items):
        factors.append({"code": "veto_item", "item": code, "count": n, "points": 0})
        veto = True
    for reason, on in sorted(inputs.vetoes, key=lambda v: (v[1], v[0])):
        factors.append({"code": "veto", "reason": reason, "date": on, "count": 1, "points": 0})
        veto = True
    if veto:
        klass = "D"
    colour = p["class_colours"][klass]
    # Stored signed, as the page reads them: a deduction "−6", a cap giving points back "+4".
    for f in factors:
        f["points"] = -f["points"]
    return Rating(score=score, credit_class=klass, colour=colour, veto=veto, factors=factors)


def factor_text(f: dict) -> str:
    """One factor as a sentence, in the user's language (the factors are stored as data)."""
    from cases.models import Urgency
    from inspections.models import Severity

    code = f.get("code", "")
    n = f.get("count", 0)
    if code == "inspection_fail":
        sev = str(dict(Severity.choices).get(f.get("severity"), f.get("severity")))
        if f.get("fixed"):
            return _("%(n)s failed inspection item(s) of severity “%(sev)s”, fixed on the spot") % {"n": n, "sev": sev}
        return _("%(n)s failed inspection item(s) of severity “%(sev)s”") % {"n": n, "sev": sev}
    if code == "case":
        urg = str(dict(Urgency.choices).get(f.get("urgency"), f.get("urgency")))
        return _("%(n)s case(s) about the enterprise, urgency “%(urg)s”") % {"n": n, "urg": urg}
    if code == "notice_overdue":
        return _("%(n)s rectification notice(s) past the deadline") % {"n": n}
    if code == "notice_ignored":
        return _("%(n)s rectification notice(s) not complied with") % {"n": n}
    if code == "department_rating":
        return _("Rated class %(cls)s by %(dept)s") % {"cls": f.get("class"), "dept": f.get("department")}
    if code.endswith("_cap"):
        return _("Deductions of this kind are capped at %(cap)s points") % {"cap": f.get("cap")}
    if code == "veto_item":
        return _("One-vote veto: checklist item %(item)s failed (%(n)s time(s)) and not fixed on the spot") % {"item": f.get("item"), "n": n}
    if code == "veto":
        return _("One-vote veto recorded on %(date)s: %(reason)s") % {"date": f.get("date"), "reason": f.get("reason")}
    return code


# =========================================================================== gather (set-based)

def _in(qs, field_name: str, ids):
    return qs if ids is None else qs.filter(**{f"{field_name}__in": ids})


def gather(*, enterprise_ids=None, now=None, p: dict | None = None) -> dict[int, Inputs]:
    """Every input of every enterprise (or of `enterprise_ids`): six queries, whatever the number of enterprises."""
    from dispatch.models import RectificationNotice
    from inspections.models import Answer, Result

    p = p or policy()
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = now - dt.timedelta(days=p["window_days"])
    ids = list(enterprise_ids) if enterprise_ids is not None else None

    enterprises = _in(Enterprise.objects.filter(deleted_at__isnull=True), "pk", ids)
    uscc_of, out = {}, {}
    for pk, uscc, fingerprint in enterprises.values_list("pk", "uscc", "credit__fingerprint"):
        uscc_of[pk] = uscc
        out[pk] = Inputs(current_fingerprint=fingerprint)
    if not out:
        return out

    ent = "inspection__place__enterprise"
    fails = _in(
        Answer.objects.filter(result=Result.FAIL, submitted_at__gte=since, **{f"{ent}__deleted_at__isnull": True}),
        ent, ids,
    )
    # One GROUP BY gives the severities and the veto items (grouped by item code too).
    veto_codes = set(p["veto_item_codes"] or ())
    for eid, severity, fixed, code, n in fails.values_list(ent, "item__severity", "fixed_on_spot", "item__code").annotate(n=Count("id")).order_by():
        inputs = out.get(eid)
        if inputs is None:
            continue
        key = (severity, bool(fixed))
        inputs.failed_items[key] = inputs.failed_items.get(key, 0) + n
        if not fixed and code in veto_codes:
            inputs.veto_items.append((code, n))

    links = _in(
        EnterpriseCase.objects.filter(case__created_at__gte=since).exclude(case__status__in=CASE_STATUSES_IGNORED),
        "enterprise", ids,
    )
    for eid, urgency, n in links.values_list("enterprise", "case__urgency").annotate(n=Count("id")).order_by():
        inputs = out.get(eid)
        if inputs is not None:
            inputs.cases[urgency] = inputs.cases.get(urgency, 0) + n

    # Rectification notices: about the enterprise by its credit code, or through a linked case.
    bad_notice = Q(status=RectificationNotice.Status.NOT_COMPLIED) | Q(status=RectificationNotice.Status.ISSUED, deadline__lt=today)
    notices = RectificationNotice.objects.filter(bad_notice, created_at__gte=since)
    eid_of_code = {code: pk for pk, code in uscc_of.items()}
    seen: dict[int, tuple[int, str]] = {}
    if ids is None:
        about = Q(party_code__gt="") | Q(case__enterprise_link__isnull=False)
    else:
        about = Q(party_code__in=list(eid_of_code)) | Q(case__enterprise_link__enterprise__in=ids)
    for nid, code, linked, status in notices.filter(about).values_list("id", "party_code", "case__enterprise_link__enterprise", "status"):
        eid = eid_of_code.get(code) or linked  # by its credit code first, else through the linked case
        if eid is not None:
            seen.setdefault(nid, (eid, status))
    for eid, status in seen.values():
        if eid in out:
            kind = "ignored" if status == RectificationNotice.Status.NOT_COMPLIED else "overdue"
            out[eid].notices[kind] = out[eid].notices.get(kind, 0) + 1

    ratings = _in(
        DepartmentRating.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today), rated_on__lte=today),
        "enterprise", ids,
    )
    latest: dict[tuple[int, int], tuple] = {}
    for eid, dept, name, klass, on in ratings.values_list(
        "enterprise", "department", "department__short_name", "credit_class", "rated_on"
    ).order_by("enterprise", "department", "-rated_on", "-id"):
        latest.setdefault((eid, dept), (name, klass))
    for (eid, _dept), (name, klass) in latest.items():
        if eid in out:
            out[eid].department_ratings.append((name, klass))

    vetoes = _in(
        CreditVeto.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today), lifted_at__isnull=True, occurred_on__lte=today),
        "enterprise", ids,
    )
    for eid, reason, on in vetoes.values_list("enterprise", "reason", "occurred_on"):
        if eid in out:
            out[eid].vetoes.append((reason, on.isoformat()))
    return out


# =========================================================================== write (change-only)

@dataclass
class RescoreResult:
    rated: int
    changed: int


def _lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _part(items) -> tuple:
    return tuple(sorted(items)) if len(items) > 1 else tuple(items)


def _key(d: Inputs) -> tuple:
    return (
        _part(d.failed_items.items()), _part(d.veto_items), _part(d.cases.items()),
        _part(d.notices.items()), _part(d.department_ratings), _part(d.vetoes),
    )


# Above this many changed ratings (PostgreSQL), the write goes through COPY into a temporary table and
# two INSERT … SELECT (the upsert and the history): a full rescoring writes 50,000 rows in about a second.
COPY_THRESHOLD = 500
FIELDS = ("score", "credit_class", "colour", "veto", "factors", "fingerprint", "computed_at")


def rescore(*, enterprise_ids=None, trigger: str = CreditScoreHistory.Trigger.NIGHTLY, now=None, progress=None) -> RescoreResult:
    """Rate all enterprises (or `enterprise_ids`), writing only what changed (+ one history row each)."""
    p = policy()
    now = now or timezone.now()
    with transaction.atomic():
        _lock()
        inputs = gather(enterprise_ids=enterprise_ids, now=now, p=p)
        if progress is not None:
            progress.total(len(inputs))
        # Many enterprises share the same inputs (nothing, one normal case …): rate each combination once.
        # The memo keeps the factors' JSON text too, for the COPY write.
        memo: dict[tuple, tuple[Rating, str, str]] = {}
        changed: list[tuple[int, Rating, str, str]] = []
        for eid, data in inputs.items():
            key = _key(data)
            hit = memo.get(key)
            if hit is None:
                r = rate(data, p)
                hit = memo[key] = (r, r.fingerprint, json.dumps(r.factors, ensure_ascii=False))
            if data.current_fingerprint != hit[1]:
                changed.append((eid, *hit))
        if connection.vendor == "postgresql" and len(changed) > COPY_THRESHOLD:
            _write_copy(changed, now=now, trigger=trigger)
        else:
            _write_orm(changed, now=now, trigger=trigger)
        if progress is not None:
            progress.set(len(inputs), force=True)
    return RescoreResult(rated=len(inputs), changed=len(changed))


def _write_orm(changed, *, now, trigger) -> None:
    for start in range(0, len(changed), WRITE_BATCH):
        chunk = changed[start:start + WRITE_BATCH]
        rows = [dict(score=r.score, credit_class=r.credit_class, colour=r.colour, veto=r.veto, factors=r.factors,
                     fingerprint=fp, computed_at=now) for _eid, r, fp, _json in chunk]
        CreditScore.objects.bulk_create(
            [CreditScore(enterprise_id=c[0], **row) for c, row in zip(chunk, rows, strict=True)],
            update_conflicts=True, unique_fields=["enterprise"], update_fields=list(FIELDS),
        )
        CreditScoreHistory.objects.bulk_create(
            [CreditScoreHistory(enterprise_id=c[0], trigger=trigger, **row) for c, row in zip(chunk, rows, strict=True)]
        )


def _write_copy(changed, *, now, trigger) -> None:
    """PostgreSQL: COPY the changed ratings into a temporary table, then upsert and append history from it."""
    score_t, history_t = CreditScore._meta.db_table, CreditScoreHistory._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE credit_rescore_tmp (enterprise_id bigint, score smallint, credit_class varchar(1), "
            "colour varchar(6), veto boolean, factors jsonb, fingerprint varchar(32)) ON COMMIT DROP"
        )
        with cur.cursor.copy("COPY credit_rescore_tmp FROM STDIN") as copy:
            for eid, r, fp, factors_json in changed:
                copy.write_row((eid, r.score, r.credit_class, r.colour, r.veto, factors_json, fp))
        cols = "enterprise_id, score, credit_class, colour, veto, factors, fingerprint"
        cur.execute(
            f"INSERT INTO {score_t} ({cols}, computed_at) SELECT {cols}, %s FROM credit_rescore_tmp "
            "ON CONFLICT (enterprise_id) DO UPDATE SET score = EXCLUDED.score, credit_class = EXCLUDED.credit_class, "
            "colour = EXCLUDED.colour, veto = EXCLUDED.veto, factors = EXCLUDED.factors, "
            "fingerprint = EXCLUDED.fingerprint, computed_at = EXCLUDED.computed_at",
            [now],
        )
        cur.execute(f"INSERT INTO {history_t} ({cols}, computed_at, \"trigger\") SELECT {cols}, %s, %s FROM credit_rescore_tmp", [now, trigger])
        cur.execute("DROP TABLE credit_rescore_tmp")


def enterprises_for(*, kind: str, pk: int) -> list[int]:
    """The enterprises an inspection, case or rectification notice is about (for the event-driven rescoring)."""
    from dispatch.models import RectificationNotice

    if kind == "inspection":
        return list(Enterprise.objects.filter(place__inspections=pk, deleted_at__isnull=True).values_list("pk", flat=True))
    if kind == "case":
        return list(EnterpriseCase.objects.filter(case_id=pk).values_list("enterprise_id", flat=True))
    if kind == "notice":
        row = RectificationNotice.objects.filter(pk=pk).values("party_code", "case_id").first()
        if not row:
            return []
        q = Q(case_links__case_id=row["case_id"])
        if row["party_code"]:
            q |= Q(uscc=row["party_code"])
        return list(Enterprise.objects.filter(q, deleted_at__isnull=True).values_list("pk", flat=True).distinct())
    return []
