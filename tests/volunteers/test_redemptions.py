"""Rewards and redemptions: request (points and stock reserved) → approval → hand-over; rejection
refunds; never more than held, never more than in stock."""

import pytest
from django.urls import reverse

from volunteers import services
from volunteers.models import PointEntry, Redemption, Reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def reward(team, staff):
    return services.reward_save(team=team, by=staff["v1"], name="环保购物袋", kind=Reward.Kind.MATERIAL, cost=10, stock=2)


@pytest.fixture
def rich(volunteer):
    services.points_add(volunteer_id=volunteer.pk, kind="correction", points=25, note="历史积分补录")
    volunteer.refresh_from_db()
    return volunteer


def test_request_approve_hand_over(rich, reward, staff):
    r = services.redemption_request(volunteer=rich, reward=reward)
    rich.refresh_from_db()
    reward.refresh_from_db()
    assert (rich.points_balance, reward.stock, r.status) == (15, 1, Redemption.Status.REQUESTED)
    assert PointEntry.objects.filter(redemption=r, kind="redemption", points=-10, balance_after=15).exists()
    with pytest.raises(services.VolunteerError):
        services.redemption_transition(redemption=r, action="hand_over", by=staff["v1"])  # not approved yet
    services.redemption_transition(redemption=r, action="approve", by=staff["v1"])
    r = services.redemption_transition(redemption=r, action="hand_over", by=staff["v1"])
    assert r.status == Redemption.Status.HANDED_OVER and r.handed_over_by == staff["v1"]


def test_rejecting_gives_back_points_and_stock(rich, reward, staff):
    r = services.redemption_request(volunteer=rich, reward=reward)
    with pytest.raises(services.VolunteerError):
        services.redemption_transition(redemption=r, action="reject", by=staff["v1"])  # a reason is needed
    services.redemption_transition(redemption=r, action="reject", by=staff["v1"], note="本月已停发")
    rich.refresh_from_db()
    reward.refresh_from_db()
    assert (rich.points_balance, rich.points_earned, reward.stock) == (25, 25, 2)
    assert [e.kind for e in PointEntry.objects.order_by("id")] == ["correction", "redemption", "refund"]
    with pytest.raises(services.VolunteerError):
        services.redemption_transition(redemption=r, action="reject", by=staff["v1"], note="again")


def test_redeeming_more_points_than_held_is_refused(volunteer, reward):
    services.points_add(volunteer_id=volunteer.pk, kind="correction", points=9, note="x")
    with pytest.raises(services.PointsError) as err:
        services.redemption_request(volunteer=volunteer, reward=reward)
    assert "9" in str(err.value) and "10" in str(err.value)
    reward.refresh_from_db()
    assert reward.stock == 2 and not Redemption.objects.exists()


def test_redeeming_an_out_of_stock_reward_is_refused(rich, reward, volunteer2):
    services.redemption_request(volunteer=rich, reward=reward)
    services.redemption_request(volunteer=rich, reward=reward)
    with pytest.raises(services.PointsError) as err:
        services.redemption_request(volunteer=rich, reward=reward)
    assert err.value.code == "stock"
    rich.refresh_from_db()
    assert rich.points_balance == 5


def test_non_material_rewards_have_no_stock_limit(rich, team, staff):
    certificate = services.reward_save(team=team, by=staff["v1"], name="积分入学证明", kind=Reward.Kind.SCHOOL_ADMISSION, cost=5, stock=None)
    for _i in range(5):
        services.redemption_request(volunteer=rich, reward=certificate)
    rich.refresh_from_db()
    assert rich.points_balance == 0
    with pytest.raises(services.PointsError):
        services.redemption_request(volunteer=rich, reward=certificate)


def test_a_reward_of_another_team_cannot_be_redeemed(rich, teams, staff, users):
    other = services.reward_save(team=teams["v2"], by=staff["v2"], name="东风社区表彰", kind=Reward.Kind.COMMENDATION, cost=1, stock=None)
    with pytest.raises(services.PointsError):
        services.redemption_request(volunteer=rich, reward=other)


def test_the_volunteer_redeems_from_their_card_page(client, rich, reward):
    page = client.get(reverse("volunteers:my_card", args=[rich.card_token])).content.decode()
    assert "环保购物袋" in page and "139****5678" in page and "13912345678" not in page
    response = client.post(reverse("volunteers:my_redeem", args=[rich.card_token, reward.pk]), follow=True)
    assert "环保购物袋" in response.content.decode()
    assert Redemption.objects.filter(volunteer=rich).count() == 1
    assert client.get(reverse("volunteers:my_card", args=["forged"])).status_code == 404


def test_staff_pages_for_redemptions(client, login, rich, reward, staff):
    r = services.redemption_request(volunteer=rich, reward=reward)
    login(staff["v2"])
    assert "环保购物袋" not in client.get(reverse("volunteers:redemptions")).content.decode()
    assert client.post(reverse("volunteers:redemption_act", args=[r.pk, "approve"])).status_code == 404
    client.logout()
    login(staff["v1"])
    assert "环保购物袋" in client.get(reverse("volunteers:redemptions")).content.decode()
    client.post(reverse("volunteers:redemption_act", args=[r.pk, "approve"]))
    r.refresh_from_db()
    assert r.status == Redemption.Status.APPROVED
