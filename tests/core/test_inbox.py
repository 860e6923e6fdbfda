"""The one inbox (core/inbox.py) and the e-mail outbox (core/outbox.py), in-process."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import inbox, outbox
from core.models import Notification, OutboxEmail

pytestmark = pytest.mark.django_db


def _with_email(user, address):
    user.email = address
    user.save(update_fields=["email"])
    return user


def test_any_app_notifies_with_title_body_link_and_email_after_commit(users, django_capture_on_commit_callbacks):
    so = _with_email(users["street_officer"], "so@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        sent = inbox.notify([so, users["grid_worker"], None, so], kind="credit.rescored", title="信用等级变更", body="某公司 A→B", url="/cases/")
        assert len(mail.outbox) == 0  # nothing leaves before the commit
    assert len(sent) == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "【生态网格】信用等级变更" and mail.outbox[0].body == "某公司 A→B"
    note = Notification.objects.get(recipient=so)
    assert (note.kind, note.title, note.url, note.email.status) == ("credit.rescored", "信用等级变更", "/cases/", "sent")
    assert Notification.objects.get(recipient=users["grid_worker"]).email is None


def test_a_rolled_back_action_leaves_no_message_and_sends_no_mail(users, django_capture_on_commit_callbacks):
    from django.db import transaction

    so = _with_email(users["street_officer"], "so@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            inbox.notify([so], kind="other", title="x")
            raise RuntimeError("the action failed")
    assert not Notification.objects.exists() and not OutboxEmail.objects.exists() and mail.outbox == []


def test_over_long_texts_are_cut_not_refused(users):
    note = inbox.notify([users["grid_worker"]], kind="k" * 99, title="题" * 500, body="文" * 5000, url="/" + "u" * 900)[0]
    note.refresh_from_db()
    assert len(note.title) == 120 and len(note.body) == 1000 and len(note.url) == 500 and len(note.kind) == 40


def test_a_redelivered_send_task_sends_once(users):
    so = _with_email(users["street_officer"], "so@example.gov.cn")
    email = inbox.notify([so], kind="other", title="x")[0].email
    assert outbox.deliver(email.pk) == "sent"
    assert outbox.deliver(email.pk) == "skipped"
    assert len(mail.outbox) == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_smtp_failure_is_retried_then_shown_failed_in_the_inbox(users, settings, login):
    settings.EMAIL_BACKEND = "tests.core.test_inbox.BrokenBackend"
    so = _with_email(users["street_officer"], "so@example.gov.cn")
    email = inbox.notify([so], kind="other", title="x")[0].email
    assert outbox.send_email.apply(args=[email.pk]).get() == "failed"  # eager retries until MAX_ATTEMPTS
    email.refresh_from_db()
    assert email.status == "failed" and email.attempts == outbox.MAX_ATTEMPTS and "SMTP down" in email.last_error
    body = login(so).get(reverse("core:inbox")).content.decode()
    assert "邮件发送失败" in body and "SMTP down" in body


def test_the_sweep_resends_queued_mail_and_revives_mail_stuck_sending(users, settings, django_capture_on_commit_callbacks):
    so = _with_email(users["street_officer"], "so@example.gov.cn")
    waiting = inbox.notify([so], kind="other", title="waiting")[0].email  # on_commit never ran: as if the broker was down
    stuck = inbox.notify([so], kind="other", title="stuck")[0].email
    OutboxEmail.objects.filter(pk=stuck.pk).update(status="sending", claimed_at=timezone.now(), attempts=1)  # its worker died
    assert outbox.sweep() == {"revived": 0, "waiting": 0, "enqueued": 0}  # too early for both
    later = timezone.now() + max(outbox.sending_timeout(), outbox.RESEND_AFTER) + timedelta(seconds=1)
    result = outbox.sweep(now=later)  # eager Celery: enqueued = sent here
    assert result == {"revived": 1, "waiting": 1, "enqueued": 2}
    assert sorted(m.subject for m in mail.outbox) == ["【生态网格】stuck", "【生态网格】waiting"]
    assert outbox.sweep(now=later + timedelta(hours=1)) == {"revived": 0, "waiting": 0, "enqueued": 0}
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_inbox_badge_reading_and_someone_elses_message(users, login, django_assert_num_queries):
    gw = users["grid_worker"]
    for i in range(3):
        inbox.notify([gw], kind="verify_needed", title="待核查", body=f"请核查 {i}", url=reverse("cases:mine"))
    client = login(gw)
    with django_assert_num_queries(4):  # session, user, profile (role), the unread count
        badge = client.get(reverse("core:inbox_badge"))
    assert badge.content.decode().strip().endswith(">3</span>")
    page = client.get(reverse("core:inbox")).content.decode()
    assert "3 条未读" in page and "请核查 2" in page
    first = Notification.objects.filter(recipient=gw).order_by("id").first()
    assert client.get(reverse("core:notification", args=[first.pk]))["Location"] == reverse("cases:mine")
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("core:inbox_read_all"))
    assert client.get(reverse("core:inbox_badge")).content.decode().strip() == ""
    other = inbox.notify([users["street_officer"]], kind="other", title="x")[0]
    assert client.get(reverse("core:notification", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_a_link_to_another_site_is_not_followed(users, login):
    note = inbox.notify([users["grid_worker"]], kind="other", title="x", url="https://evil.example.com/")[0]
    assert login(users["grid_worker"]).get(reverse("core:notification", args=[note.pk]))["Location"] == reverse("core:inbox")


def test_inbox_list_query_count_is_constant_and_pages(users, login, django_assert_num_queries):
    gw = users["grid_worker"]
    client = login(gw)
    for n in (5, 120):
        Notification.objects.bulk_create([Notification(recipient=gw, kind="other", title=f"m{i}") for i in range(n)])
        with django_assert_num_queries(5):  # session, user, profile, the page (with its e-mail rows), the unread count
            page = client.get(reverse("core:inbox"))
        assert page.status_code == 200
    assert page.context["next_before"] is not None
    older = client.get(reverse("core:inbox"), {"before": page.context["next_before"]})
    assert older.status_code == 200 and len(older.context["notifications"]) == 50
    assert client.get(reverse("core:inbox"), {"before": "9" * 40}).status_code == 200  # nonsense cursor: first page


def test_every_role_has_the_inbox_in_its_menu_with_a_live_badge(users, login):
    body = login(users["grid_worker"]).get(reverse("core:inbox")).content.decode()
    assert f'hx-get="{reverse("core:inbox_badge")}"' in body
