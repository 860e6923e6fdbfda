"""Staff pages: scoped (404 outside), phones masked, poster and card QR codes, a bounded number
of queries however many volunteers a team has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from volunteers import services
from volunteers.models import Reward, Volunteer

pytestmark = pytest.mark.django_db


def test_pages_render_for_the_communitys_staff(client, login, team, volunteer, staff):
    login(staff["v1"])
    index = client.get(reverse("volunteers:index")).content.decode()
    assert team.name in index
    assert "东风社区" not in index or "Start a team" not in index  # v2's team is not in v1's scope
    page = client.get(reverse("volunteers:team", args=[team.village.code])).content.decode()
    assert "张美玲" in page and "139****5678" in page and "13912345678" not in page
    poster = client.get(reverse("volunteers:poster", args=[team.village.code])).content.decode()
    assert "<svg" in poster and f"/volunteers/r/{team.report_code}/" in poster
    detail = client.get(reverse("volunteers:volunteer", args=[volunteer.pk])).content.decode()
    assert "139****5678" in detail and "13912345678" not in detail
    card = client.get(reverse("volunteers:card", args=[volunteer.pk])).content.decode()
    assert "<svg" in card and "139****5678" in card and "13912345678" not in card
    assert client.get(reverse("volunteers:rewards", args=[team.village.code])).status_code == 200
    assert client.get(reverse("volunteers:triage")).status_code == 200
    assert client.get(reverse("volunteers:redemptions")).status_code == 200


def test_out_of_scope_pages_are_404(client, login, teams, volunteer, staff):
    login(staff["v2"])
    for url in (
        reverse("volunteers:team", args=[teams["v1"].village.code]),
        reverse("volunteers:poster", args=[teams["v1"].village.code]),
        reverse("volunteers:volunteer", args=[volunteer.pk]),
        reverse("volunteers:card", args=[volunteer.pk]),
        reverse("volunteers:rewards", args=[teams["v1"].village.code]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("volunteers:volunteer", args=[volunteer.pk]), {"form": "correction", "points": "50", "note": "x"})
    assert response.status_code == 404
    volunteer.refresh_from_db()
    assert volunteer.points_balance == 0


def test_grid_workers_and_anonymous_users_cannot_open_staff_pages(client, login, team, users):
    assert client.get(reverse("volunteers:index")).status_code == 302  # to the login page
    login(users["grid_worker"])
    assert client.get(reverse("volunteers:index")).status_code == 403


def test_staff_add_a_volunteer_and_correct_points_from_the_pages(client, login, team, staff):
    login(staff["v1"])
    bad = client.post(reverse("volunteers:team", args=[team.village.code]), {"name": "王五", "phone": "abc", "kind": "resident"})
    assert bad.status_code == 200 and not Volunteer.objects.exists()
    client.post(reverse("volunteers:team", args=[team.village.code]), {"name": "王五", "phone": "+86 138 0013 8000", "kind": "resident"})
    v = Volunteer.objects.get()
    assert v.phone == "13800138000" and v.status == Volunteer.Status.APPROVED
    client.post(reverse("volunteers:volunteer", args=[v.pk]), {"form": "correction", "points": "0", "note": "x"})
    client.post(reverse("volunteers:volunteer", args=[v.pk]), {"form": "correction", "points": "8", "note": "补录纸质台账"})
    v.refresh_from_db()
    assert v.points_balance == 8 and v.ledger.count() == 1


def test_reward_form_refuses_bad_values(client, login, team, staff):
    login(staff["v1"])
    response = client.post(reverse("volunteers:rewards", args=[team.village.code]),
                           {"name": "电饭煲", "kind": "material", "cost": "0", "stock": "-1"})
    assert response.status_code == 200 and not Reward.objects.exists()


def test_team_page_queries_do_not_grow_with_the_team(client, login, team, staff):
    login(staff["v1"])
    url = reverse("volunteers:team", args=[team.village.code])

    def count():
        client.get(url)  # warm the session / scope caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        v = services.volunteer_register(team=team, name=f"甲{i}", phone=f"1370000{i:04d}", kind="resident", by=staff["v1"])
        services.points_add(volunteer_id=v.pk, kind="correction", points=i + 1, note="x")
    few = count()
    for i in range(3, 30):
        v = services.volunteer_register(team=team, name=f"甲{i}", phone=f"1370000{i:04d}", kind="resident", by=staff["v1"])
        services.points_add(volunteer_id=v.pk, kind="correction", points=i, note="x")
    assert count() == few
