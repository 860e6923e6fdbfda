"""Random actions by random people never leave the transition table.

A hypothesis RuleBasedStateMachine drives one case at a time with every action of
cases/workflow.py, performed by every kind of actor (the reporter, another grid's
worker, village staff, officers, the assigned department and another one, the
system). An independent oracle, written from the table and the jurisdiction rules,
says whether each attempt must succeed; the services must agree exactly, refusals
must change nothing, and the case must stay inside the table's reachable states.
"""

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from cases.models import Case, CaseAttachment
from cases.services import (
    CaseActionError,
    Upload,
    case_merge,
    case_report,
    case_self_handle,
    case_transition,
    evidence_check,
)
from cases.workflow import ALL_STATES, TERMINAL_STATES, TRANSITIONS, reachable_states
from grids.models import StaffProfile
from grids.services import staff_create

from .conftest import jpeg_upload

pytestmark = pytest.mark.django_db

R = StaffProfile.Role
ACTORS = ("reporter", "other_grid_worker", "village_staff", "street_officer", "district_officer", "department", "other_department", "system")
ROLE_OF = {
    "reporter": R.GRID_WORKER, "other_grid_worker": R.GRID_WORKER, "village_staff": R.VILLAGE_STAFF,
    "street_officer": R.STREET_OFFICER, "district_officer": R.DISTRICT_OFFICER,
    "department": R.DEPARTMENT_STAFF, "other_department": R.DEPARTMENT_STAFF, "system": "system",
}
REACHABLE = reachable_states()
STATUS_ACTIONS = set(TRANSITIONS)


def oracle(*, case: Case, action: str, actor: str, with_note: bool) -> bool:
    """Must this attempt succeed? Written from the table and the rules, not from the services."""
    t = TRANSITIONS[action]
    if case.status not in t.sources:
        return False
    roles = {ROLE_OF[actor]}
    if actor == "reporter" and case.reporter_id is not None:
        roles.add("reporter")
    if not roles & t.roles:
        return False
    if actor == "other_grid_worker":  # the case lies in another grid: outside this worker's scope
        return False
    if action in {"accept", "return", "handle"} and actor == "other_department":
        return False
    if action == "self_handle" and not case.category.on_discovery:
        return False
    if t.needs_note and not with_note and action != "merge":
        return False
    return True


def test_random_actions_never_leave_the_table(tree, users, categories, departments, dept_users):
    other_gw = staff_create(username="gw2", password="pw-for-tests-1", full_name="另一网格员", role=R.GRID_WORKER, regions=[tree["440604011001002"]])
    people = {
        "reporter": users["grid_worker"], "other_grid_worker": other_gw, "village_staff": users["village_staff"],
        "street_officer": users["street_officer"], "district_officer": users["district_officer"],
        "department": dept_users["cgzf"], "other_department": dept_users["sjj"], "system": None,
    }
    after_photo = evidence_check(uploads=[Upload(file=jpeg_upload(colour=(10, 200, 30)))])
    report_photo = jpeg_upload(colour=(200, 10, 30)).read()
    seq = itertools.count()

    class CaseMachine(RuleBasedStateMachine):
        @initialize(on_discovery=st.booleans(), trusted=st.booleans())
        def report(self, on_discovery, trusted):
            category = categories["0507"] if on_discovery else categories["0504"]
            self.original, _ = case_report(
                reporter=users["grid_worker"], client_uuid=uuid.uuid4(), category=category,
                description="原事件", latitude=22.95, longitude=113.11,
            )
            self.case, _ = case_report(
                reporter=users["grid_worker"] if trusted else None,
                reporter_name="" if trusted else "热心居民",
                source=Case.Source.GRID_WORKER if trusted else Case.Source.VOLUNTEER,
                client_uuid=uuid.uuid4(), category=category, description=f"事件 {next(seq)}",
                latitude=22.9501, longitude=113.1101, uploads=[Upload(file=jpeg_upload(colour=(200, 10, 30)))],
            )
            assert report_photo  # the report carries a before-photo for 发现即办

        @rule(action=st.sampled_from(sorted(STATUS_ACTIONS)), actor=st.sampled_from(ACTORS), with_note=st.booleans())
        def act(self, action, actor, with_note):
            before = Case.objects.select_related("category").get(pk=self.case.pk)
            events_before = before.events.count()
            expected = oracle(case=before, action=action, actor=actor, with_note=with_note)
            user = people[actor]
            note = "原因说明" if with_note else ""
            try:
                if action == "merge":
                    after = case_merge(case=before, into=self.original, actor=user, note=note)
                elif action == "self_handle":
                    after = case_self_handle(case=before, actor=user, before=[], after=after_photo, note=note)
                elif action in {"dispatch", "reassign"}:
                    after = case_transition(case=before, action=action, actor=user, note=note, updates={"department": departments["CGZF-s1"]})
                else:
                    after = case_transition(case=before, action=action, actor=user, note=note)
            except CaseActionError as exc:
                assert not expected, f"{actor} should be able to {action} a {before.status} case: {exc.message}"
                assert exc.messages and exc.messages[0].strip()
                fresh = Case.objects.get(pk=before.pk)
                assert (fresh.status, fresh.version) == (before.status, before.version)  # a refusal changes nothing
                assert fresh.events.count() == events_before
                return
            assert expected, f"{actor} must not be able to {action} a {before.status} case"
            t = TRANSITIONS[action]
            assert before.status in t.sources and after.status == t.target
            assert after.version == before.version + 1
            last = after.events.order_by("-id").first()
            assert (last.action, last.from_status, last.to_status) == (action, before.status, t.target)
            self.case = after

        @invariant()
        def inside_the_table(self):
            case = Case.objects.get(pk=self.case.pk)
            assert case.status in ALL_STATES and case.status in REACHABLE
            actions = list(case.events.values_list("action", flat=True))
            # Every change of status is one event; the version counts them.
            assert case.version == 1 + sum(1 for a in actions if a in STATUS_ACTIONS)
            if case.status == Case.Status.CLOSED:
                assert "verify" in actions or "self_handle" in actions
            if case.status == Case.Status.SELF_HANDLED:
                assert case.attachments.filter(stage=CaseAttachment.Stage.AFTER).exists()
            if case.status == Case.Status.MERGED:
                assert case.merged_into_id == self.original.pk
            assert (case.closed_at is not None) == (case.status in TERMINAL_STATES)

    run_state_machine_as_test(
        CaseMachine,
        settings=settings(max_examples=40, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)),
    )
