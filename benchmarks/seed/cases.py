"""Seed step: cases over N months with their timelines, in every state.

Each case follows a *path*: a sequence of actions from the transition table
(cases.workflow.TRANSITIONS), checked against the table when this module is
imported, so the seeded timelines are ones the services could have produced.
Trusted sources (grid workers, inspections, hotline) are registered at once;
volunteer, public and API reports go through triage, as in cases.services.case_report.
A case's timeline is cut at "now": recent cases are naturally still open.

Duplicates come in pairs: an open case, then a duplicate reported minutes later
in the same grid and merged into it (the original gets a ``merged_in`` event).
That is also how the rare "reported" state (an API report not yet registered)
gets its second event. Every case has 2–8 events.

Cases are created in time order (ids increase with ``created_at``, as in real
life), numbered per district and day like cases.services (``440604-20261127-00042``),
and DailyCounter is set to the last number of each day so new reports continue
the sequence.
"""

from __future__ import annotations

import bisect
import datetime as dt
import uuid
from dataclasses import dataclass
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from cases.models import Case, CaseEvent, DailyCounter
from cases.workflow import TERMINAL_STATES, TRANSITIONS

from . import names, register
from .writer import BulkWriter, SeedError, fast_load, next_id, reset_sequence

S = Case.Status
SRC = Case.Source
TRUSTED = (SRC.GRID_WORKER, SRC.INSPECTION, SRC.HOTLINE)
SOURCE_WEIGHTS = [(SRC.GRID_WORKER, 62), (SRC.INSPECTION, 12), (SRC.HOTLINE, 4), (SRC.VOLUNTEER, 14), (SRC.PUBLIC_QR, 6), (SRC.OPEN_API, 2)]
CHUNK = 20_000  # cases per COPY round trip

# (actions after the report, weight). Merges only come as pairs (see CaseFactory.merge_pair).
TRUSTED_PATHS = [
    (("register",), 1.0),
    (("register", "self_handle"), 24.0),
    (("register", "dispatch"), 1.2),
    (("register", "dispatch", "accept"), 1.5),
    (("register", "dispatch", "return"), 0.4),
    (("register", "dispatch", "accept", "handle"), 1.0),
    (("register", "dispatch", "accept", "handle", "verify"), 0.8),
    (("register", "dispatch", "accept", "handle", "verify", "close"), 55.0),
    (("register", "dispatch", "return", "dispatch", "accept", "handle", "verify"), 0.3),
    (("register", "dispatch", "accept", "handle", "verify_fail"), 0.3),
    (("register", "dispatch", "accept", "handle", "verify_fail", "accept", "handle"), 0.2),
    (("register", "dispatch", "accept", "handle", "verify", "close", "reopen"), 0.3),
    (("register", "cancel"), 0.6),
    (("register", "dispatch", "accept", "cancel"), 0.2),
]
UNTRUSTED_PATHS = [
    (("triage",), 1.0),
    (("triage", "reject"), 6.0),
    (("triage", "cancel"), 1.0),
    (("triage", "register"), 0.5),
    (("triage", "register", "dispatch"), 0.8),
    (("triage", "register", "dispatch", "accept", "handle"), 0.8),
    (("triage", "register", "dispatch", "accept", "handle", "verify", "close"), 60.0),
]
# Originals a duplicate is merged into: (path, source).
MERGE_TARGETS = [((), SRC.OPEN_API), (("triage",), SRC.VOLUNTEER), (("register",), SRC.GRID_WORKER),
                 (("register", "dispatch"), SRC.GRID_WORKER), (("register", "dispatch", "accept"), SRC.GRID_WORKER)]
MERGE_TARGET_WEIGHTS = [3, 1, 1, 1, 1]

