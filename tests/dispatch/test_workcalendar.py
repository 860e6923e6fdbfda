"""Tests for dispatch.workcalendar (pure Python: no Django settings, no DB).

Every expected value below was worked out by hand from the 2026 State Council
holiday notice (gov.cn content_7047090) and the default periods
08:30-12:00 / 14:00-17:30 (7 working hours per day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zoneinfo import ZoneInfo

from dispatch import workcalendar
from dispatch.workcalendar import WorkSchedule, fraction_elapsed

CST = ZoneInfo("Asia/Shanghai")
SCHED = WorkSchedule()


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CST)


# --------------------------------------------------------------------------
# Calendar data: chinese_calendar agrees with the published 2026 notice
# --------------------------------------------------------------------------


def test_chinese_calendar_2026_spring_festival_data():
    for day in range(15, 24):
        d = date(2026, 2, day)
        assert not chinese_calendar.is_workday(d), d
        assert not SCHED.is_working_day(d), d
    # 调休 make-up working days (both Saturdays)
    for d in (date(2026, 2, 14), date(2026, 2, 28)):
        assert d.weekday() == 5
        assert chinese_calendar.is_workday(d)
        assert SCHED.is_working_day(d)
    # ordinary days around the holiday
    assert SCHED.is_working_day(date(2026, 2, 13))  # Fri
    assert SCHED.is_working_day(date(2026, 2, 24))  # Tue
    assert not SCHED.is_working_day(date(2026, 3, 1))  # Sun
    assert not SCHED.is_working_day(date(2026, 3, 7))  # Sat


def test_other_2026_make_up_days_and_holidays():
    for d in (date(2026, 1, 4), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)):
        assert d.weekday() >= 5
        assert SCHED.is_working_day(d), d
    for d in (date(2026, 1, 2), date(2026, 4, 6), date(2026, 5, 5), date(2026, 6, 19),
              date(2026, 9, 25), date(2026, 10, 1), date(2026, 10, 7)):
        assert not SCHED.is_working_day(d), d


def test_is_working_day_accepts_datetime():
    assert SCHED.is_working_day(at(2026, 2, 14, 9))
    assert not SCHED.is_working_day(at(2026, 2, 16, 9))


# --------------------------------------------------------------------------
# Spring Festival 2026 deadlines
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, at(2026, 2, 13, 16)),
        (1, at(2026, 2, 14, 16)),  # Sat make-up day
        (2, at(2026, 2, 24, 16)),  # skips Feb 15-23
        (3, at(2026, 2, 25, 16)),
        (5, at(2026, 2, 27, 16)),
        (6, at(2026, 2, 28, 16)),  # Sat make-up day
        (7, at(2026, 3, 2, 16)),  # Mar 1 is an ordinary Sunday
        (15, at(2026, 3, 12, 16)),
    ],
)
def test_spring_festival_working_days(days, expected):
    assert SCHED.add_working_days(at(2026, 2, 13, 16), days) == expected


def test_spring_festival_working_hours():
    # Fri 1.5 h (to 17:30) + Sat 7 h + Tue 1.5 h from 08:30 -> 10:00
    assert SCHED.add_working_hours(at(2026, 2, 13, 16), 10) == at(2026, 2, 24, 10)
    # Sat make-up day 17:00: 0.5 h left that day, 0.5 h on Tue
    assert SCHED.add_working_hours(at(2026, 2, 14, 17), 1) == at(2026, 2, 24, 9)
    # registered during the holiday: counting starts Tue 08:30
    assert SCHED.add_working_hours(at(2026, 2, 18, 10), 1) == at(2026, 2, 24, 9, 30)
    assert SCHED.add_working_days(at(2026, 2, 18, 10), 1) == at(2026, 2, 24, 17, 30)


def test_national_day_and_mid_autumn_2026():
    # Sun Sep 20 is a make-up working day
    assert SCHED.add_working_days(at(2026, 9, 18, 16), 1) == at(2026, 9, 20, 16)
    # Oct 1-7 closed; Oct 8 Thu, Oct 9 Fri, Sat Oct 10 make-up day
    assert SCHED.add_working_days(at(2026, 9, 30, 16), 1) == at(2026, 10, 8, 16)
    assert SCHED.add_working_days(at(2026, 9, 30, 16), 3) == at(2026, 10, 10, 16)


# --------------------------------------------------------------------------
# Within-day behaviour: lunch, period ends, weekends, starts outside hours
# --------------------------------------------------------------------------


def test_lunch_break():
    assert SCHED.add_working_hours(at(2026, 3, 2, 11, 30), 1) == at(2026, 3, 2, 14, 30)
    assert SCHED.add_working_hours(at(2026, 3, 2, 11, 0), 1) == at(2026, 3, 2, 12, 0)


def test_deadline_at_period_end_stays_there():
    assert SCHED.add_working_hours(at(2026, 3, 2, 17, 0), 0.5) == at(2026, 3, 2, 17, 30)
    assert SCHED.add_working_hours(at(2026, 3, 2, 11, 0), 4.5) == at(2026, 3, 2, 17, 30)
    # a full day starting exactly at 08:30 ends at 17:30 the same day
    assert SCHED.add_working_days(at(2026, 3, 2, 8, 30), 1) == at(2026, 3, 2, 17, 30)
    # Fri afternoon exactly to the end of the week
    assert SCHED.add_working_hours(at(2026, 3, 6, 14, 0), 3.5) == at(2026, 3, 6, 17, 30)


def test_weekend():
    assert SCHED.add_working_hours(at(2026, 3, 6, 17, 0), 2) == at(2026, 3, 9, 10, 0)
    assert SCHED.add_working_days(at(2026, 3, 6, 10, 0), 1) == at(2026, 3, 9, 10, 0)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at(2026, 3, 2, 7, 0), 1, at(2026, 3, 2, 9, 30)),
        (at(2026, 3, 2, 12, 30), 1, at(2026, 3, 2, 15, 0)),
        (at(2026, 3, 2, 12, 0), 1, at(2026, 3, 2, 15, 0)),
        (at(2026, 3, 2, 18, 0), 1, at(2026, 3, 3, 9, 30)),
        (at(2026, 3, 1, 10, 0), 1, at(2026, 3, 2, 9, 30)),  # Sunday
        (at(2026, 3, 7, 9, 0), 4, at(2026, 3, 9, 14, 30)),  # Saturday, across lunch
        # zero hours: the next working instant, or the start itself if inside
        (at(2026, 3, 2, 7, 0), 0, at(2026, 3, 2, 8, 30)),
        (at(2026, 3, 2, 12, 30), 0, at(2026, 3, 2, 14, 0)),
        (at(2026, 3, 2, 18, 0), 0, at(2026, 3, 3, 8, 30)),
        (at(2026, 3, 7, 9, 0), 0, at(2026, 3, 9, 8, 30)),
        (at(2026, 3, 2, 10, 15), 0, at(2026, 3, 2, 10, 15)),
        (at(2026, 3, 2, 8, 30), 0, at(2026, 3, 2, 8, 30)),
    ],
)
def test_start_outside_working_time(start, hours, expected):
    assert SCHED.add_working_hours(start, hours) == expected


def test_working_days_from_outside_hours():
    # counting starts at 08:30, so a full 7-hour day ends at 17:30 that day
    assert SCHED.add_working_days(at(2026, 3, 2, 7, 0), 1) == at(2026, 3, 2, 17, 30)
    assert SCHED.add_working_days(at(2026, 3, 2, 18, 0), 1) == at(2026, 3, 3, 17, 30)
    assert SCHED.add_working_days(at(2026, 3, 2, 12, 30), 1) == at(2026, 3, 3, 12, 0)


def test_fractional_and_decimal_amounts():
    assert SCHED.add_working_hours(at(2026, 3, 2, 9, 0), Decimal("1.25")) == at(2026, 3, 2, 10, 15)
    assert SCHED.add_working_days(at(2026, 3, 2, 9, 0), 0.5) == at(2026, 3, 2, 14, 30)
    assert SCHED.add_working_days(at(2026, 3, 2, 9, 0), Decimal("1.5")) == at(2026, 3, 3, 14, 30)


def test_result_is_aware_in_schedule_tz():
    start_utc = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
    result = SCHED.add_working_hours(start_utc, 1)
    assert result == at(2026, 3, 2, 11, 0)
    assert result.tzinfo == CST
    assert result.utcoffset() == timedelta(hours=8)
    # 18:00 UTC Sunday = 02:00 Monday in Shanghai -> counting starts 08:30 Mon
    assert SCHED.add_working_hours(datetime(2026, 3, 1, 18, 0, tzinfo=timezone.utc), 1) == at(2026, 3, 2, 9, 30)


# --------------------------------------------------------------------------
# Years outside chinese_calendar's data, and overrides
# --------------------------------------------------------------------------


def test_2027_has_no_chinese_calendar_data():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 2, 8))


def test_2027_falls_back_to_monday_to_friday():
    assert SCHED.is_working_day(date(2027, 2, 8))  # Mon
    assert SCHED.is_working_day(date(2027, 2, 5))  # Fri
    assert not SCHED.is_working_day(date(2027, 2, 6))  # Sat
    assert not SCHED.is_working_day(date(2027, 2, 7))  # Sun
    assert SCHED.add_working_days(at(2027, 2, 5, 16), 1) == at(2027, 2, 8, 16)
    assert SCHED.is_working_day(date(2003, 1, 1))  # Wed, before the data too
    assert not SCHED.is_working_day(date(2003, 1, 4))  # Sat


def test_2027_admin_overrides():
    sched = WorkSchedule(overrides={date(2027, 2, 8): False, date(2027, 2, 9): False})
    assert not sched.is_working_day(date(2027, 2, 8))
    assert sched.add_working_days(at(2027, 2, 5, 16), 1) == at(2027, 2, 10, 16)
    assert sched.add_working_hours(at(2027, 2, 5, 17), 1) == at(2027, 2, 10, 9)

    saturday = WorkSchedule(overrides={date(2027, 2, 6): True})
    assert saturday.is_working_day(date(2027, 2, 6))
    assert saturday.add_working_days(at(2027, 2, 5, 16), 1) == at(2027, 2, 6, 16)
    assert saturday.add_working_days(at(2027, 2, 5, 16), 2) == at(2027, 2, 8, 16)


def test_overrides_beat_chinese_calendar():
    assert SCHED.is_working_day(date(2026, 9, 15))
    typhoon = WorkSchedule(overrides={date(2026, 9, 15): False})
    assert not typhoon.is_working_day(date(2026, 9, 15))
    assert SCHED.add_working_days(at(2026, 9, 14, 16), 1) == at(2026, 9, 15, 16)
    assert typhoon.add_working_days(at(2026, 9, 14, 16), 1) == at(2026, 9, 16, 16)
    # a statutory holiday forced open, and a make-up Saturday forced closed
    forced = WorkSchedule(overrides={date(2026, 10, 1): True, date(2026, 2, 14): False})
    assert forced.is_working_day(date(2026, 10, 1))
    assert not forced.is_working_day(date(2026, 2, 14))
    assert forced.add_working_days(at(2026, 2, 13, 16), 1) == at(2026, 2, 24, 16)


def test_override_keys_from_strings_and_immutability():
    sched = WorkSchedule.from_strings(overrides={"2026-09-15": False, date(2027, 2, 6): 1})
    assert not sched.is_working_day(date(2026, 9, 15))
    assert sched.is_working_day(date(2027, 2, 6))
    with pytest.raises(TypeError):
        sched.overrides[date(2026, 9, 16)] = False  # type: ignore[index]
    with pytest.raises(ValueError, match="override date"):
        WorkSchedule(overrides={"15/09/2026": False})


def test_schedule_is_hashable_and_comparable():
    a = WorkSchedule.from_strings(overrides={"2026-09-15": False})
    b = WorkSchedule(overrides={date(2026, 9, 15): False})
    assert a == b
    assert hash(a) == hash(b)
    assert WorkSchedule.from_strings() == WorkSchedule()


# --------------------------------------------------------------------------
# Settings strings
# --------------------------------------------------------------------------


def test_from_strings_parses_periods():
    sched = WorkSchedule.from_strings("09:00-12:00, 13:30-18:00")
    assert sched.periods == ((time(9), time(12)), (time(13, 30), time(18)))
    assert sched.hours_per_day() == 7.5
    assert SCHED.hours_per_day() == 7.0
    assert sched.add_working_hours(at(2026, 3, 2, 11, 0), 2) == at(2026, 3, 2, 14, 30)
    assert WorkSchedule.from_strings("8:30-12:00").periods == ((time(8, 30), time(12)),)
    assert WorkSchedule.from_strings("08:30-12:00", tz="Asia/Shanghai").tz == CST


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no working periods"),
        ("   ", "no working periods"),
        ("08:30-12", "invalid time"),
        ("0830-1200", "invalid"),
        ("08:30", "invalid working period"),
        ("08:30-12:00-13:00", "invalid working period"),
        ("abc", "invalid working period"),
        ("25:00-26:00", "out of range"),
        ("08:60-12:00", "out of range"),
        ("12:00-08:30", "must end after it starts"),
        ("09:00-09:00", "must end after it starts"),
        ("14:00-17:30,08:30-12:00", "sorted and non-overlapping"),
        ("08:30-12:00,11:00-13:00", "sorted and non-overlapping"),
    ],
)
def test_from_strings_rejects_bad_periods(text, message):
    with pytest.raises(ValueError, match=message):
        WorkSchedule.from_strings(text)


def test_constructor_validates_periods():
    with pytest.raises(ValueError):
        WorkSchedule(periods=())
    with pytest.raises(ValueError):
        WorkSchedule(periods=((time(14), time(17)), (time(9), time(12))))


# --------------------------------------------------------------------------
# Elapsed working time
# --------------------------------------------------------------------------


def test_working_seconds_between():
    wsb = SCHED.working_seconds_between
    assert wsb(at(2026, 3, 2, 8, 0), at(2026, 3, 2, 18, 0)) == 7 * 3600
    assert wsb(at(2026, 3, 2, 11, 0), at(2026, 3, 2, 15, 0)) == 2 * 3600
    assert wsb(at(2026, 3, 2, 12, 10), at(2026, 3, 2, 13, 50)) == 0
    assert wsb(at(2026, 3, 6, 17, 0), at(2026, 3, 9, 10, 0)) == 2 * 3600
    # Fri 1.5 h + Sat make-up 7 h + Tue 5.5 h
    assert wsb(at(2026, 2, 13, 16), at(2026, 2, 24, 16)) == 14 * 3600
    # a full working week
    assert wsb(at(2026, 3, 2), at(2026, 3, 9)) == 5 * 7 * 3600
    assert wsb(at(2026, 3, 2, 15), at(2026, 3, 2, 10)) == 0
    assert wsb(at(2026, 3, 2, 10), at(2026, 3, 2, 10)) == 0
    # mixed timezones: 02:00 UTC = 10:00 CST
    assert wsb(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc), at(2026, 3, 2, 11, 0)) == 3600


def test_fraction_elapsed():
    start = at(2026, 3, 2, 8, 30)
    deadline = SCHED.add_working_hours(start, 10)
    assert deadline == at(2026, 3, 3, 11, 30)
    assert fraction_elapsed(SCHED, start, deadline, at(2026, 3, 2, 8, 0)) == 0.0
    assert fraction_elapsed(SCHED, start, deadline, at(2026, 3, 2, 12, 0)) == pytest.approx(0.35)
    assert fraction_elapsed(SCHED, start, deadline, at(2026, 3, 2, 13, 0)) == pytest.approx(0.35)
    assert fraction_elapsed(SCHED, start, deadline, at(2026, 3, 3, 9, 30)) == pytest.approx(0.8)
    assert fraction_elapsed(SCHED, start, deadline, deadline) == pytest.approx(1.0)
    assert fraction_elapsed(SCHED, start, deadline, at(2026, 3, 3, 14, 30)) == pytest.approx(1.1)


def test_fraction_elapsed_over_holiday():
    start = at(2026, 2, 13, 16)
    deadline = SCHED.add_working_days(start, 2)  # Tue Feb 24 16:00, 14 working hours
    # 80 % = 11.2 h: Fri 1.5 + Sat 7 + Tue 2.7 h (08:30 + 2h42m = 11:12)
    assert fraction_elapsed(SCHED, start, deadline, at(2026, 2, 24, 11, 12)) == pytest.approx(0.8)
    # nothing accrues during the holiday itself
    assert fraction_elapsed(SCHED, start, deadline, at(2026, 2, 20, 12)) == pytest.approx(8.5 / 14)


def test_fraction_elapsed_zero_length():
    start = at(2026, 3, 2, 10)
    assert fraction_elapsed(SCHED, start, start, start) == 1.0
    assert fraction_elapsed(SCHED, start, start, at(2026, 3, 2, 9)) == 0.0
    # zero working time between a Saturday start and Monday 08:30
    sat, mon = at(2026, 3, 7, 9), at(2026, 3, 9, 8, 30)
    assert fraction_elapsed(SCHED, sat, mon, at(2026, 3, 8, 9)) == 0.0
    assert fraction_elapsed(SCHED, sat, mon, at(2026, 3, 9, 9)) == 1.0


def test_fraction_elapsed_default_now_is_current_time():
    start = datetime.now(CST) - timedelta(days=400)
    deadline = SCHED.add_working_hours(start, 1)
    assert fraction_elapsed(SCHED, start, deadline) > 1.0


# --------------------------------------------------------------------------
# Unit dispatch and errors
# --------------------------------------------------------------------------


def test_add_dispatches_on_unit():
    start = at(2026, 2, 13, 16)
    assert SCHED.add(start, 2, "working_days") == at(2026, 2, 24, 16)
    assert SCHED.add(start, 10, "working_hours") == at(2026, 2, 24, 10)
    assert workcalendar.DEADLINE_UNITS == ("working_hours", "working_days")


@pytest.mark.parametrize("unit", ["days", "hours", "calendar_days", "", "Working_Days"])
def test_add_rejects_unknown_unit(unit):
    with pytest.raises(ValueError, match="unknown deadline unit"):
        SCHED.add(at(2026, 3, 2, 9), 1, unit)


def test_naive_datetimes_rejected():
    naive = datetime(2026, 3, 2, 9, 0)
    with pytest.raises(ValueError, match="aware"):
        SCHED.add_working_hours(naive, 1)
    with pytest.raises(ValueError, match="aware"):
        SCHED.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="aware"):
        SCHED.working_seconds_between(naive, at(2026, 3, 2, 10))
    with pytest.raises(ValueError, match="aware"):
        SCHED.working_seconds_between(at(2026, 3, 2, 10), naive)
    with pytest.raises(ValueError, match="aware"):
        SCHED.is_working_time(naive)


@pytest.mark.parametrize("amount", [-1, -0.5, Decimal("-2"), float("nan"), float("inf"), Decimal("NaN")])
def test_bad_amounts_rejected(amount):
    with pytest.raises(ValueError):
        SCHED.add_working_hours(at(2026, 3, 2, 9), amount)


def test_bool_amount_rejected():
    with pytest.raises(TypeError):
        SCHED.add_working_days(at(2026, 3, 2, 9), True)


def test_no_working_day_guard():
    closed = {date(2030, 1, 1) + timedelta(days=i): False for i in range(3700)}
    sched = WorkSchedule(overrides=closed)
    with pytest.raises(ValueError, match="no working day found within 3660 days"):
        sched.add_working_hours(at(2030, 1, 1, 9), 1)


def test_is_working_time():
    assert SCHED.is_working_time(at(2026, 3, 2, 8, 30))
    assert SCHED.is_working_time(at(2026, 3, 2, 11, 59))
    assert not SCHED.is_working_time(at(2026, 3, 2, 12, 0))
    assert not SCHED.is_working_time(at(2026, 3, 2, 17, 30))
    assert not SCHED.is_working_time(at(2026, 2, 16, 10))  # Spring Festival
    assert SCHED.is_working_time(at(2026, 2, 14, 10))  # make-up Saturday


# --------------------------------------------------------------------------
# Efficiency: per-day loop, no per-minute stepping
# --------------------------------------------------------------------------


def test_day_iterations_are_bounded(monkeypatch):
    calls = []
    real = workcalendar._statutory_workday

    def spy(d):
        calls.append(d)
        return real(d)

    monkeypatch.setattr(workcalendar, "_statutory_workday", spy)
    assert SCHED.add_working_days(at(2026, 2, 13, 16), 15) == at(2026, 3, 12, 16)
    assert len(calls) <= 30  # 28 calendar days from Feb 13 to Mar 12
    calls.clear()
    SCHED.add_working_days(at(2026, 1, 5, 9), 200)
    assert len(calls) < 320


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([CST, timezone.utc, ZoneInfo("Europe/Berlin")]),
)


def _in_or_at_end_of_period(sched: WorkSchedule, moment: datetime, allow_start: bool) -> bool:
    local = moment.astimezone(sched.tz)
    if not sched.is_working_day(local.date()):
        return False
    t = local.time()
    return any((s <= t if allow_start else s < t) and t <= e for s, e in sched.periods)


@settings(max_examples=300, deadline=None)
@given(start=starts, hours=st.floats(min_value=0, max_value=100, allow_nan=False))
def test_property_round_trip(start, hours):
    deadline = SCHED.add_working_hours(start, hours)
    assert deadline.tzinfo == CST
    assert deadline >= start
    assert abs(SCHED.working_seconds_between(start, deadline) - hours * 3600) <= 1
    # amounts are resolved to whole microseconds; below that they count as 0
    assert _in_or_at_end_of_period(SCHED, deadline, allow_start=round(hours * 3_600_000_000) == 0)


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    hours=st.decimals(min_value=0, max_value=100, places=2),
    typhoon=st.sets(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 3, 31)), max_size=20),
    makeup=st.sets(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 3, 31)), max_size=5),
)
def test_property_round_trip_with_overrides(start, hours, typhoon, makeup):
    overrides = {d: True for d in makeup}
    overrides.update({d: False for d in typhoon})
    sched = WorkSchedule(overrides=overrides)
    deadline = sched.add_working_hours(start, hours)
    assert abs(sched.working_seconds_between(start, deadline) - float(hours) * 3600) <= 1
    assert _in_or_at_end_of_period(sched, deadline, allow_start=(hours == 0))


@st.composite
def inside_starts(draw):
    """An instant strictly inside a working period of a working day (built so, not filtered)."""
    day = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)).filter(SCHED.is_working_day))
    begin, end = draw(st.sampled_from(SCHED.periods))
    span = int((datetime.combine(day, end) - datetime.combine(day, begin)).total_seconds() // 60)
    minute = draw(st.integers(min_value=1, max_value=span - 1))
    return (datetime.combine(day, begin, tzinfo=CST) + timedelta(minutes=minute)).astimezone(timezone.utc)


@settings(max_examples=200, deadline=None)
@given(start=inside_starts(), days=st.integers(min_value=1, max_value=30))
def test_property_working_days_keep_clock_time(start, days):
    """From strictly inside a period, N working days = same clock time, N working days later."""
    local = start.astimezone(CST)
    assert SCHED.is_working_day(local.date()) and any(s < local.time() < e for s, e in SCHED.periods)
    result = SCHED.add_working_days(start, days).astimezone(CST)
    assert result.time() == local.time()
    working_days_later = sum(
        SCHED.is_working_day(local.date() + timedelta(days=i))
        for i in range(1, (result.date() - local.date()).days + 1)
    )
    assert working_days_later == days
    assert SCHED.is_working_day(result.date())
