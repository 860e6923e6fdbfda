"""The dashboard's numbers on a hand-made set of cases, computed by hand.

Every case goes through the real services (report, dispatch, accept, return, handle,
verify, close, 发现即办, merge, escalate); then its history is put on fixed dates around
National Day 2026 (holidays Oct 1–7, make-up working day Sat Oct 10) with queryset
updates, and the rollups are rebuilt. Working time: 08:30–12:00, 14:00–17:30 (7 h a day).
"""

import pytest
from django.db.models import F

from cases.models import Case, CaseEvent
from cases.services import case_merge, case_self_handle, case_transition
from dashboard import rollup, selectors
from dashboard.models import CaseRollup
from dispatch import services as dispatch
from dispatch.routing import work_schedule

from .conftest import S2_POINT, at, photos

pytestmark = pytest.mark.django_db


def _closed_flow(case, *, users, dept, officer, fail_first=False):
    case = dispatch.case_dispatch(case=case, department=dept, by=officer)
    case = dispatch.case_accept(case=case, by=users["dept"])
    case = dispatch.case_handle(case=case, by=users["dept"], note="已处置", evidence_items=photos())
    if fail_first:
        case = case_transition(case=case, action="verify_fail", actor=users["gw"], note="未整改到位")
        case = dispatch.case_accept(case=case, by=users["dept"])
        case = dispatch.case_handle(case=case, by=users["dept"], note="再次处置", evidence_items=photos())
    case = case_transition(case=case, action="verify", actor=users["gw"])
    return dispatch.case_close(case=case, by=officer)


def _history(case, *, reported, dispatched=None, handled=None, closed=None, deadline=None):
    """Put a case's history on fixed dates (the services stamped them with now)."""
    Case.objects.filter(pk=case.pk).update(created_at=reported, registered_at=reported)
    CaseEvent.objects.filter(case=case).update(at=reported)
    if dispatched:
        CaseEvent.objects.filter(case=case, action__in=["dispatch", "reassign", "accept", "return"]).update(at=dispatched)
    if handled:
        CaseEvent.objects.filter(case=case, action__in=["handle", "verify", "verify_fail"]).update(at=handled)
    if closed:
        CaseEvent.objects.filter(case=case, action="close").update(at=closed)
        Case.objects.filter(pk=case.pk).update(closed_at=closed)
    if deadline:
        Case.objects.filter(pk=case.pk).update(handle_deadline=deadline)


@pytest.fixture
def handmade(tree, users, departments, dept_users, report, categories):
    """Ten cases (A–J). Nine count as found (H is a duplicate merged into G)."""
    so, gw = users["street_officer"], users["grid_worker"]
    cgzf = departments["CGZF-440604011"]
    actors = {"dept": dept_users["cgzf_s1"], "gw": gw}
    schedule = work_schedule()
    c = {}
    # A: dispatched Wed Sep 30 16:00, the day before the holidays; 8 working hours → Thu Oct 8 17:00.
    c["A"] = _closed_flow(report(), users=actors, dept=cgzf, officer=so)
    deadline_a = schedule.add(at("2026-09-30 16:00"), 8, "working_hours")
    assert deadline_a == at("2026-10-08 17:00")  # 1.5 h on Sep 30, none Oct 1–7, 6.5 h on Oct 8
    _history(c["A"], reported=at("2026-09-30 15:00"), dispatched=at("2026-09-30 16:00"), handled=at("2026-10-08 15:30"),
             closed=at("2026-10-08 16:30"), deadline=deadline_a)  # on time; 1.5 + 6 = 7.5 working hours
    # B: dispatched Fri Oct 9 16:00; the make-up Saturday counts, so 8 h end Sat Oct 10 17:00.
    c["B"] = _closed_flow(report(), users=actors, dept=cgzf, officer=so)
    deadline_b = schedule.add(at("2026-10-09 16:00"), 8, "working_hours")
    assert deadline_b == at("2026-10-10 17:00")
    _history(c["B"], reported=at("2026-10-09 15:00"), dispatched=at("2026-10-09 16:00"), handled=at("2026-10-12 09:00"),
             closed=at("2026-10-12 10:00"), deadline=deadline_b)  # late (on time without the make-up day); 1.5 + 7 + 1.5 = 10 h
    # C: failed verification once (rework), then closed within the hour on Mon Oct 12.
    c["C"] = _closed_flow(report(), users=actors, dept=cgzf, officer=so, fail_first=True)
    _history(c["C"], reported=at("2026-10-12 08:30"), dispatched=at("2026-10-12 09:00"), handled=at("2026-10-12 09:30"),
             closed=at("2026-10-12 10:00"), deadline=at("2026-10-12 17:30"))  # on time; 1 working hour
    # D: returned by the department, dispatched again, accepted: open.
    d = dispatch.case_dispatch(case=report(), department=cgzf, by=so)
    d = dispatch.case_return(case=d, by=dept_users["cgzf_s1"], reason="不属于本部门职责")
    d = dispatch.case_dispatch(case=d, department=cgzf, by=so)
    c["D"] = dispatch.case_accept(case=d, by=dept_users["cgzf_s1"])
    _history(c["D"], reported=at("2026-10-09 10:00"), dispatched=at("2026-10-09 11:00"))
    # E, F: 发现即办 (0102), F took longer than 30 minutes.
    c["E"] = case_self_handle(case=report(code="0102"), actor=gw, before=photos(), after=photos((10, 200, 10)))
    c["F"] = case_self_handle(case=report(code="0102"), actor=gw, before=photos(), after=photos((10, 10, 200)))
    Case.objects.filter(pk=c["F"].pk).update(self_handle_overdue=True)
    _history(c["E"], reported=at("2026-10-08 09:00"), closed=at("2026-10-08 09:20"))
    _history(c["F"], reported=at("2026-10-08 10:00"), closed=at("2026-10-08 11:00"))
    # G registered only; H its duplicate, merged.
    c["G"] = report()
    c["H"] = case_merge(case=report(), into=c["G"], actor=so)
    _history(c["G"], reported=at("2026-10-10 09:00"))
    _history(c["H"], reported=at("2026-10-10 09:30"))
    # I: in the other street (祖庙街道 › 镇安村), dispatched to its market-supervision unit: open.
    c["I"] = dispatch.case_dispatch(case=report(code="0901", point=S2_POINT), department=departments["SJJ-440604010"], by=users["district_officer"])
    _history(c["I"], reported=at("2026-10-09 09:00"), dispatched=at("2026-10-09 09:30"))
    # J: dispatched and escalated once: open.
    j = dispatch.case_dispatch(case=report(), department=cgzf, by=so)
    c["J"] = dispatch.case_escalate(case=j, by=so, reason="久拖未决")
    _history(c["J"], reported=at("2026-09-30 09:00"), dispatched=at("2026-09-30 10:00"))
    rollup.rebuild()
    return c


