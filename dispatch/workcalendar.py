"""Case deadlines measured in Chinese working time.

Pure Python: no Django models, no database, no settings.

Working days come from, in order of precedence:

1. ``WorkSchedule.overrides`` (administrator entries such as a typhoon closure,
   or next year's State Council 调休 notice before ``chinese_calendar`` ships it);
2. ``chinese_calendar.is_workday`` (statutory holidays and 调休 make-up days,
   for the years its data covers);
3. Monday–Friday, for years ``chinese_calendar`` has no data for.

Within a working day, only the configured periods count (by default
08:30–12:00 and 14:00–17:30, i.e. 7 hours).  Periods are half-open
``[start, end)``, but a deadline that uses up the last of a period ends at that
period's end (e.g. 12:00), not at the next period's start.  Times are counted on
the wall clock of ``WorkSchedule.tz`` (Asia/Shanghai has no DST), with amounts
resolved to whole microseconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "DEADLINE_UNITS",
    "DEFAULT_PERIODS",
    "MAX_DAYS_WITHOUT_WORK",
    "WorkSchedule",
    "fraction_elapsed",
]

DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 0), time(17, 30)),
)
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
DEADLINE_UNITS: tuple[str, ...] = ("working_hours", "working_days")
#: Give up if this many consecutive calendar days contain no working time.
MAX_DAYS_WITHOUT_WORK = 3660

_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3600 * _US_PER_SECOND
_US_PER_DAY = 24 * _US_PER_HOUR
_ONE_DAY = timedelta(days=1)
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@lru_cache(maxsize=8192)
def _statutory_workday(d: date) -> bool:
    """chinese_calendar's verdict, or Monday–Friday outside its data range."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5


def _time_to_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


def _parse_time(text: str, token: str) -> time:
    m = _TIME_RE.match(text.strip())
    if not m:
        raise ValueError(f"invalid time {text.strip()!r} in working period {token!r}; expected HH:MM")
    hh, mm, ss = int(m[1]), int(m[2]), int(m[3] or 0)
    if hh > 23 or mm > 59 or ss > 59:
        raise ValueError(f"time {text.strip()!r} in working period {token!r} is out of range (00:00–23:59)")
    return time(hh, mm, ss)


