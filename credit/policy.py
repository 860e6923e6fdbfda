"""The credit policy: every number the scoring and the graded supervision use, in one place.

Defaults below; a deployment overrides any key with the ``CREDIT_POLICY`` setting (a dict
merged over these, one level deep for the nested tables), e.g.::

    CREDIT_POLICY = {"interval_days": {"green": 120}, "class_thresholds": {"A": 92}}

Why these defaults (reference: shared/reference/cn-standards.md §3):

- Four classes A/B/C/D as in SAMR's 企业信用风险分类 (2022); the three colours collapse them:
  green = A, yellow = B, red = C + D (a local mapping; there is no national three-colour standard).
- Inspection interval by colour (graded supervision, 分级分类监管): green 90 days ("无事不扰"),
  yellow 30 days (the former flat rule), red 7 days.
- Deductions from 100: a failed checklist item weighs by its severity, a case about the
  enterprise by its urgency, a rectification notice left overdue or ignored heavily; each
  kind is capped so one noisy source cannot sink a score alone; a department's imported
  class deducts by class. A one-vote-veto item failed (and not fixed on the spot) or a
  recorded veto forces class D / red whatever the points say.
"""

from __future__ import annotations

import copy

from django.conf import settings

DEFAULTS: dict = {
    "base_score": 100,
    # Look-back window for inspections, cases and notices (the "last 12 months").
    "window_days": 365,
    # Points per failed item by ChecklistItem.severity; fixed on the spot (发现即办) counts this share.
    "inspection_fail_points": {"low": 1, "medium": 3, "high": 6},
    "inspection_fixed_share": 0.5,
    "inspection_cap": 40,
    # Points per case about the enterprise by cases.Urgency (rejected / merged / cancelled cases do not count).
    "case_points": {"low": 2, "normal": 4, "urgent": 8, "critical": 15},
    "case_cap": 40,
    # Rectification notices: past the deadline and still open, or closed as not rectified (ignored).
    "notice_points": {"overdue": 10, "ignored": 20},
    "notice_cap": 40,
    # A department's imported class (the latest valid one per department).
    "department_rating_points": {"A": 0, "B": 5, "C": 15, "D": 30},
    "department_rating_cap": 40,
    # One-vote veto (一票否决): failing one of these items (not fixed on the spot) → class D, red.
    "veto_item_codes": ["XF-001", "XF-015", "XF-016", "XF-023", "YJJ-021", "YJJ-027"],
    # Lowest score of each class: score >= A → A, >= B → B, >= C → C, else D.
    "class_thresholds": {"A": 90, "B": 75, "C": 60},
    "class_colours": {"A": "green", "B": "yellow", "C": "red", "D": "red"},
    # Graded supervision: days between inspections by (effective) colour. Places that are not
    # an enterprise, and enterprises not rated yet, use "unrated".
    "interval_days": {"green": 90, "yellow": 30, "red": 7, "unrated": 30},
    # Longest colour override an officer may set.
    "override_max_days": 366,
}

_NESTED = {k for k, v in DEFAULTS.items() if isinstance(v, dict)}


def policy() -> dict:
    """The effective policy (defaults merged with ``settings.CREDIT_POLICY``)."""
    merged = copy.deepcopy(DEFAULTS)
    for key, value in (getattr(settings, "CREDIT_POLICY", None) or {}).items():
        if key in _NESTED and isinstance(value, dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged


def class_for(score: int, p: dict | None = None) -> str:
    th = (p or policy())["class_thresholds"]
    if score >= th["A"]:
        return "A"
    if score >= th["B"]:
        return "B"
    if score >= th["C"]:
        return "C"
    return "D"


def interval_days(colour: str | None, p: dict | None = None) -> int:
    table = (p or policy())["interval_days"]
    return int(table.get(colour or "unrated", table["unrated"]))
