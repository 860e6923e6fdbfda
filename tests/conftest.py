"""Fixtures shared by the whole suite: a small region tree and one user per role."""

import pytest

# The browser fixtures (one chromium for the whole session) serve every module that drives a
# page, wherever it lives (tests/browser/, tests/scan/ …): a second copy would start a second
# Playwright inside the first one's event loop.
pytest_plugins = ["tests.browser_fixtures"]

from grids import geo
from grids.models import Region, StaffProfile
from grids.services import region_create, staff_create

R = StaffProfile.Role


def make_tree():
    """District → two streets → two sibling villages in the first street → 2 grids each."""
    district = region_create(code="440604", name="禅城区", level=1, boundary=geo.rectangle(113.0, 22.9, 113.2, 23.1))
    s1 = region_create(code="440604011", name="石湾镇街道", level=2, parent=district, boundary=geo.rectangle(113.1, 22.9, 113.2, 23.0))
    s2 = region_create(code="440604010", name="祖庙街道", level=2, parent=district, boundary=geo.rectangle(113.1, 23.0, 113.2, 23.1))
    v1 = region_create(code="440604011001", name="丽豪社区", level=3, parent=s1, boundary=geo.rectangle(113.1, 22.9, 113.15, 23.0))
    v2 = region_create(code="440604011002", name="东风社区", level=3, parent=s1, boundary=geo.rectangle(113.15, 22.9, 113.2, 23.0))
    v3 = region_create(code="440604010001", name="镇安村", level=3, parent=s2, boundary=geo.rectangle(113.1, 23.0, 113.2, 23.1))
    grids = {}
    for v, boxes in [
        (v1, [(113.1, 22.9, 113.125, 23.0), (113.125, 22.9, 113.15, 23.0)]),
        (v2, [(113.15, 22.9, 113.175, 23.0), (113.175, 22.9, 113.2, 23.0)]),
        (v3, [(113.1, 23.0, 113.15, 23.1), (113.15, 23.0, 113.2, 23.1)]),
    ]:
        for i, box in enumerate(boxes, start=1):
            g = region_create(code=f"{v.code}{i:03d}", name=f"{v.name}第{i}网格", level=4, parent=v, boundary=geo.rectangle(*box))
            grids[g.code] = g
    return {"district": district, "s1": s1, "s2": s2, "v1": v1, "v2": v2, "v3": v3, **grids}


@pytest.fixture(scope="session", autouse=True)
def _private_media_root():
    """Evidence written by tests goes to a temporary MEDIA_ROOT, removed at the end."""
    import shutil

    from django.conf import settings

    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def tree(db):
    return make_tree()


@pytest.fixture
def users(tree):
    """One user per role, each holding the region its role works in."""
    pw = "pw-for-tests-1"
    return {
        "grid_worker": staff_create(username="gw", password=pw, full_name="网格员", role=R.GRID_WORKER, regions=[tree["440604011001001"]]),
        "village_staff": staff_create(username="vs", password=pw, full_name="村居", role=R.VILLAGE_STAFF, regions=[tree["v1"]], verbs=("view", "manage")),
        "street_officer": staff_create(username="so", password=pw, full_name="镇街", role=R.STREET_OFFICER, regions=[tree["s1"]], verbs=("view", "dispatch")),
        "district_officer": staff_create(username="do", password=pw, full_name="区", role=R.DISTRICT_OFFICER, regions=[tree["district"]], verbs=("view", "dispatch")),
    }


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
