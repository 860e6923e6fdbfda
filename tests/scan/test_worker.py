"""A village's batch through a real broker and a real worker process (PostgreSQL + Redis).

The upload commits, the message goes through Redis on this run's own queue, a separate
``celery worker`` process runs tesseract on each photo; the page shows the job's progress
and then the review queue.
"""

import pytest
from django.db import connection

from core.models import Job
from scan.models import Scan, ScanBatch
from tests.worker import WorkerProcess, new_queue, producer, wait_for

from .conftest import id_card_upload

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes need the PostgreSQL test database"),
]


def test_a_batch_is_recognised_by_a_worker_process(login, users, id_values):
    client = login(users["village_staff"])
    queue = new_queue()
    with producer(queue), WorkerProcess(queue) as worker:
        files = [id_card_upload(id_values[i], seed=i, name=f"c{i}.jpg") for i in range(2)]
        response = client.post("/scan/?batch=1", {"kind": "id_card", "photos": files})
        batch = ScanBatch.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/scan/b/{batch.uuid}/"
        page = client.get(response["Location"]).content.decode()
        assert f'id="job-{batch.job.uuid}"' in page  # the progress fragment, polling while the job runs
        job = wait_for(lambda: (j := Job.objects.get(pk=batch.job_id)).status in ("done", "failed") and j,
                       timeout=240, every=0.5)
        assert job.status == Job.Status.DONE, (job.error, worker.output()[-2000:])
    assert job.progress_done == 2 and job.attempts == 1
    scans = list(batch.scans.order_by("position"))
    assert [s.status for s in scans] == [Scan.Status.RECOGNISED] * 2
    assert [s.recognition["fields"]["id_number"]["value"] for s in scans] == [v.number for v in id_values]
    queue_page = client.get(f"/scan/b/{batch.uuid}/").content.decode()
    assert all(f"/scan/s/{s.uuid}/" in queue_page for s in scans)
