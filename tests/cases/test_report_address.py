"""The report form's address, from the district's own places and grids (cases/addresses.py):
the nearest known place within 50 m, else the grid's name; inside the user's jurisdiction only."""

import pytest
from django.urls import reverse

from cases.addresses import ADDRESS_RADIUS_M, address_near
from grids import geo

pytestmark = pytest.mark.django_db

URL = reverse("cases:report_address")
HERE = (22.95, 113.11)  # inside 丽豪社区第1网格, the grid worker's grid


def metres_east(lat, lng, metres):
    return lat, lng + geo.degrees_box(lat, metres)[1]


@pytest.fixture
def place(users):
    from inspections.services import place_create

    def make(name, at, address="", by=None):
        return place_create(by=by or users["district_officer"], name=name, place_type="shop", address=address, latitude=at[0], longitude=at[1])

    return make


def ask(client, lat, lng):
    response = client.get(URL, {"latitude": str(lat), "longitude": str(lng)})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def test_the_nearest_known_place_gives_the_address(login, users, place):
    place("鲜果屋", metres_east(*HERE, 12), address="丽豪路22号")
    place("五金店", metres_east(*HERE, 30), address="丽豪路26号")
    guess = ask(login(users["grid_worker"]), *HERE)
    assert guess == {"address": "丽豪路22号（鲜果屋附近）", "source": "place", "place": "鲜果屋", "distance_m": 12}


def test_a_place_without_an_address_is_named_and_a_far_one_is_not_used(login, users, place):
    place("路口报刊亭", metres_east(*HERE, 20))
    assert ask(login(users["grid_worker"]), *HERE)["address"] == "路口报刊亭附近"
    far = metres_east(*HERE, 400)
    place("远处商店", metres_east(*far, ADDRESS_RADIUS_M + 10), address="丽豪路99号")
    guess = ask(login(users["grid_worker"]), *far)
    assert guess == {"address": "丽豪社区第1网格附近", "source": "grid", "place": "", "distance_m": None}


def test_the_enterprise_at_a_place_gives_its_premises_address(login, users, place):
    from credit.services import enterprise_create
    from tests.security.conftest import credit_code

    shop = place("鲜果屋", metres_east(*HERE, 8))
    enterprise_create(uscc=credit_code(1), region=shop.grid, by=users["district_officer"], name="佛山市鲜果屋商行",
                      premises_address="丽豪路22号首层", place=shop)
    assert ask(login(users["grid_worker"]), *HERE)["address"] == "丽豪路22号首层（鲜果屋附近）"


def test_places_outside_the_jurisdiction_are_never_named(login, users, place, tree):
    # 丽豪社区第2网格 begins at longitude 113.125: a shop 10 m across the line is not the grid worker's.
    edge = (22.95, 113.125 - geo.degrees_box(22.95, 10)[1])
    across = metres_east(*edge, 20)
    place("隔壁网格的店", across, address="东平路1号")
    guess = ask(login(users["grid_worker"]), *edge)
    assert guess["source"] == "grid" and guess["address"] == "丽豪社区第1网格附近"
    assert "隔壁" not in str(guess) and "东平路" not in str(guess)
    # A point in the other grid itself: the grid's name only.
    assert ask(login(users["grid_worker"]), *across) == {"address": "丽豪社区第2网格附近", "source": "grid", "place": "", "distance_m": None}
    # The village, which holds both grids, gets the shop.
    assert ask(login(users["village_staff"]), *edge)["place"] == "隔壁网格的店"


def test_outside_the_district_and_bad_input_answer_an_empty_guess(login, users):
    client = login(users["grid_worker"])
    empty = {"address": "", "source": "", "place": "", "distance_m": None}
    assert ask(client, 40.0, 116.4) == empty
    for bad in ({}, {"latitude": "x", "longitude": "113"}, {"latitude": "nan", "longitude": "nan"},
                {"latitude": "91", "longitude": "113"}, {"latitude": "1e400", "longitude": "113"}):
        response = client.get(URL, bad)
        assert response.status_code == 200 and response.json() == empty, bad


def test_only_reporting_roles_may_ask(login, users, dept_users):
    assert login(dept_users["cgzf"]).get(URL, {"latitude": "22.95", "longitude": "113.11"}).status_code == 403


def test_the_lookup_costs_a_few_queries_whatever_the_number_of_places(login, users, place, django_assert_max_num_queries):
    for n in range(30):
        place(f"店{n}", metres_east(*HERE, 5 + n))
    client = login(users["grid_worker"])
    ask(client, *HERE)  # warm the per-process grids
    with django_assert_max_num_queries(8):
        guess = ask(client, *HERE)
    assert guess["place"] == "店0"


def test_the_selector_without_a_source_falls_back_to_the_grid(users, monkeypatch):
    from cases import addresses

    monkeypatch.setattr(addresses, "_sources", [])
    guess = address_near(user=users["grid_worker"], latitude=HERE[0], longitude=HERE[1])
    assert (guess.address, guess.source) == ("丽豪社区第1网格附近", "grid")