# Seconds between the previous event and this action: (low, high), skewed to the low end.
DELAYS = {
    "triage": (1, 5), "register": (1, 5), "register_after_triage": (1800, 2 * 86400), "reject": (1800, 2 * 86400),
    "merge": (600, 86400), "self_handle": (300, 2700), "dispatch": (600, 86400), "accept": (300, 6 * 3600),
    "return": (1800, 86400), "handle": (2 * 3600, 7 * 86400), "verify": (3600, 2 * 86400), "verify_fail": (3600, 2 * 86400),
    "close": (600, 86400), "reopen": (86400, 10 * 86400), "cancel": (3600, 3 * 86400),
}
NOTES = {
    "reject": ["非本辖区事项，已告知反映人", "反映内容不属实", "重复反映，已在处理中"],
    "return": ["不属于本部门职责，请重新派遣", "地址不详，无法处置", "应由镇街自行处理"],
    "verify_fail": ["现场复核仍未整改到位", "问题反弹，需继续处置"],
    "reopen": ["群众再次反映，重新派遣", "复查发现问题复发"],
    "cancel": ["上报人撤回", "误报，现场无此问题", "已由其他渠道处理"],
    "handle": ["已现场处置完毕", "已督促当事人整改", "已清理完毕"],
    "self_handle": ["已现场处理"],
}
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 8, 10, 14, 14, 13, 12, 9, 7, 6, 4, 3, 2]  # reports per local hour
HOUR_CUM = list(accumulate(HOURS))


def _walk(path: tuple[str, ...]) -> list[str]:
    """The statuses a path passes through, checked against the transition table."""
    status, states = S.REPORTED.value, []
    for action in path:
        t = TRANSITIONS.get(action)
        if t is None or status not in t.sources:
            raise SeedError(f"seed path {path} is not allowed by cases.workflow at {action!r} (from {status})")
        status = str(t.target)
        states.append(status)
    return states


for _path, _w in TRUSTED_PATHS + UNTRUSTED_PATHS + [(p, 1) for p, _s in MERGE_TARGETS]:
    _walk(_path)
    if len(_path) > 7:  # the report plus at most 7 steps: 2–8 events per case
        raise SeedError(f"seed path {_path} is too long")


@dataclass(slots=True)
class _Case:
    id: int
    number: str
    created: dt.datetime
    grid: object
    source: str
    path: tuple
    category: object
    reporter_id: int | None
    events: list  # [action, at, from, to, actor_id, label, note, data]
    status: str = S.REPORTED
    merged_into: int | None = None


