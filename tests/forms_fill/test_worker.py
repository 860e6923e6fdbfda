"""The fill job through Redis and a real Celery worker process (PostgreSQL + Redis, as in production)."""

import openpyxl
import pytest
from django.db import connection
from django.test import Client

from core.models import AuditLog, Job
from forms_fill import services
from tests.worker import WorkerProcess, new_queue, producer, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes need the PostgreSQL test database"),
]


def test_a_fill_job_runs_on_a_real_worker_and_its_download_is_audited(people, composed, users, tmp_path):
    vs = users["village_staff"]
    a, b, _c = people["inside"]
    outside = people["outside"][0]
    queue = new_queue()
    with producer(queue), WorkerProcess(queue):
        run = services.fill_start(user=vs, template=composed, region_path=a.region.parent.path,
                                  keys_text=f"{a.id_number}\n{outside.id_number}\n{b.id_number}")
        job = wait_for(lambda: (j := Job.objects.get(uuid=run.job_uuid)).status in ("done", "failed") and j, timeout=120)
    assert job.status == "done", job.error
    assert job.result["filled"] == 2 and job.result["not_found"] == 1 and job.sensitive
    assert AuditLog.objects.filter(action="fill", user=vs, object_ids=[str(job.uuid)]).exists()
    client = Client()
    client.force_login(vs, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(f"/jobs/{job.uuid}/download/")
    assert response.status_code == 200
    path = tmp_path / "dl.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert [ws.cell(4, 3).value, ws.cell(5, 3).value] == [a.id_number, b.id_number]
    assert outside.name not in {c.value for row in ws.iter_rows() for c in row}
    assert AuditLog.objects.filter(action="download", user=vs).count() == 1
    # Someone outside the job's jurisdiction cannot see or download it.
    other = Client()
    from grids.services import staff_create
    from grids.models import StaffProfile

    stranger = staff_create(username="zhenan", password="pw-for-tests-1", full_name="镇安", role=StaffProfile.Role.VILLAGE_STAFF,
                            regions=[people["outside"][0].region.parent], verbs=("view", "manage"))
    other.force_login(stranger, backend="django.contrib.auth.backends.ModelBackend")
    assert other.get(f"/jobs/{job.uuid}/download/").status_code == 404
