"""The working calendar's overrides (调休): a date made a working day or a holiday."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from .models import CalendarOverride

@transaction.atomic
def calendar_override_set(*, date: dt.date, is_working_day: bool, reason: str) -> CalendarOverride:
    """Enter (or change) one day of the working calendar; takes effect at once (routing.work_schedule)."""
    override, _created = CalendarOverride.objects.select_for_update().get_or_create(
        date=date, defaults={"is_working_day": is_working_day, "reason": reason}
    )
    if (override.is_working_day, override.reason) != (is_working_day, reason):
        override.is_working_day, override.reason = is_working_day, reason
        override.full_clean()
        override.save(update_fields=["is_working_day", "reason", "updated_at"])
    return override
