"""Routing on registration: which tier and department a case goes to, and its deadlines.

``route_for_case(case)`` returns the fields to set on a case when it is
registered. The dispatch capability owns the rules (routing rules as data,
per-region overrides, the working calendar).
"""

from __future__ import annotations


def route_for_case(case) -> dict:
    """Fields to apply on registration: tier, department, accept_deadline, handle_deadline.

    Without routing rules the case stays at its grid's village tier with no
    department, so a dispatcher picks one by hand.
    """
    from cases.models import Tier

    return {"tier": Tier.VILLAGE}
