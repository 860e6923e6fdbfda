"""The demo review queue: seeded for the demo grid worker, idempotent, and its pages open."""

import io

import pytest

from grids.models import StaffProfile
from grids.services import staff_create
from scan import demo
from scan.models import Scan, ScanBatch

pytestmark = pytest.mark.django_db


class Ctx:
    def __init__(self):
        self.out = io.StringIO()

    def say(self, text):
        self.out.write(text + "\n")


def test_demo_seed_is_idempotent_and_its_queue_opens(tree, login):
    user = staff_create(username=demo.USERNAME, password="pw-for-tests-1", full_name="李网格",
                        role=StaffProfile.Role.GRID_WORKER, regions=[tree["440604011001001"]])
    demo.seed(Ctx())
    demo.seed(Ctx())
    batch = ScanBatch.objects.get()
    assert batch.scans.count() == 2 and set(batch.scans.values_list("status", flat=True)) == {Scan.Status.RECOGNISED}
    client = login(user)
    page = client.get(f"/scan/b/{batch.uuid}/").content.decode()
    assert "待确认" in page
    review = client.get(f"/scan/s/{batch.scans.first().uuid}/").content.decode()
    assert 'class="scan-field low"' in review  # the doubtful field is highlighted