class CaseFactory:
    def __init__(self, ctx, now: dt.datetime):
        self.ctx, self.rng, self.now = ctx, ctx.rng, now
        regions = ctx.data["regions"]
        self.grids = regions[4]
        if not self.grids:
            raise SeedError("no grids: the regions step must run first")
        self.by_id = ctx.data["region_by_id"]
        self.staff = ctx.data["staff"]
        self.staff_names = ctx.data["staff_names"]
        self.departments = ctx.data.get("departments", {})
        categories = ctx.data["categories"]
        self.categories = categories
        self.on_discovery = [c for c in categories if c.on_discovery] or categories
        # Some streets are busier than others.
        street_weight = {s.id: 0.4 + 1.6 * self.rng.random() for s in regions[2]}
        self.grid_cum = list(accumulate(street_weight[g.street_id] * (0.5 + self.rng.random()) for g in self.grids))
        first_street = regions[2][0].id if regions[2] else None
        self.focus = ctx.config.focus
        self.focus_grids = [g for g in self.grids if g.street_id == first_street] or self.grids
        self.focus_cum = list(accumulate(1.0 for _ in self.focus_grids))
        self.trusted_cum = list(accumulate(w for _p, w in TRUSTED_PATHS))
        self.untrusted_cum = list(accumulate(w for _p, w in UNTRUSTED_PATHS))
        self.source_cum = list(accumulate(w for _s, w in SOURCE_WEIGHTS))
        self.target_cum = list(accumulate(MERGE_TARGET_WEIGHTS))
        self.counters: dict[str, int] = {}  # "440604-20261127" -> last sequence number
        self.day = ""  # local date being generated, "YYYYMMDD"

    # -- helpers --------------------------------------------------------------------------------
    def pick(self, items, cum):
        return items[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def delay(self, action: str) -> dt.timedelta:
        lo, hi = DELAYS[action]
        return dt.timedelta(seconds=lo + (hi - lo) * self.rng.random() ** 2)

    def label(self, user_id) -> str:
        return self.staff_names.get(user_id, "") if user_id else "系统"

    def department_for(self, grid, category):
        dept = self.departments.get((category.department, grid.street_id if category.tier >= 2 else grid.district_id))
        if dept is None:
            dept = self.departments.get((category.department, grid.district_id))
        return dept

    def number(self, grid) -> str:
        """The next number of the grid's district on the day being generated (``self.day``)."""
        key = f"{self.by_id[grid.district_id].code}-{self.day}"
        seq = self.counters.get(key, 0) + 1
        self.counters[key] = seq
        return f"{key}-{seq:05d}"

    # -- one case -------------------------------------------------------------------------------
    def new(self, pk: int, created: dt.datetime, grid=None, path=None, source=None) -> _Case:
        rng = self.rng
        if grid is None:
            if self.focus and rng.random() < self.focus:
                grid = self.pick(self.focus_grids, self.focus_cum)
            else:
                grid = self.pick(self.grids, self.grid_cum)
        if source is None:
            source = self.pick(SOURCE_WEIGHTS, self.source_cum)[0]
        if path is None:
            table, cum = (TRUSTED_PATHS, self.trusted_cum) if source in TRUSTED else (UNTRUSTED_PATHS, self.untrusted_cum)
            path = self.pick(table, cum)[0]
        if "self_handle" in path:
            source = SRC.GRID_WORKER  # only the reporting grid worker handles on the spot
            category = rng.choice(self.on_discovery)
        else:
            category = rng.choice(self.categories)
        if source in (SRC.GRID_WORKER, SRC.INSPECTION):
            reporter_id = self.staff["grid_worker"].get(grid.id)
        elif source == SRC.HOTLINE:
            reporter_id = self.staff["village_staff"].get(grid.village_id)
        else:
            reporter_id = None
        return _Case(pk, self.number(grid), created, grid, source, path, category, reporter_id, [])

    def play(self, case: _Case, *, until: dt.datetime | None = None, squeeze: bool = False) -> None:
        """Build the timeline: the report, then the path's actions, cut at now.

        With `squeeze`, every action happens, spaced evenly between the report and now.
        """
        until = min(until or self.now, self.now)
        step = (self.now - case.created) / (len(case.path) + 1)
        g, cat = case.grid, case.category
        reporter_label = self.label(case.reporter_id) if case.reporter_id else names.person(self.rng)
        case.events.append(["report", case.created, "", S.REPORTED.value, case.reporter_id, reporter_label, "", {}])
        status, at, after_triage = S.REPORTED.value, case.created, False
        village_staff = self.staff["village_staff"].get(g.village_id)
        dept_staff = None
        for action in case.path:
            key = "register_after_triage" if action == "register" and after_triage else action
            at = at + (step if squeeze else self.delay(key))
            if at > until:
                break
            target = str(TRANSITIONS[action].target)
            data, note = {}, ""
            if action in ("triage",) or (action == "register" and not after_triage):
                actor = None
            elif action in ("register", "reject", "merge"):
                actor = village_staff
            elif action in ("dispatch", "close", "reopen"):
                actor = self._officer(g, cat.tier)
            elif action in ("accept", "return", "handle"):
                if dept_staff is None:
                    dept_staff = self.staff["department_staff"].get(self.department_for(g, cat))
                actor = dept_staff
            elif action in ("verify", "verify_fail"):
                actor = self.staff["grid_worker"].get(g.id)
            elif action == "self_handle":
                actor = case.reporter_id
                minutes = (at - case.created).total_seconds() / 60
                data = {"minutes": round(minutes, 1), "overdue": minutes > settings.ECOGRID_SELF_HANDLE_MINUTES}
            else:  # cancel
                actor = case.reporter_id or village_staff
            if action in NOTES:
                note = self.rng.choice(NOTES[action])
            case.events.append([action, at, status, target, actor, self.label(actor), note, data])
            status = target
            after_triage = after_triage or action == "triage"
        case.status = status

    def _officer(self, grid, tier: int):
        if tier >= 3:
            return self.staff["village_staff"].get(grid.village_id)
        if tier == 2:
            return self.staff["street_officer"].get(grid.street_id)
        return self.staff["district_officer"].get(grid.district_id)

    def merge_pair(self, pk: int, created: dt.datetime, dup_created: dt.datetime) -> tuple[_Case, _Case]:
        """An open original and a duplicate merged into it; the original records ``merged_in``."""
        path, source = self.pick(MERGE_TARGETS, self.target_cum)
        original = self.new(pk, created, path=path, source=source)
        self.play(original)
        dup_source = self.pick(SOURCE_WEIGHTS, self.source_cum)[0]
        dup_path = ("register", "merge") if dup_source in TRUSTED else ("triage", "merge")
        dup = self.new(pk + 1, dup_created, grid=original.grid, path=dup_path, source=dup_source)
        dup.category = original.category
        self.play(dup)
        if dup.status != S.MERGED:
            # The merge would fall after "now": replay the duplicate squeezed between its report and now.
            dup.events.clear()
            self.play(dup, until=dt.datetime.max.replace(tzinfo=dt.timezone.utc), squeeze=True)
        merge_event = dup.events[-1]
        merge_event[7] = {"into": original.number}
        dup.merged_into = original.id
        at = merge_event[1]
        at_status = S.REPORTED.value
        for ev in original.events:
            if ev[1] <= at:
                at_status = ev[3]
        original.events.append(["merged_in", at, at_status, at_status, merge_event[4], merge_event[5], dup.number, {"duplicate": dup.number}])
        original.events.sort(key=lambda e: e[1])
        return original, dup


CASE_COLUMNS = [
    "id", "created_at", "updated_at", "number", "client_uuid", "source", "category_id", "description", "urgency", "status",
    "latitude", "longitude", "address", "grid_id", "region_path", "reporter_id", "reporter_name", "reporter_phone",
    "place_name", "tier", "department_id", "accept_deadline", "handle_deadline", "registered_at", "closed_at",
    "self_handle_overdue", "merged_into_id", "version",
]
EVENT_COLUMNS = ["case_id", "at", "actor_id", "actor_label", "action", "from_status", "to_status", "note", "data"]


class CaseSink:
    """Buffers cases and events and COPYs them in chunks."""

    def __init__(self, factory: CaseFactory):
        self.f = factory
        self.cases: list[tuple] = []
        self.events: list[tuple] = []
        self.case_count = 0
        self.event_count = 0
        self.states: dict[str, int] = {}

    def add(self, c: _Case) -> None:
        f, rng = self.f, self.f.rng
        g, cat = c.grid, c.category
        registered_at = closed_at = accept_deadline = handle_deadline = None
        tier = department = None
        overdue = False
        version = 1
        for action, at, _from, to, _actor, _label, _note, data in c.events:
            if action in ("report", "merged_in"):
                continue
            version += 1
            if to == S.REGISTERED and registered_at is None:
                registered_at = at
                tier = cat.tier
                department = f.department_for(g, cat)
                handle_deadline = at + dt.timedelta(hours=cat.handle_hours)
            if action == "dispatch":
                accept_deadline = at + dt.timedelta(hours=cat.accept_hours * 1.4)
            if to in TERMINAL_STATES:
                closed_at = at
            if action == "reopen":
                closed_at = None
            if action == "self_handle":
                overdue = data["overdue"]
        updated = c.events[-1][1]
        lat = g.box[1] + (g.box[3] - g.box[1]) * (0.05 + 0.9 * rng.random())
        lng = g.box[0] + (g.box[2] - g.box[0]) * (0.05 + 0.9 * rng.random())
        street = f.by_id[g.street_id]
        phrase = rng.choice(cat.phrases)
        reporter_name = c.events[0][5] if c.reporter_id is None or c.source == SRC.HOTLINE else f.staff_names.get(c.reporter_id, "")
        if c.source == SRC.HOTLINE:
            reporter_name = names.person(rng)
        if c.source == SRC.VOLUNTEER:
            reporter_name = f"{reporter_name}（{rng.choice(names.VOLUNTEER_KINDS)}）"
        self.cases.append((
            c.id, c.created, updated, c.number, uuid.UUID(int=rng.getrandbits(128), version=4), c.source, cat.id, phrase,
            cat.urgency, c.status, round(lat, 6), round(lng, 6), f"{street.name}{rng.choice(names.ROADS)}{rng.randint(1, 300)}号",
            g.id, g.path, c.reporter_id, reporter_name, names.phone(rng) if c.reporter_id is None else "",
            f"{names.place(rng)}{rng.choice(names.SHOPS)}" if rng.random() < 0.25 else "", tier, department,
            accept_deadline, handle_deadline, registered_at, closed_at, overdue, c.merged_into, version,
        ))
        for action, at, frm, to, actor, label, note, data in c.events:
            self.events.append((c.id, at, actor, label, action, frm, to, note, data))
        self.case_count += 1
        self.event_count += len(c.events)
        self.states[c.status] = self.states.get(c.status, 0) + 1
        if len(self.cases) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.cases:
            with BulkWriter(Case, CASE_COLUMNS) as w:
                w.write_many(self.cases)
            with BulkWriter(CaseEvent, EVENT_COLUMNS) as w:
                w.write_many(self.events)
        self.cases.clear()
        self.events.clear()


def day_counts(total: int, days: int, rng, first_day: dt.date) -> list[int]:
    """Spread `total` over `days`: growing over the period, quieter at weekends."""
    weights = []
    for i in range(days):
        day = first_day + dt.timedelta(days=i)
        trend = 0.7 + 0.6 * (i / max(1, days - 1))
        weights.append(trend * (0.6 if day.weekday() >= 5 else 1.0) * (0.85 + 0.3 * rng.random()))
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(x) for x in raw]
    short = total - sum(counts)
    for i in sorted(range(days), key=lambda i: raw[i] - counts[i], reverse=True)[:short]:
        counts[i] += 1
    return counts


