"""The case state machine: one transition table, read by the services and the UI.

reported → (pending_triage → registered | rejected | merged) → registered →
self_handled (发现即办) | dispatched → accepted | returned → handled → verified →
closed; a failed verification or a reopen goes back to dispatched; cancel with a
reason from any open state. Escalation (升级) and consultation (会商) do not change
the status; they are events recorded by dispatch.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .states import CaseStatus

S = CaseStatus

# Roles (grids.StaffProfile.Role values) plus "system" for automatic steps and
# "reporter" for the person who reported the case.
from core.roles import AD, DO, DS, GW, SO, VS  # noqa: E402  (the staff roles, one list)

SYSTEM, REPORTER = "system", "reporter"
OFFICERS = frozenset({SO, DO, AD})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    roles: frozenset
    needs_note: bool = False  # a reason is required (return, reject, cancel, failed verification)


# Labels carry the context "case action": "Close" alone is Django admin's 关闭, here 结案.
def _t(action, label, sources, target, roles, needs_note=False):
    return Transition(action, label, frozenset(sources), target, frozenset(roles), needs_note)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("triage", pgettext_lazy("case action", "Send to triage"), {S.REPORTED}, S.PENDING_TRIAGE, {SYSTEM}),
        _t("register", pgettext_lazy("case action", "Register"), {S.REPORTED, S.PENDING_TRIAGE}, S.REGISTERED, {SYSTEM, VS} | OFFICERS),
        _t("reject", pgettext_lazy("case action", "Reject"), {S.PENDING_TRIAGE}, S.REJECTED, {VS} | OFFICERS, needs_note=True),
        _t("merge", pgettext_lazy("case action", "Merge into another case"), {S.PENDING_TRIAGE, S.REGISTERED}, S.MERGED, {VS} | OFFICERS),
        _t("self_handle", pgettext_lazy("case action", "Handled on the spot"), {S.REGISTERED}, S.SELF_HANDLED, {REPORTER}),
        _t("dispatch", pgettext_lazy("case action", "Dispatch"), {S.REGISTERED, S.RETURNED}, S.DISPATCHED, {VS, SYSTEM} | OFFICERS),
        _t("reassign", pgettext_lazy("case action", "Reassign"), {S.DISPATCHED}, S.DISPATCHED, OFFICERS),
        _t("accept", pgettext_lazy("case action", "Accept"), {S.DISPATCHED}, S.ACCEPTED, {DS}),
        _t("return", pgettext_lazy("case action", "Return"), {S.DISPATCHED}, S.RETURNED, {DS}, needs_note=True),
        _t("handle", pgettext_lazy("case action", "Report handling result"), {S.ACCEPTED}, S.HANDLED, {DS}),
        _t("verify", pgettext_lazy("case action", "Verification passed"), {S.HANDLED}, S.VERIFIED, {GW, VS}),
        _t("verify_fail", pgettext_lazy("case action", "Verification failed"), {S.HANDLED}, S.DISPATCHED, {GW, VS}, needs_note=True),
        _t("close", pgettext_lazy("case action", "Close"), {S.VERIFIED}, S.CLOSED, {VS, SYSTEM} | OFFICERS),
        _t("reopen", pgettext_lazy("case action", "Reopen"), {S.VERIFIED, S.CLOSED}, S.DISPATCHED, OFFICERS, needs_note=True),
        _t(
            "cancel",
            pgettext_lazy("case action", "Cancel"),
            {S.REPORTED, S.PENDING_TRIAGE, S.REGISTERED, S.DISPATCHED, S.RETURNED, S.ACCEPTED},
            S.CANCELLED,
            {REPORTER, VS} | OFFICERS,
            needs_note=True,
        ),
    ]
}

TERMINAL_STATES = frozenset({S.REJECTED, S.MERGED, S.SELF_HANDLED, S.CLOSED, S.CANCELLED})
ALL_STATES = frozenset(S.values)


def actions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]


def reachable_states() -> set[str]:
    """Every state reachable from 'reported' through the table (a sanity check for tests)."""
    seen, frontier = {S.REPORTED.value}, [S.REPORTED.value]
    while frontier:
        state = frontier.pop()
        for t in actions_from(state):
            if t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen


# Badge colour per status (static/css/ecogrid.css: .badge.green/.yellow/.red/.blue).
STATUS_COLOURS = {
    S.REPORTED: "blue",
    S.PENDING_TRIAGE: "yellow",
    S.REJECTED: "",
    S.MERGED: "",
    S.REGISTERED: "blue",
    S.SELF_HANDLED: "green",
    S.DISPATCHED: "yellow",
    S.ACCEPTED: "yellow",
    S.RETURNED: "red",
    S.HANDLED: "blue",
    S.VERIFIED: "green",
    S.CLOSED: "green",
    S.CANCELLED: "",
}

# Actions the generic action page (/cases/<number>/act/<action>/) handles: a note,
# photos and the version the page was rendered from are all they need.
GENERIC_ACTIONS = ("register", "reject", "merge", "cancel", "close", "reopen", "verify", "verify_fail", "self_handle")
# Actions whose forms belong to dispatch (department, deadlines …); the detail page
# takes their URLs from cases.actions.ACTION_URL_NAMES and falls back to the generic page.
DISPATCH_ACTIONS = ("dispatch", "reassign", "accept", "return", "handle")
# Open statuses (what "open" means for duplicates and lists).
OPEN_STATES = frozenset(ALL_STATES - TERMINAL_STATES)

# How each timeline event is labelled: the transitions plus events that do not change
# the status. Other apps add theirs additively (e.g. dispatch: "escalate", "consult").
EVENT_LABELS = {
    "report": _("Reported"),
    "merged_in": _("A duplicate was merged in"),
    **{action: t.label for action, t in TRANSITIONS.items()},
}