def board(user, region, start="2026-09-01", end="2026-10-31"):
    import datetime as dt

    period = selectors.Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    return selectors.dashboard_get(user=user, region=region, period=period, with_inspections=False)


def test_district_numbers_match_hand_computed(handmade, tree, users):
    b = board(users["district_officer"], tree["district"])
    m, r = b.totals, selectors.rates(b.totals)
    assert (m["found"], m["self_handled"], m["self_fast"], m["dispatched"], m["closed"], m["open"]) == (9, 2, 1, 6, 3, 4)
    assert (m["closed_on_time"], m["closed_with_deadline"]) == (2, 3)  # A on time across the holidays; B late by the make-up day
    assert r["closure_rate"] == pytest.approx(5 / 9)
    assert r["on_time_rate"] == pytest.approx(2 / 3)
    assert r["return_rate"] == pytest.approx(1 / 6)  # D
    assert r["rework_rate"] == pytest.approx(1 / 6)  # C
    assert r["self_fast_rate"] == pytest.approx(1 / 2)
    assert m["escalations"] == 1 and m["escalated"] == 1  # J
    assert m["hours_n"] == 3 and m["minutes_sum"] == 450 + 600 + 60
    assert r["avg_hours"] == pytest.approx(1110 / 3 / 60)
    assert selectors.p90_hours(selectors.hours_bins(b)) == "14"  # bins: C ≤1 h, A and B ≤14 h
    # Children: the two streets.
    children = {path: v["found"] for path, v in b.children.items()}
    assert children == {tree["s1"].path: 8, tree["s2"].path: 1}
    # Months: September has A and J, October the rest.
    assert {k.month: v["found"] for k, v in b.months.items()} == {9: 2, 10: 7}


def test_partial_months_from_facts_equal_whole_months(handmade, tree, users):
    whole = board(users["district_officer"], tree["district"])
    partial = board(users["district_officer"], tree["district"], "2026-09-20", "2026-10-20")
    assert partial.period.months is None or partial.period.edges  # the facts path is used
    assert partial.totals == whole.totals
    assert dict(partial.children) == dict(whole.children)
    assert {k: dict(v) for k, v in partial.by_dim["dept"].items()} == {k: dict(v) for k, v in whole.by_dim["dept"].items()}
    # A day range that holds only Oct 12 (B's close day is irrelevant: cohort by report day): C.
    one_day = board(users["district_officer"], tree["district"], "2026-10-12", "2026-10-12")
    assert one_day.totals["found"] == 1 and one_day.totals["reworked"] == 1


@pytest.mark.parametrize("key", ["district", "s1", "v1", "440604011001001"])
def test_partial_months_in_sql_equal_the_python_walk(handmade, tree, key):
    """PostgreSQL sums the facts of partial months in one statement; the rows it yields
    (summed per destination) equal those of the walk over each case's contribution."""
    import datetime as dt
    from collections import defaultdict

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("run the dashboard tests on PostgreSQL (DATABASE_URL): the SQL path is PostgreSQL's")

    def fed(rows):
        b = selectors.Dashboard(region=region, period=selectors.Period(first, last))
        for row in rows:
            b.take(*row)
        plain = lambda d: {k: {m: n for m, n in v.items() if n} for k, v in d.items()}  # noqa: E731
        return {"totals": {m: n for m, n in b.totals.items() if n}, "months": plain(b.months), "children": plain(b.children),
                "grids": plain(b.grids), **{dim: plain(values) for dim, values in b.by_dim.items()}}

    region = tree[key]
    first, last = dt.date(2026, 9, 20), dt.date(2026, 10, 20)
    python = fed(selectors._edge_rows_python(region, first, last))
    assert python["totals"]["found"] > 0  # the hand-made cases lie in this range
    assert fed(selectors._edge_rows_sql(region, first, last)) == python


