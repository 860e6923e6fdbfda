"""Concurrent redemptions on PostgreSQL: 20 threads at once never overspend points or stock.

Each thread has its own database connection, so the row locks are exercised for real.
SQLite serialises writers and ignores SELECT … FOR UPDATE, so these run on PostgreSQL only.
"""


import pytest
from django.db import connection

from volunteers import services
from volunteers.models import PointEntry, Redemption, Reward, Volunteer

from tests.concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL"),
]


def test_20_concurrent_redemptions_against_a_balance_for_3_succeed_exactly_3_times(team, volunteer, staff):
    reward = services.reward_save(team=team, by=staff["v1"], name="社区表彰", kind=Reward.Kind.COMMENDATION, cost=10, stock=None)
    services.points_add(volunteer_id=volunteer.pk, kind="correction", points=35, note="三次兑换的积分")

    results = run_together(20, lambda i: services.redemption_request(volunteer=volunteer, reward=reward))

    ok = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, services.PointsError)]
    assert len(ok) == 3 and len(refused) == 17, results
    assert all(e.code == "points" for e in refused)
    volunteer.refresh_from_db()
    assert volunteer.points_balance == 5
    balances = list(PointEntry.objects.filter(volunteer=volunteer).order_by("id").values_list("balance_after", flat=True))
    assert balances == [35, 25, 15, 5]  # a consistent chain: every line saw the one before


def test_20_concurrent_redemptions_of_a_stock_of_3_succeed_exactly_3_times(team, staff):
    reward = services.reward_save(team=team, by=staff["v1"], name="电饭煲", kind=Reward.Kind.MATERIAL, cost=10, stock=3)
    volunteers = []
    for i in range(20):
        v = services.volunteer_register(team=team, name=f"志愿者{i}", phone=f"1380000{i:04d}", kind="resident", by=staff["v1"])
        services.points_add(volunteer_id=v.pk, kind="correction", points=50, note="x")
        volunteers.append(v)

    results = run_together(20, lambda i: services.redemption_request(volunteer=volunteers[i], reward=reward))

    ok = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, services.PointsError)]
    assert len(ok) == 3 and len(refused) == 17, results
    assert all(e.code == "stock" for e in refused)
    reward.refresh_from_db()
    assert reward.stock == 0
    assert sorted(Volunteer.objects.filter(team=team).values_list("points_balance", flat=True)) == [40] * 3 + [50] * 17
