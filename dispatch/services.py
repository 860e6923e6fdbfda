"""Writes for dispatch, one module per concern; this module only gathers their public names
(``from dispatch import services; services.case_dispatch(...)`` keeps working):

- dispatch/transitions.py     dispatch, reassign, accept, return, handle, close (and deadlines)
- dispatch/escalation.py      escalation by hand, the periodic deadline scan
- dispatch/consultations.py   consultations (会商)
- dispatch/notices.py         rectification notices (限期整改通知书) and their follow-up
- dispatch/notifications.py   what dispatch tells whom, through the one inbox (core/inbox.py)
- dispatch/rules_io.py        routing rules as spreadsheets (import, export)
- dispatch/calendar_overrides.py  the working calendar's overrides
- dispatch/timeline.py        what they share: timeline events, the row lock, DispatchError

Every change of a case's status goes through cases.services.case_transition (row lock,
version check, timeline event). Escalation, warnings and consultations do not change
the status (see cases/workflow.py): they update the routing fields under the same row
lock and append their own timeline event.
"""

from .calendar_overrides import calendar_override_set
from .consultations import CONSULTABLE_TIERS, check_may_consult, consultation_action_done, consultation_decide, consultation_open
from .escalation import (
    ESCALATABLE,
    WARN_AT,
    ScanResult,
    case_escalate,
    check_may_escalate,
    deadlines_scan,
    running_deadline,
)
from .notices import check_department_actor, notice_followup_record, notice_issue, notices_followup_scan
from .notifications import NotificationKind, notification_mark_all_read, notification_mark_read, notification_send
from .rules_io import (
    MAX_RULE_ROWS,
    RULE_COLUMNS,
    RULE_REQUIRED,
    RuleError,
    RuleImportResult,
    routing_export_provider,
    rules_export_xlsx,
    rules_import,
    rules_import_category_file,
    rules_import_xlsx,
    rules_parse,
    rules_read_xlsx,
)
from .timeline import EVENT_LABELS, DispatchError
from .transitions import (
    FALLBACK_ACCEPT,
    FALLBACK_HANDLE,
    BulkResult,
    case_accept,
    case_close,
    case_dispatch,
    case_dispatch_bulk,
    case_handle,
    case_handle_submit,
    case_return,
    check_department_serves,
)

__all__ = [
    "BulkResult", "CONSULTABLE_TIERS", "DispatchError", "ESCALATABLE", "EVENT_LABELS", "FALLBACK_ACCEPT",
    "FALLBACK_HANDLE", "MAX_RULE_ROWS", "RULE_COLUMNS", "RULE_REQUIRED", "RuleError", "RuleImportResult",
    "ScanResult", "WARN_AT", "calendar_override_set", "case_accept", "case_close", "case_dispatch",
    "case_dispatch_bulk", "case_escalate", "case_handle", "case_handle_submit", "case_return", "check_department_actor",
    "check_department_serves", "check_may_consult", "check_may_escalate", "consultation_action_done",
    "consultation_decide", "consultation_open", "deadlines_scan", "notice_followup_record", "notice_issue",
    "notices_followup_scan", "NotificationKind",
    "notification_mark_all_read", "notification_mark_read", "notification_send", "routing_export_provider",
    "rules_export_xlsx", "rules_import", "rules_import_category_file", "rules_import_xlsx", "rules_parse",
    "rules_read_xlsx", "running_deadline",
]