def _generate(cfg, rng, factory, sink, tz, now, today, days, first_day, pk) -> int:
    """Day by day, in time order: each day's reports, some of them original + duplicate pairs."""
    for i, n in enumerate(day_counts(cfg.cases, days, rng, first_day)):
        if not n:
            continue
        day = first_day + dt.timedelta(days=i)
        factory.day = f"{day:%Y%m%d}"
        start = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
        limit = (now - start).total_seconds() if day == today else 86400
        times = sorted(
            min(limit - 1, bisect.bisect(HOUR_CUM, rng.random() * HOUR_CUM[-1]) * 3600 + rng.random() * 3600)
            if day != today else rng.random() * (limit - 1)
            for _ in range(n)
        )
        k = 0
        while k < n:
            created = (start + dt.timedelta(seconds=times[k])).astimezone(dt.timezone.utc)
            if k + 1 < n and rng.random() < 0.022:  # ~2 % of slots: an original and its duplicate
                dup_created = (start + dt.timedelta(seconds=times[k + 1])).astimezone(dt.timezone.utc)
                original, dup = factory.merge_pair(pk, created, dup_created)
                sink.add(original)
                sink.add(dup)
                pk += 2
                k += 2
                continue
            case = factory.new(pk, created)
            factory.play(case)
            sink.add(case)
            pk += 1
            k += 1
    sink.flush()
    return pk


@register("cases", models=("cases.Case", "cases.CaseEvent", "cases.DailyCounter"))
def seed_cases(ctx) -> int:
    cfg, rng = ctx.config, ctx.rng
    now = timezone.now()
    factory = CaseFactory(ctx, now)
    sink = CaseSink(factory)
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(now).date()
    days = max(1, round(cfg.months * 30.44))
    first_day = today - dt.timedelta(days=days - 1)
    with fast_load(Case, CaseEvent):
        _generate(cfg, rng, factory, sink, tz, now, today, days, first_day, next_id(Case))
    reset_sequence(Case)
    existing = set(DailyCounter.objects.filter(key__in=list(factory.counters)).values_list("key", flat=True))
    with BulkWriter(DailyCounter, ["key", "value"]) as w:
        for key, value in factory.counters.items():
            if key not in existing:
                w.write((key, value))
    ctx.data["case_states"] = sink.states
    ctx.out("  " + ", ".join(f"{k} {v:,}" for k, v in sorted(sink.states.items(), key=lambda kv: -kv[1])))
    return sink.case_count + sink.event_count + w.count
