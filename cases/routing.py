"""Where a registered case goes — tier, responsible unit, urgency, deadlines.

Routing is data that dispatch owns (routing rules, the working calendar: dispatch/routing.py).
Dispatch, on the floor above, registers its router here at start-up (dispatch/apps.py), so
cases never imports dispatch. Without a router a case keeps what it was reported with.
"""

from __future__ import annotations

_router = None


def set_router(router) -> None:
    """``router(case, now=None) -> {field: value}`` for a case being registered."""
    global _router
    _router = router


def route(case, *, now=None) -> dict:
    return _router(case, now=now) if _router is not None else {}
