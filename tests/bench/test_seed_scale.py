"""The scale seeder writes data the rest of the application accepts as its own."""

import io
import uuid
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from benchmarks.seed import BulkWriter, SeedError
from cases.models import Case, CaseEvent, DailyCounter
from cases.workflow import TERMINAL_STATES, TRANSITIONS
from grids import geo
from grids.models import Region, RegionUserObjectPermission, StaffProfile
from grids.scoping import path_in_scope, scope, scope_paths

pytestmark = pytest.mark.django_db

SMALL = dict(districts=2, streets=2, villages=2, grids=3, months=3, inspections=0, people=0, enterprises=0)


def seed(**sizes):
    out = io.StringIO()
    call_command("seed_scale", **{**SMALL, **sizes}, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed(cases=3000)


def test_regions_have_codes_paths_and_boundaries_inside_their_parents(seeded):
    by_level = Counter(Region.objects.values_list("level", flat=True))
    assert by_level == {1: 2, 2: 4, 3: 8, 4: 24}
    assert Region.objects.filter(level=1).order_by("id").first().code == settings.ECOGRID_DISTRICT_CODE
    regions = {r.pk: r for r in Region.objects.all()}
    for r in regions.values():
        assert len(r.code) == {1: 6, 2: 9, 3: 12, 4: 15}[r.level] and r.code.isdigit()
        parent = regions.get(r.parent_id)
        if parent is None:
            assert r.level == 1 and r.path == f"{r.code}/"
            continue
        assert parent.level == r.level - 1
        assert r.code.startswith(parent.code)
        assert r.path == f"{parent.path}{r.code}/"
        assert geo.within(r.boundary, parent.boundary)
        assert r.min_lat < r.centre_lat < r.max_lat and r.min_lng < r.centre_lng < r.max_lng
        r.full_clean()  # the model's own validation accepts the seeded row


def test_a_point_in_a_grid_resolves_to_that_grid(seeded):
    from grids.selectors import grid_for_point

    grids = list(Region.objects.filter(level=4)[:10])
    assert len(grids) == 10  # the loop below must check something
    for grid in grids:
        assert grid_for_point(lat=grid.centre_lat, lng=grid.centre_lng) == grid


def test_every_state_is_seeded_and_every_timeline_follows_the_transition_table(seeded):
    cases = {c.pk: c for c in Case.objects.all()}
    assert len(cases) == 3000
    assert set(Counter(c.status for c in cases.values())) == set(Case.Status.values)
    events = defaultdict(list)
    for e in CaseEvent.objects.order_by("at", "id"):
        events[e.case_id].append(e)
    assert set(events) == set(cases)  # every case has its timeline: the loop below checks each
    numbers = {c.number: c for c in cases.values()}
    for case in cases.values():
        timeline = events[case.pk]
        assert 2 <= len(timeline) <= 8, case.number
        assert (timeline[0].action, timeline[0].from_status, timeline[0].to_status) == ("report", "", "reported")
        assert timeline[0].at == case.created_at
        status, transitions, registered_at, closed_at = "reported", 0, None, None
        for e in timeline[1:]:
            if e.action == "merged_in":  # an event on the original: no change of state
                assert e.from_status == e.to_status == status
                assert numbers[e.data["duplicate"]].merged_into_id == case.pk
                continue
            t = TRANSITIONS[e.action]
            assert e.from_status == status and status in t.sources and e.to_status == t.target, (case.number, e.action)
            status, transitions = e.to_status, transitions + 1
            registered_at = registered_at or (e.at if e.to_status == "registered" else None)
            closed_at = e.at if e.to_status in TERMINAL_STATES else (None if e.action == "reopen" else closed_at)
        assert case.status == status
        assert case.version == 1 + transitions
        assert case.registered_at == registered_at
        assert case.closed_at == closed_at
        if status == "merged":
            assert case.merged_into_id and numbers[timeline[-1].data["into"]].pk == case.merged_into_id
        if case.source in {"volunteer", "public_qr", "open_api"} and len(timeline) > 1 and timeline[1].action != "merged_in":
            assert timeline[1].action == "triage"


def test_cases_sit_in_their_grid_and_carry_its_path(seeded):
    grids = {g.pk: g for g in Region.objects.filter(level=4)}
    sample = list(Case.objects.all()[:500])
    assert len(sample) == 500 and len(grids) == 24  # the loop below must check something
    for case in sample:
        grid = grids[case.grid_id]
        assert case.region_path == grid.path
        assert geo.contains_point(grid.boundary, case.longitude, case.latitude)


def test_grants_give_each_seeded_role_its_jurisdiction(seeded):
    grid = Region.objects.filter(level=4).order_by("code").first()
    street = Region.objects.get(code=grid.code[:9])
    gw = StaffProfile.objects.get(user__username=f"gw_{grid.code}").user
    so = StaffProfile.objects.get(user__username=f"so_{street.code}").user
    assert scope_paths(gw) == (grid.path,)
    assert scope_paths(so, "dispatch") == (street.path,)
    assert scope_paths(gw, "dispatch") == ()
    assert path_in_scope(so, grid.path, verb="dispatch")
    assert set(scope(Case.objects.all(), gw).values_list("grid_id", flat=True)) <= {grid.pk}
    assert scope(Case.objects.all(), so).count() == Case.objects.filter(region_path__startswith=street.path).count()
    # One row per (user, verb): no generic guardian rows.
    assert RegionUserObjectPermission.objects.filter(user=gw).count() == 1
    assert RegionUserObjectPermission.objects.filter(user=so).count() == 2


def test_a_new_report_continues_the_seeded_numbering(seeded):
    from cases.models import CaseCategory
    from cases.services import case_report

    grid = Region.objects.filter(level=4, code__startswith=settings.ECOGRID_DISTRICT_CODE).order_by("code").first()
    worker = StaffProfile.objects.get(user__username=f"gw_{grid.code}").user
    category = CaseCategory.objects.filter(parent__isnull=False, on_discovery=False).order_by("code").first()
    case, created = case_report(
        reporter=worker, client_uuid=uuid.uuid4(), category=category, description="测试：路灯不亮",
        latitude=grid.centre_lat, longitude=grid.centre_lng,
    )
    assert created and case.grid == grid and case.status == "registered"
    key, seq = case.number.rsplit("-", 1)
    seeded_today = Case.objects.filter(number__startswith=f"{key}-").exclude(pk=case.pk).count()
    assert int(seq) == seeded_today + 1
    assert DailyCounter.objects.get(key=key).value == int(seq)


def test_seeding_again_is_refused_or_a_no_op_and_reset_starts_over(seeded):
    counts = (Region.objects.count(), Case.objects.count(), CaseEvent.objects.count())
    if connection.vendor == "postgresql":
        assert "already seeded with this configuration" in seed(cases=3000)
        with pytest.raises(CommandError, match="different configuration"):
            seed(cases=2000)
    else:  # no manifest on SQLite: the data is simply not the seeder's to touch
        with pytest.raises(CommandError, match="--reset"):
            seed(cases=3000)
    seed(cases=3000, reset=True)
    assert (Region.objects.count(), Case.objects.count(), CaseEvent.objects.count()) == counts


def test_data_it_did_not_write_is_left_alone(tree):
    with pytest.raises(CommandError, match="not written by seed_scale"):
        seed(cases=10)
    assert Region.objects.filter(code="440604011").exists()


def test_steps_whose_models_have_not_landed_are_reported_as_skipped():
    from benchmarks import seed as seed_registry

    seed_registry.all_steps()  # the built-in and every app's steps, discovered once
    seed_registry.placeholder("ghosts", models=("ghosts.Ghost",))  # a capability that has not landed
    try:
        out = seed(cases=50)
    finally:
        seed_registry._STEPS[:] = [s for s in seed_registry._STEPS if s.name != "ghosts"]
    assert "skipped: model not present (ghosts.Ghost)" in out
    # the landed capabilities seed their rows (no longer placeholders)
    assert "skipped: model not present (forms_fill.Person)" not in out
    assert "skipped: model not present (credit.Enterprise)" not in out
    assert "rows/s" in out


def test_bulk_writer_fills_the_columns_it_is_not_given_from_the_model_defaults():
    from cases.models import CaseCategory

    with BulkWriter(CaseCategory, ["code", "name"]) as w:
        w.write(("99", "测试大类"))
        w.write(("98", "测试大类二"))
    assert w.count == 2
    category = CaseCategory.objects.get(code="99")
    assert (category.on_discovery, category.default_urgency, category.phrases, category.is_active) == (False, "normal", [], True)
    assert category.created_at is not None and category.parent_id is None
    with pytest.raises(SeedError, match="no column"):
        BulkWriter(Case, ["id", "nonsense"])


def test_inspections_carry_their_answers_and_failed_items_point_at_their_cases():
    from dispatch.models import RoutingRule
    from inspections.models import Answer, ChecklistVersion, Inspection, Place

    seed(cases=2000, inspections=300)
    version = ChecklistVersion.objects.get(status=ChecklistVersion.Status.PUBLISHED)
    assert version.items.count() == 247
    assert Inspection.objects.count() == 300 and Place.objects.exists()
    sample = list(Inspection.objects.select_related("scene", "place")[:60])
    assert len(sample) == 60  # the loop below must check something
    for inspection in sample:
        answers = list(inspection.answers.all())
        assert answers and len(answers) == inspection.scene.items.count()
        assert inspection.pass_count + inspection.fail_count + inspection.na_count == len(answers)
        assert inspection.grid_id == inspection.place.grid_id and inspection.region_path == inspection.place.region_path
        assert inspection.place.place_type in inspection.scene.place_types
        assert all(a.region_path == inspection.region_path and a.submitted_at == inspection.submitted_at for a in answers)
    failed = list(Answer.objects.filter(result="fail").select_related("case", "item", "inspection"))
    assert failed, "some inspections fail an item"
    for answer in failed:
        case = answer.case
        assert case is not None and case.source == Case.Source.INSPECTION
        assert case.category_id == answer.item.category_id and case.grid_id == answer.inspection.grid_id
        assert case.created_at == answer.inspection.submitted_at
        assert answer.fixed_on_spot == (case.status == Case.Status.SELF_HANDLED)
        assert answer.department_id == answer.item.department_id
    # Routing rules come from dispatch's own import of the category file: one default per sub-class.
    from cases.models import CaseCategory

    assert RoutingRule.objects.filter(region__isnull=True).count() == CaseCategory.objects.filter(parent__isnull=False).count()
