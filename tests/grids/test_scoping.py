import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids.models import Region
from grids.scoping import scope
from grids.selectors import region_list
from grids.services import jurisdiction_grant, jurisdiction_revoke, region_create

pytestmark = pytest.mark.django_db


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_each_role_sees_exactly_its_subtree(tree, users):
    v1_subtree = {"440604011001", "440604011001001", "440604011001002"}
    assert codes(region_list(user=users["grid_worker"])) == {"440604011001001"}
    assert codes(region_list(user=users["village_staff"])) == v1_subtree
    assert codes(region_list(user=users["street_officer"])) == v1_subtree | {
        "440604011", "440604011002", "440604011002001", "440604011002002",
    }
    assert codes(region_list(user=users["district_officer"])) == set(Region.objects.values_list("code", flat=True))


def test_sibling_village_is_invisible_to_village_staff(tree, users):
    assert not scope(Region.objects.filter(code="440604011002"), users["village_staff"]).exists()


def test_user_without_grants_sees_nothing(tree, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not region_list(user=nobody).exists()


def test_nested_grants_are_folded_and_revocation_applies(tree, users):
    so = users["street_officer"]
    jurisdiction_grant(user=so, region=tree["v1"])  # inside the street: adds nothing
    assert len(region_list(user=so)) == 7
    jurisdiction_grant(user=so, region=tree["v3"])  # another street's village: adds 3
    assert len(region_list(user=so)) == 10
    jurisdiction_revoke(user=so, region=tree["s1"])
    assert codes(region_list(user=so)) == {"440604011001", "440604011001001", "440604011001002", "440604010001", "440604010001001", "440604010001002"}


def test_verbs_are_separate(tree, users):
    vs = users["village_staff"]
    assert codes(scope(Region.objects.all(), vs, verb="dispatch")) == set()
    assert "440604011001" in codes(scope(Region.objects.all(), vs, verb="manage"))


@pytest.mark.parametrize("role,visible,hidden", [
    ("grid_worker", "440604011001001", "440604011001002"),
    ("village_staff", "440604011001", "440604011002"),
    ("street_officer", "440604011002", "440604010001"),
])
def test_out_of_scope_detail_answers_404(tree, users, login, role, visible, hidden):
    client = login(users[role])
    assert client.get(reverse("grids:region_detail", args=[visible])).status_code == 200
    assert client.get(reverse("grids:region_detail", args=[hidden])).status_code == 404
    assert client.get(reverse("grids:region_geojson", args=[hidden])).status_code == 404


def test_list_view_shows_only_the_subtree(tree, users, login):
    client = login(users["village_staff"])
    html = client.get(reverse("grids:region_list")).content.decode()
    assert "丽豪社区第1网格" in html and "东风社区" not in html and "镇安村" not in html


def test_scoped_list_query_count_is_constant(tree, users, login, django_assert_num_queries):
    client = login(users["street_officer"])
    # 1 session, 2 user, 3 staff profile (menu), 4 the user's region grants (scope),
    # 5 COUNT of the scoped rows (paginator), 6 the page of rows with their parents.
    with django_assert_num_queries(6):
        assert client.get(reverse("grids:region_list")).status_code == 200
    village = tree["v1"]
    Region.objects.bulk_create([
        Region(code=f"440604011001{i:03d}", name=f"网格{i}", level=4, parent=village, path=f"{village.path}440604011001{i:03d}/")
        for i in range(3, 1000)
    ])
    assert region_list(user=users["street_officer"]).count() > 1000
    with django_assert_num_queries(6):
        assert client.get(reverse("grids:region_list")).status_code == 200


def test_scope_is_one_prefix_filter_not_a_tree_walk(tree, users):
    with CaptureQueriesContext(connection) as ctx:
        list(region_list(user=users["district_officer"]))
    assert len(ctx.captured_queries) == 2  # the user's grants, then the scoped rows
    assert "LIKE" in ctx.captured_queries[-1]["sql"]


def test_moving_a_village_rewrites_its_subtree_paths(tree, users):
    from grids.services import region_update

    village = region_create(code="440604011009", name="新社区", level=3, parent=tree["s1"])
    grid = region_create(code="440604011009001", name="新社区第1网格", level=4, parent=village)
    region_update(region=village, parent=tree["s2"], code="440604010009")
    grid.refresh_from_db()
    assert grid.path == "440604/440604010/440604010009/440604011009001/"
