"""The e-mail outbox through a real broker, real worker processes and a real SMTP server
(PostgreSQL + Redis, as in production):

- the broker is down while an officer dispatches a case: the page still succeeds (the
  dispatch is committed), and the department's mail is sent once the broker is back, by
  the outbox sweep;
- a worker is SIGKILLed in the middle of sending (the SMTP server has not accepted the
  message yet): after the sweep the mail is sent exactly once.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from core import outbox
from core.models import OutboxEmail
from tests.smtp_sink import SmtpSink
from tests.worker import WorkerProcess, new_queue, producer, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes need the PostgreSQL test database"),
]

CLOSED_PORT_BROKER = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
LATER = max(outbox.sending_timeout(), outbox.RESEND_AFTER) + timedelta(seconds=1)


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def department_with_email(dept_users):
    staff = [dept_users["cgzf_s1"], dept_users["cgzf_s1_b"]]
    for i, user in enumerate(staff):
        user.email = f"cgzf{i}@example.gov.cn"
        user.save(update_fields=["email"])
    return staff


def test_a_dispatch_while_the_broker_is_down_succeeds_and_the_mail_goes_out_when_it_is_back(
    report, users, departments, department_with_email, login, smtp,
):
    case = report("0101")
    client = login(users["street_officer"])
    queue = new_queue()
    with producer(queue, broker=CLOSED_PORT_BROKER):
        response = client.post(reverse("dispatch:case_dispatch", args=[case.number]), {
            "department": departments["CGZF-440604011"].pk, "expected_version": case.version, "note": "尽快核实",
        })
    assert response.status_code == 302  # not a 500: the dispatch was committed before the broker failed
    case.refresh_from_db()
    assert case.status == Case.Status.DISPATCHED
    mails = OutboxEmail.objects.filter(to__in=[u.email for u in department_with_email])
    assert mails.count() == 2 and set(mails.values_list("status", flat=True)) == {"queued"}
    with producer(queue), WorkerProcess(queue, extra_env={"EMAIL_URL": smtp.url, "EMAIL_TIMEOUT": "5"}):
        result = outbox.sweep(now=timezone.now() + LATER)  # beat's run, once the broker is back
        assert result["waiting"] == 2 and result["enqueued"] == 2
        wait_for(lambda: len(smtp.messages) == 2, timeout=90)
        wait_for(lambda: set(mails.values_list("status", flat=True)) == {"sent"}, timeout=30)
    assert sorted(m["to"] for m in smtp.messages) == ["cgzf0@example.gov.cn", "cgzf1@example.gov.cn"]
    assert all(s == "【生态网格】新派遣" for s in smtp.subjects())


def test_a_worker_killed_mid_send_leaves_a_mail_that_is_sent_exactly_once_after_the_sweep(users, smtp):
    from core.inbox import notify

    officer = users["street_officer"]
    officer.email = "so@example.gov.cn"
    officer.save(update_fields=["email"])
    queue = new_queue()
    env = {"EMAIL_URL": smtp.url, "EMAIL_TIMEOUT": "60"}
    with producer(queue):
        first = WorkerProcess(queue, extra_env=env)
        first.wait_ready()
        try:
            smtp.stall_next()  # the server will hang before accepting the message
            email = notify([officer], kind="other", title="复查提醒", body="请复查")[0].email  # autocommit: enqueued at once
            assert smtp.stalled.wait(90), first.output()[-3000:]
            row = OutboxEmail.objects.get(pk=email.pk)
            assert row.status == "sending" and row.attempts == 1
            first.kill()  # SIGKILL mid-send: no clean shutdown, nothing recorded
        finally:
            first.stop()
        assert OutboxEmail.objects.get(pk=email.pk).status == "sending" and smtp.messages == []
        with WorkerProcess(queue, extra_env=env):
            assert outbox.sweep()["revived"] == 0  # not yet past the timeout: the sender may be alive
            later = timezone.now() + LATER
            assert outbox.sweep(now=later)["revived"] == 1
            assert outbox.sweep(now=later)["revived"] == 0  # a second sweep finds nothing to revive
            wait_for(lambda: OutboxEmail.objects.get(pk=email.pk).status == "sent", timeout=90)
            # Give a stray redelivery the chance to send it again (it would be skipped by the claim).
            assert outbox.sweep(now=later + LATER) == {"revived": 0, "waiting": 0, "enqueued": 0}
    row = OutboxEmail.objects.get(pk=email.pk)
    assert smtp.subjects() == ["【生态网格】复查提醒"] and row.attempts == 2
