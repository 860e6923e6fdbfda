"""The batch queue and the review page make a fixed number of queries, however long the queue."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scan.models import Kind, Scan, ScanBatch

pytestmark = pytest.mark.django_db


def _batch(user, path, n):
    batch = ScanBatch.objects.create(kind=Kind.ID_CARD, started_by=user, region_path=path, count=n)
    for i in range(n):
        fields = {"name": {"value": f"张{i}", "confidence": 0.9}, "id_number": {"value": "440604199003072132", "confidence": 0.97, "valid": True}}
        s = Scan(uuid=uuid.uuid4(), batch=batch, position=i, kind=Kind.ID_CARD, status=Scan.Status.RECOGNISED,
                 sha256="x", region_path=path, started_by=user, recognition={"fields": fields})
        s.image.save(f"{s.uuid}.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
        s.save()
    return batch


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_batch_and_review_pages_query_counts_do_not_grow(login, users, tree):
    user = users["village_staff"]
    client = login(user)
    small, large = _batch(user, tree["v1"].path, 2), _batch(user, tree["v1"].path, 8)
    client.get(f"/scan/b/{small.uuid}/")  # warm the session / menu caches
    assert _count(client, f"/scan/b/{small.uuid}/") == _count(client, f"/scan/b/{large.uuid}/")
    first_small, first_large = small.scans.first(), large.scans.first()
    assert _count(client, f"/scan/s/{first_small.uuid}/") == _count(client, f"/scan/s/{first_large.uuid}/")
    assert _count(client, "/scan/search/?q=张") == _count(client, "/scan/search/?q=张")


def test_batch_page_queries(login, users, tree, django_assert_num_queries):
    user = users["village_staff"]
    client = login(user)
    batch = _batch(user, tree["v1"].path, 3)
    client.get(f"/scan/b/{batch.uuid}/")
    # 1 session, 2 user, 3 staff profile (role check), 4 scope grants (one UNION),
    # 5 the batch with its job and starter, 6 its scans
    with django_assert_num_queries(6):
        client.get(f"/scan/b/{batch.uuid}/")
