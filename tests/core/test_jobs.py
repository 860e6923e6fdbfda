"""The one job model (core/jobs.py): start on commit, claim once, progress, retries, sweep, scoped download."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.models import AuditLog, Job


@pytest.fixture
def flaky_kind():
    """A handler that crashes on its first attempt and succeeds on the second."""
    calls = []

    @jobs.job_handler("tests.flaky")
    def flaky(job, progress):
        calls.append(job.attempts)
        if job.attempts == 1:
            raise RuntimeError("boom")
        progress.save_file("flaky.txt", b"ok")
        return {"ok": True}

    yield calls
    jobs.HANDLERS.pop("tests.flaky", None)


def _start(user, region_path, **params):
    return jobs.start_job("core.selftest", user=user, region_path=region_path, label="自检",
                          params={"steps": 3, "delay": 0, **params})


def test_a_job_runs_when_its_transaction_commits_and_not_before(db, users, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = _start(users["village_staff"], tree["v1"].path)
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING and len(callbacks) == 1  # nothing sent before the commit
    callbacks[0]()  # the commit: eager Celery runs it here
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.progress_done, job.progress_total, job.attempts) == (3, 3, 1)
    assert job.result["steps"] == 3 and job.result_name == "selftest.txt"
    assert job.result_file.read().startswith(str(job.uuid).encode())


def test_a_second_claim_of_the_same_job_gets_nothing(db, users, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = _start(users["village_staff"], tree["v1"].path)
    assert jobs.claim(job.pk) is not None
    assert jobs.claim(job.pk) is None  # a redelivered message finds it running
    assert jobs.run(job.pk) == "not claimed"
    job.refresh_from_db()
    assert job.attempts == 1 and job.status == Job.Status.RUNNING


def test_a_crash_is_retried_and_the_error_kept_until_it_succeeds(db, users, tree, flaky_kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = jobs.start_job("tests.flaky", user=users["village_staff"], region_path=tree["v1"].path)
    # The retry is sent with a back-off; eager Celery (as here) runs it at once.
    assert jobs.run(job.pk) == "retry"
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and flaky_kind == [1, 2] and job.error == "" and job.attempts == 2


def test_after_the_last_attempt_the_job_fails_with_a_message_for_the_user(db, users, tree, django_capture_on_commit_callbacks):
    @jobs.job_handler("tests.always_fails")
    def always_fails(job, progress):
        raise ValueError("internal detail")

    try:
        with django_capture_on_commit_callbacks(execute=False):
            job = jobs.start_job("tests.always_fails", user=users["village_staff"], region_path=tree["v1"].path, max_attempts=2)
        assert jobs.run(job.pk) == "retry"  # the eager retry runs the second (last) attempt inside
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and "2" in job.error and "internal detail" not in job.error
    finally:
        jobs.HANDLERS.pop("tests.always_fails")


def test_job_failed_stops_at_once_with_its_own_message(db, users, tree, django_capture_on_commit_callbacks):
    @jobs.job_handler("tests.refuses")
    def refuses(job, progress):
        raise jobs.JobFailed("表格里没有身份证号码")

    try:
        with django_capture_on_commit_callbacks(execute=False):
            job = jobs.start_job("tests.refuses", user=users["village_staff"], region_path=tree["v1"].path)
        assert jobs.run(job.pk) == "failed"
        job.refresh_from_db()
        assert (job.status, job.error, job.attempts) == (Job.Status.FAILED, "表格里没有身份证号码", 1)
    finally:
        jobs.HANDLERS.pop("tests.refuses")


def test_a_run_that_lost_its_claim_cannot_finish_the_job(db, users, tree, django_capture_on_commit_callbacks):
    """A worker that froze past the heartbeat timeout and came back must not overwrite the new run."""
    with django_capture_on_commit_callbacks(execute=False):
        job = _start(users["village_staff"], tree["v1"].path)
    stale = jobs.claim(job.pk)
    later = timezone.now() + timedelta(seconds=jobs.HEARTBEAT_TIMEOUT + 5)
    counts = jobs.sweep(now=later)  # revives it and sends it again: eager Celery runs attempt 2 here
    assert counts["revived"] == 1
    job.refresh_from_db()
    assert job.attempts == 2 and job.status == Job.Status.DONE and job.result["attempt"] == 2
    with pytest.raises(jobs.JobLost):
        jobs.Progress(stale).set(1, force=True)  # the first run wakes up: it owns nothing any more
    job.refresh_from_db()
    assert job.result["attempt"] == 2 and job.progress_done == 3


def test_the_sweep_fails_a_job_whose_worker_died_too_often(db, users, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = jobs.start_job("core.selftest", user=users["village_staff"], region_path=tree["v1"].path, max_attempts=1)
    jobs.claim(job.pk)
    counts = jobs.sweep(now=timezone.now() + timedelta(seconds=jobs.HEARTBEAT_TIMEOUT + 5))
    job.refresh_from_db()
    assert counts["failed"] == 1 and job.status == Job.Status.FAILED and job.error


def test_the_sweep_resends_a_job_left_pending(db, users, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = _start(users["village_staff"], tree["v1"].path)  # the commit's send never happened
    counts = jobs.sweep(now=timezone.now() + timedelta(seconds=jobs.PENDING_RESEND_AFTER + 5))
    job.refresh_from_db()
    assert counts["resent"] == 1 and job.status == Job.Status.DONE  # eager Celery ran the resent job


def test_old_result_files_are_removed(db, users, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(users["village_staff"], tree["v1"].path)
    job.refresh_from_db()
    path = job.result_file.path
    counts = jobs.sweep(now=timezone.now() + timedelta(days=jobs.RESULT_DAYS + 1))
    job.refresh_from_db()
    assert counts["expired"] == 1 and not job.result_file
    import os

    assert not os.path.exists(path)


def test_progress_page_fragment_and_download_for_the_starter_only(db, users, tree, login, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_job("core.selftest", user=users["village_staff"], region_path=tree["v1"].path,
                             params={"steps": 2, "delay": 0}, label="自检", sensitive=True)
    detail = reverse("core:job_detail", args=[job.uuid])
    download = reverse("core:job_download", args=[job.uuid])
    login(users["village_staff"])
    page = client.get(detail)
    assert page.status_code == 200 and "自检" in page.content.decode() and download in page.content.decode()
    fragment = client.get(detail, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"job-progress" in fragment.content
    got = client.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(str(job.uuid).encode())
    assert AuditLog.objects.filter(action="download", user=users["village_staff"], object_ids=[str(job.uuid)]).count() == 1
    # a result is its starter's: not even the street covering the village reads it (another
    # department's need-to-know may be in it), nor a sibling village or street
    from grids.models import StaffProfile
    from grids.services import staff_create

    sibling = staff_create(username="vs2", password="pw-for-tests-1", full_name="东风", role=StaffProfile.Role.VILLAGE_STAFF,
                           regions=[tree["v2"]], verbs=("view", "manage"))
    other_street = staff_create(username="so2", password="pw-for-tests-1", full_name="祖庙", role=StaffProfile.Role.STREET_OFFICER,
                                regions=[tree["s2"]], verbs=("view", "dispatch"))
    for outsider in (users["street_officer"], sibling, other_street):
        login(outsider)
        assert client.get(detail).status_code == 404
        assert client.get(download).status_code == 404
        assert client.get(detail, headers={"HX-Request": "true"}).status_code == 404


def test_an_active_job_fragment_polls_and_a_finished_one_stops(db, users, tree, login, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = _start(users["village_staff"], tree["v1"].path)
    login(users["village_staff"])
    fragment = client.get(reverse("core:job_detail", args=[job.uuid]), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "<progress" in fragment
    jobs.run(job.pk)
    fragment = client.get(reverse("core:job_detail", args=[job.uuid]), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and reverse("core:job_download", args=[job.uuid]) in fragment


def test_my_jobs_lists_only_my_own(db, users, tree, login, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mine = _start(users["village_staff"], tree["v1"].path)
        theirs = _start(users["street_officer"], tree["s1"].path)
    login(users["village_staff"])
    body = client.get(reverse("core:job_list")).content.decode()
    assert str(mine.uuid) in body and str(theirs.uuid) not in body


def test_a_starter_who_lost_the_region_loses_the_result(db, users, tree, login, client, django_capture_on_commit_callbacks):
    from guardian.shortcuts import remove_perm

    with django_capture_on_commit_callbacks(execute=True):
        job = _start(users["village_staff"], tree["v1"].path)
    login(users["village_staff"])
    assert client.get(reverse("core:job_download", args=[job.uuid])).status_code == 200
    remove_perm("grids.view_region", users["village_staff"], tree["v1"])
    from grids.scoping import forget_scope

    forget_scope(users["village_staff"])
    assert client.get(reverse("core:job_download", args=[job.uuid])).status_code == 404