def _to_us(amount: int | float | Decimal, unit_us: int, what: str) -> int:
    """Convert a non-negative amount of ``unit_us``-long units to whole microseconds."""
    if isinstance(amount, bool):
        raise TypeError(f"{what} must be a number, not bool")
    if isinstance(amount, (int, Decimal)):
        value = Decimal(amount)
    elif isinstance(amount, float):
        if not math.isfinite(amount):
            raise ValueError(f"{what} must be finite, got {amount!r}")
        value = Decimal(amount)  # exact binary value
    else:
        try:
            value = Decimal(str(amount))
        except (InvalidOperation, ValueError) as exc:
            raise TypeError(f"{what} must be a number, got {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"{what} must be finite, got {amount!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {amount!r}")
    return int((value * unit_us).to_integral_value(rounding=ROUND_HALF_EVEN))


def _normalise_override_key(key: object) -> date:
    if isinstance(key, datetime):
        return key.date()
    if isinstance(key, date):
        return key
    if isinstance(key, str):
        try:
            return date.fromisoformat(key.strip())
        except ValueError as exc:
            raise ValueError(f"invalid override date {key!r}; expected YYYY-MM-DD") from exc
    raise TypeError(f"override keys must be dates, got {key!r}")


@dataclass(frozen=True)
class WorkSchedule:
    """Working periods per day, a timezone, and per-date working-day overrides."""

    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    tz: ZoneInfo = DEFAULT_TZ
    # date -> True (working: 调休上班, admin entry) / False (closed: holiday, typhoon).
    # Overrides always take precedence over chinese_calendar.
    overrides: Mapping[date, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tz = self.tz
        if isinstance(tz, str):
            tz = ZoneInfo(tz)
        if not isinstance(tz, tzinfo):
            raise TypeError(f"tz must be a tzinfo, got {tz!r}")
        object.__setattr__(self, "tz", tz)

        periods = tuple(tuple(p) for p in self.periods)
        if not periods:
            raise ValueError("at least one working period is required")
        prev_end: time | None = None
        for p in periods:
            if len(p) != 2 or not all(isinstance(t, time) for t in p):
                raise TypeError(f"each working period must be a (time, time) pair, got {p!r}")
            start, end = p
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("working period times must be naive (they are read in the schedule's tz)")
            if start >= end:
                raise ValueError(f"working period {start:%H:%M}-{end:%H:%M} must end after it starts")
            if prev_end is not None and start < prev_end:
                raise ValueError(
                    f"working period {start:%H:%M}-{end:%H:%M} overlaps or precedes the previous one "
                    f"(ending {prev_end:%H:%M}); periods must be sorted and non-overlapping"
                )
            prev_end = end
        object.__setattr__(self, "periods", periods)

        overrides = {_normalise_override_key(k): bool(v) for k, v in dict(self.overrides or {}).items()}
        object.__setattr__(self, "overrides", MappingProxyType(overrides))

        spans = tuple((_time_to_us(s), _time_to_us(e)) for s, e in periods)
        object.__setattr__(self, "_spans", spans)
        object.__setattr__(self, "_day_us", sum(e - s for s, e in spans))

    def __hash__(self) -> int:
        return hash((self.periods, self.tz, frozenset(self.overrides.items())))

    @classmethod
    def from_strings(
        cls,
        periods: str = "08:30-12:00,14:00-17:30",
        overrides: Mapping[date | str, bool] | None = None,
        tz: ZoneInfo | str = DEFAULT_TZ,
    ) -> WorkSchedule:
        """Build a schedule from a settings string like ``"08:30-12:00,14:00-17:30"``.

        ``overrides`` keys may be dates or ISO ``YYYY-MM-DD`` strings.
        Raises ``ValueError`` for malformed, empty, unsorted or overlapping periods.
        """
        if not isinstance(periods, str):
            raise TypeError(f"periods must be a string, got {periods!r}")
        tokens = [t.strip() for t in re.split(r"[,，;；]", periods) if t.strip()]
        if not tokens:
            raise ValueError(f"no working periods in {periods!r}; expected e.g. '08:30-12:00,14:00-17:30'")
        parsed = []
        for token in tokens:
            parts = re.split(r"\s*[-–~～]\s*", token)
            if len(parts) != 2:
                raise ValueError(f"invalid working period {token!r}; expected HH:MM-HH:MM")
            parsed.append((_parse_time(parts[0], token), _parse_time(parts[1], token)))
        return cls(periods=tuple(parsed), tz=tz, overrides=dict(overrides or {}))

    # ---------------------------------------------------------------- days

    def is_working_day(self, d: date) -> bool:
        """Overrides first, then chinese_calendar, then Monday–Friday."""
        if isinstance(d, datetime):
            d = d.date()
        override = self.overrides.get(d)
        if override is not None:
            return override
        return _statutory_workday(d)

    def hours_per_day(self) -> float:
        """Working hours in one full working day (7.0 by default)."""
        return self._day_us / _US_PER_HOUR

    def is_working_time(self, moment: datetime) -> bool:
        """True if ``moment`` lies inside a working period ``[start, end)`` on a working day."""
        d, t_us = self._local(moment)
        return self.is_working_day(d) and any(s <= t_us < e for s, e in self._spans)

    # ---------------------------------------------------------- arithmetic

    def add_working_hours(self, start: datetime, hours: int | float | Decimal) -> datetime:
        """The instant ``hours`` of working time after ``start`` (aware, in ``self.tz``)."""
        return self._add_us(start, _to_us(hours, _US_PER_HOUR, "hours"))

    def add_working_days(self, start: datetime, days: int | float | Decimal) -> datetime:
        """``days * hours_per_day()`` working hours after ``start``.

        So N working days land on the same working clock time N working days later.
        """
        return self._add_us(start, _to_us(days, self._day_us, "days"))

    def add(self, start: datetime, amount: int | float | Decimal, unit: str) -> datetime:
        """Dispatch on ``unit`` (``"working_hours"`` or ``"working_days"``)."""
        if unit == "working_hours":
            return self.add_working_hours(start, amount)
        if unit == "working_days":
            return self.add_working_days(start, amount)
        raise ValueError(f"unknown deadline unit {unit!r}; expected one of {', '.join(DEADLINE_UNITS)}")

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Working seconds elapsed from ``start`` to ``end`` (0 if ``end <= start``)."""
        d0, t0 = self._local(start)
        d1, t1 = self._local(end)
        if (d1, t1) <= (d0, t0):
            return 0.0
        total = 0
        d = d0
        while d <= d1:
            if self.is_working_day(d):
                lo = t0 if d == d0 else 0
                hi = t1 if d == d1 else _US_PER_DAY
                if lo == 0 and hi == _US_PER_DAY:
                    total += self._day_us
                else:
                    for s, e in self._spans:
                        overlap = min(e, hi) - max(s, lo)
                        if overlap > 0:
                            total += overlap
            d += _ONE_DAY
        return total / _US_PER_SECOND

    # ------------------------------------------------------------ internals

    def _local(self, moment: datetime) -> tuple[date, int]:
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a datetime, got {moment!r}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware, got naive {moment.isoformat()}")
        local = moment.astimezone(self.tz)
        return local.date(), _time_to_us(local.time())

    def _at(self, d: date, t_us: int) -> datetime:
        return (datetime.combine(d, time()) + timedelta(microseconds=t_us)).replace(tzinfo=self.tz)

    def _add_us(self, start: datetime, remaining: int) -> datetime:
        d, t_us = self._local(start)
        first_start = self._spans[0][0]
        idle_days = 0
        while True:
            if self.is_working_day(d):
                idle_days = 0
                if t_us <= first_start and remaining > self._day_us:
                    # Whole working day consumed; the deadline is on a later day.
                    remaining -= self._day_us
                else:
                    for s, e in self._spans:
                        if t_us >= e:
                            continue
                        cur = max(t_us, s)
                        available = e - cur
                        if remaining <= available:
                            return self._at(d, cur + remaining)
                        remaining -= available
            else:
                idle_days += 1
                if idle_days > MAX_DAYS_WITHOUT_WORK:
                    raise ValueError(
                        f"no working day found within {MAX_DAYS_WITHOUT_WORK} days "
                        f"(searched up to {d.isoformat()}); check the working-day overrides"
                    )
            d += _ONE_DAY
            t_us = 0


def fraction_elapsed(
    schedule: WorkSchedule,
    start: datetime,
    deadline: datetime,
    now: datetime | None = None,
) -> float:
    """Share of the working time from ``start`` to ``deadline`` used up by ``now``.

    1.0 at the deadline, above 1.0 once working time past it accrues.  For a
    zero-length allowance: 0.0 before the deadline, 1.0 from it on.
    ``now`` defaults to the current time.
    """
    if now is None:
        now = datetime.now(schedule.tz)
    total = schedule.working_seconds_between(start, deadline)
    if total <= 0:
        return 1.0 if now >= deadline else 0.0
    return schedule.working_seconds_between(start, now) / total