def test_department_table(handmade, tree, users):
    b = board(users["district_officer"], tree["district"])
    d = b.by_dim["dept"]["CGZF-440604011"]
    assert (d["d_received"], d["d_accepted"], d["d_accepted_on_time"], d["d_returned"]) == (5, 4, 4, 1)  # A B C D J; D returned
    assert (d["d_handled"], d["d_handled_on_time"]) == (3, 2)  # B handled after its deadline
    assert b.by_dim["dept"]["SJJ-440604010"]["d_received"] == 1


def test_categories_and_sources(handmade, tree, users, categories):
    b = board(users["district_officer"], tree["district"])
    cat = b.by_dim["cat"]
    assert cat[str(categories["0101"].pk)]["found"] == 6  # A B C D G J
    assert cat[str(categories["0102"].pk)]["self_handled"] == 2
    assert b.by_dim["src"]["grid_worker"]["found"] == 9
    majors, subs = selectors.category_lines(b)
    assert [(line.key, line.m["found"]) for line in majors] == [("01", 9)]


def test_village_counts_only_its_village(handmade, tree, users):
    v1 = selectors.dashboard_region(user=users["village_staff"], code="")
    assert v1 == tree["v1"]
    b = board(users["village_staff"], v1)
    assert (b.totals["found"], b.totals["dispatched"], b.totals["open"]) == (8, 5, 3)  # all but I
    # Its grids are its children; I's grid (another street) is nowhere.
    assert set(b.children) <= {tree["440604011001001"].path, tree["440604011001002"].path}
    with pytest.raises(Exception) as exc:
        selectors.dashboard_region(user=users["village_staff"], code=tree["s1"].code)
    assert exc.type.__name__ == "Http404"


def _snapshot():
    return sorted(
        (r.grain, r.period, r.region_path, r.dim, r.value, tuple(getattr(r, m) for m in rollup.MEASURES))
        for r in CaseRollup.objects.all() if any(getattr(r, m) for m in rollup.MEASURES)
    )


def test_refresh_after_reopen_matches_rebuild(handmade, tree, users):
    before = board(users["district_officer"], tree["district"]).totals
    case_transition(case=Case.objects.get(pk=handmade["A"].pk), action="reopen", actor=users["street_officer"], note="问题复现")
    rollup.refresh()
    after = board(users["district_officer"], tree["district"]).totals
    assert (after["closed"], after["open"], after["reworked"]) == (before["closed"] - 1, before["open"] + 1, before["reworked"] + 1)
    assert after["closed_on_time"] == before["closed_on_time"] - 1 and after["hours_n"] == 2
    incremental = _snapshot()
    rollup.rebuild()
    assert _snapshot() == incremental


def test_refresh_after_merge_matches_rebuild(handmade, tree, users, report):
    rollup.refresh()
    base = board(users["district_officer"], tree["district"], "2026-09-01", "2026-12-31").totals["found"]
    k = report(description="同一处棚架")
    rollup.refresh()
    assert board(users["district_officer"], tree["district"], "2026-09-01", "2026-12-31").totals["found"] == base + 1
    case_merge(case=k, into=Case.objects.get(pk=handmade["G"].pk), actor=users["street_officer"])
    rollup.refresh()
    assert board(users["district_officer"], tree["district"], "2026-09-01", "2026-12-31").totals["found"] == base
    incremental = _snapshot()
    rollup.rebuild()
    assert _snapshot() == incremental


def test_refresh_applies_an_event_that_commits_after_a_higher_one(handmade, users, report):
    """Event ids can commit out of order: one below an id already applied, but not yet
    settled, is still applied by the next refresh (the window of recent ids)."""
    from dashboard.models import CaseFact, RefreshState

    rollup.refresh()
    k, k2 = report(), report()
    top = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first()
    CaseEvent.objects.create(id=top + 1000, case=k2, action="note", from_status=k2.status, to_status=k2.status)
    rollup.refresh()
    state = RefreshState.objects.get(pk=1)
    assert top + 1000 in state.recent_ids and state.safe_event_id < top  # fresh events stay in the window
    assert CaseFact.objects.get(case_id=k.pk).contribution["m"].get("escalations") is None
    # A transaction that took id top+500 commits only now (an escalation: count and event).
    Case.objects.filter(pk=k.pk).update(escalation_count=F("escalation_count") + 1)
    CaseEvent.objects.create(id=top + 500, case=k, action="escalate", from_status=k.status, to_status=k.status)
    rollup.refresh()
    assert CaseFact.objects.get(case_id=k.pk).contribution["m"]["escalations"] == 1
    incremental = _snapshot()
    rollup.rebuild()
    assert _snapshot() == incremental
