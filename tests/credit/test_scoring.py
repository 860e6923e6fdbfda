"""Scoring: hand-worked examples of each rule, the veto, the caps, the policy settings, and the
database path (gather → rate → change-only write) on real rows."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case
from credit import scoring, services
from credit.models import CreditScore, CreditScoreHistory, DepartmentRating, EnterpriseCase
from credit.scoring import Inputs, rate
from dispatch.models import RectificationNotice

from .conftest import add_answers

# ----------------------------------------------------------------------------------- pure rule examples
# Default policy: inspection fails low 1 / medium 3 / high 6 (fixed on the spot: half), cap 40;
# cases low 2 / normal 4 / urgent 8 / critical 15, cap 40; notices overdue 10 / ignored 20, cap 40;
# department class A 0 / B 5 / C 15 / D 30, cap 40; classes A ≥ 90, B ≥ 75, C ≥ 60, else D;
# green = A, yellow = B, red = C and D.


def test_nothing_against_an_enterprise_is_100_class_a_green():
    r = rate(Inputs())
    assert (r.score, r.credit_class, r.colour, r.veto, r.factors) == (100, "A", "green", False, [])


def test_failed_items_weigh_by_severity_and_fixed_on_the_spot_counts_half():
    # 2 high fails (2 × 6 = 12) + 1 medium fixed on the spot (3 × 0.5 = 1.5 → 2) + 1 low (1) = 15 → 85 → B, yellow.
    r = rate(Inputs(failed_items={("high", False): 2, ("medium", True): 1, ("low", False): 1}))
    assert (r.score, r.credit_class, r.colour) == (85, "B", "yellow")
    assert [(f["severity"], f["fixed"], f["count"], f["points"]) for f in r.factors] == [
        ("high", False, 2, -12), ("medium", True, 1, -2), ("low", False, 1, -1),
    ]
    assert sum(f["points"] for f in r.factors) == r.score - 100


def test_cases_weigh_by_urgency():
    # 1 critical (15) + 2 normal (8) = 23 → 77 → B.
    r = rate(Inputs(cases={"critical": 1, "normal": 2}))
    assert (r.score, r.credit_class, r.colour) == (77, "B", "yellow")
    assert [(f["code"], f["urgency"], f["points"]) for f in r.factors] == [("case", "critical", -15), ("case", "normal", -8)]


def test_ignored_and_overdue_notices():
    # 1 not complied (20) + 1 overdue (10) = 30 → 70 → C → red.
    r = rate(Inputs(notices={"ignored": 1, "overdue": 1}))
    assert (r.score, r.credit_class, r.colour) == (70, "C", "red")
    assert [(f["code"], f["points"]) for f in r.factors] == [("notice_ignored", -20), ("notice_overdue", -10)]


def test_department_ratings():
    # 市监 B (5) + 消防 C (15) = 20 → 80 → B.
    r = rate(Inputs(department_ratings=[("市监", "B"), ("消防", "C")]))
    assert (r.score, r.credit_class, r.colour) == (80, "B", "yellow")
    # A D from one department alone: 30 → 70 → C, red.
    assert rate(Inputs(department_ratings=[("市监", "D")])).colour == "red"


def test_each_kind_is_capped_and_the_cap_is_explained():
    # 12 high fails = 72 points, capped at 40 → 60 → C (red); the cap gives 32 back, shown as a factor.
    r = rate(Inputs(failed_items={("high", False): 12}))
    assert (r.score, r.credit_class) == (60, "C")
    assert [(f["code"], f["points"]) for f in r.factors] == [("inspection_fail", -72), ("inspection_cap", 32)]
    assert sum(f["points"] for f in r.factors) == -40


def test_class_d_below_60():
    # Caps: 40 (inspections) + 23 (cases) = 63 → 37 → D, red.
    r = rate(Inputs(failed_items={("high", False): 10}, cases={"critical": 1, "normal": 2}))
    assert (r.score, r.credit_class, r.colour) == (37, "D", "red")


def test_a_veto_item_makes_class_d_red_whatever_the_score():
    r = rate(Inputs(failed_items={("high", False): 1}, veto_items=[("XF-001", 1)]))
    assert (r.score, r.credit_class, r.colour, r.veto) == (94, "D", "red", True)
    assert r.factors[-1] == {"code": "veto_item", "item": "XF-001", "count": 1, "points": 0}


def test_a_recorded_veto_makes_class_d_red():
    r = rate(Inputs(vetoes=[("重大火灾隐患", "2026-11-01")]))
    assert (r.score, r.credit_class, r.colour, r.veto) == (100, "D", "red", True)
    assert "重大火灾隐患" in scoring.factor_text(r.factors[0])


def test_thresholds_and_colour_mapping_are_configurable(settings):
    settings.CREDIT_POLICY = {"class_thresholds": {"A": 95}, "class_colours": {"C": "yellow"}}
    r = rate(Inputs(failed_items={("high", False): 1}))  # 94
    assert (r.credit_class, r.colour) == ("B", "yellow")
    r = rate(Inputs(notices={"ignored": 1, "overdue": 1}))  # 70 → C → yellow under this mapping
    assert (r.credit_class, r.colour) == ("C", "yellow")


def test_every_factor_reads_as_a_sentence():
    r = rate(Inputs(failed_items={("high", False): 12, ("low", True): 1}, cases={"urgent": 1}, notices={"overdue": 1},
                    department_ratings=[("市监", "C")], veto_items=[("XF-001", 1)], vetoes=[("重大火灾隐患", "2026-11-01")]))
    texts = [scoring.factor_text(f) for f in r.factors]
    assert all(t and t != f["code"] for t, f in zip(texts, r.factors, strict=True))


# ----------------------------------------------------------------------------------- on real rows

@pytest.mark.django_db
def test_failed_answers_in_the_last_12_months_count(make_enterprise, items, worker):
    e = make_enterprise()
    add_answers(place=e.place, items=items, worker=worker, results={"SJJ-001": "fail", "CGZF-001": "fail", "CGZF-015": "pass"})
    # A year-and-a-day-old failure no longer counts.
    add_answers(place=e.place, items=items, worker=worker, results={"XF-002": "fail"}, when=timezone.now() - dt.timedelta(days=366))
    services.rescore_enterprises(ids=[e.pk])
    score = CreditScore.objects.get(enterprise=e)
    # high 6 + medium 3 = 9 → 91 → A.
    assert (score.score, score.credit_class, score.colour) == (91, "A", "green")
    assert {(f["severity"], f["count"]) for f in score.factors} == {("high", 1), ("medium", 1)}


@pytest.mark.django_db
def test_a_veto_item_failed_makes_the_enterprise_red_unless_fixed_on_the_spot(make_enterprise, items, worker):
    vetoed, fixed = make_enterprise(), make_enterprise()
    add_answers(place=vetoed.place, items=items, worker=worker, results={"XF-001": "fail"})
    add_answers(place=fixed.place, items=items, worker=worker, results={"XF-001": "fail"}, fixed={"XF-001"})
    services.rescore_all()
    assert CreditScore.objects.get(enterprise=vetoed).colour == "red"
    assert CreditScore.objects.get(enterprise=vetoed).veto is True
    # Fixed on the spot: 6 × 0.5 = 3 → 97, green, no veto.
    assert CreditScore.objects.values_list("score", "colour", "veto").get(enterprise=fixed) == (97, "green", False)


@pytest.mark.django_db
def test_cases_notices_ratings_and_vetoes_on_rows(make_enterprise, users, departments, report_case):
    e = make_enterprise()
    critical = report_case(urgency="critical")
    rejected = report_case(urgency="critical")
    Case.objects.filter(pk=rejected.pk).update(status=Case.Status.REJECTED)
    EnterpriseCase.objects.bulk_create([EnterpriseCase(enterprise=e, case=critical), EnterpriseCase(enterprise=e, case=rejected)])
    # One overdue notice naming the enterprise by its code; one complied (does not count).
    today = timezone.localdate()
    for status, deadline in (("issued", today - dt.timedelta(days=3)), ("complied", today - dt.timedelta(days=3))):
        RectificationNotice.objects.create(
            number=f"N-{status}", case=critical, department=departments["SJJ"], region_path=critical.region_path,
            party_name=e.name, party_code=e.uscc, party_address="x", finding="x", legal_basis="x", requirement="x",
            deadline=deadline, issued_by=users["district_officer"], status=status,
        )
    # A valid C from the market regulator; an expired D from fire is ignored.
    DepartmentRating.objects.create(enterprise=e, department=departments["SJJ"], credit_class="C", rated_on=today - dt.timedelta(days=10))
    DepartmentRating.objects.create(enterprise=e, department=departments["XF"], credit_class="D", rated_on=today - dt.timedelta(days=400),
                                    valid_until=today - dt.timedelta(days=1))
    services.rescore_enterprises(ids=[e.pk])
    s = CreditScore.objects.get(enterprise=e)
    # critical case 15 + overdue notice 10 + SJJ class C 15 = 40 → 60 → C, red.
    assert (s.score, s.credit_class, s.colour) == (60, "C", "red")
    assert sorted(f["code"] for f in s.factors) == ["case", "department_rating", "notice_overdue"]
    services.veto_record(enterprise=e, reason="重大火灾隐患", occurred_on=today, by=users["district_officer"])
    services.rescore_enterprises(ids=[e.pk])
    s.refresh_from_db()
    assert (s.credit_class, s.colour, s.veto) == ("D", "red", True)


@pytest.mark.django_db
def test_recomputation_run_twice_gives_one_history_entry(make_enterprise, items, worker):
    e, other = make_enterprise(), make_enterprise()
    add_answers(place=e.place, items=items, worker=worker, results={"SJJ-001": "fail"})
    first = services.rescore_all()
    second = services.rescore_all()
    assert (first.rated, first.changed) == (2, 2)
    assert (second.rated, second.changed) == (2, 0)
    assert CreditScoreHistory.objects.filter(enterprise=e).count() == 1
    # Incremental after a new failure: one more entry for that enterprise only; again → nothing.
    add_answers(place=e.place, items=items, worker=worker, results={"CGZF-001": "fail"})
    assert services.rescore_enterprises(ids=[e.pk]).changed == 1
    assert services.rescore_enterprises(ids=[e.pk]).changed == 0
    assert CreditScoreHistory.objects.filter(enterprise=e).count() == 2
    assert CreditScoreHistory.objects.filter(enterprise=other).count() == 1
    assert list(CreditScoreHistory.objects.filter(enterprise=e).values_list("score", flat=True)) == [91, 94]


@pytest.mark.django_db
def test_deleted_enterprises_are_not_rated(make_enterprise, users):
    e = make_enterprise()
    services.enterprise_delete(enterprise=e, by=users["district_officer"])
    assert services.rescore_all().rated == 0


@pytest.mark.django_db
def test_the_bulk_write_path_gives_the_same_ratings_and_history(make_enterprise, items, worker, monkeypatch):
    """On PostgreSQL a large rescoring writes through COPY + INSERT … SELECT: same rows, same idempotence."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    monkeypatch.setattr(scoring, "COPY_THRESHOLD", 0)
    e, other = make_enterprise(), make_enterprise()
    add_answers(place=e.place, items=items, worker=worker, results={"SJJ-001": "fail", "XF-001": "fail"})
    assert services.rescore_all().changed == 2
    assert services.rescore_all().changed == 0
    s = CreditScore.objects.get(enterprise=e)
    assert (s.score, s.credit_class, s.colour, s.veto) == (88, "D", "red", True)
    assert s.factors == rate(Inputs(failed_items={("high", False): 2}, veto_items=[("XF-001", 1)])).factors
    assert CreditScoreHistory.objects.filter(enterprise=e, trigger="nightly").count() == 1
    assert CreditScore.objects.get(enterprise=other).colour == "green"
