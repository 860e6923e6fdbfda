"""The in-app inbox, its unread badge, and email through Django's email backend."""

import pytest
from django.core import mail
from django.urls import reverse

from dispatch import services
from dispatch.models import Notification

pytestmark = pytest.mark.django_db


def test_notification_send_for_other_apps_and_email_after_commit(users, report, django_capture_on_commit_callbacks):
    officer = users["street_officer"]
    officer.email = "so@example.gov.cn"
    officer.save(update_fields=["email"])
    case = report("0101")
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.notification_send(users=[officer, users["grid_worker"], officer], kind=Notification.Kind.OTHER, case=case, text="请核对台账")
    assert len(sent) == 2  # one each, duplicates folded
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["so@example.gov.cn"] and "请核对台账" in mail.outbox[0].body
    assert mail.outbox[0].subject == "【生态网格】其他"
    assert Notification.objects.get(recipient=officer).email_status == "sent"
    assert Notification.objects.get(recipient=users["grid_worker"]).email_status == ""


def test_email_is_not_sent_twice_when_the_task_is_redelivered(users, report):
    officer = users["street_officer"]
    officer.email = "so@example.gov.cn"
    officer.save(update_fields=["email"])
    note = services.notification_send(users=[officer], kind="other", text="x")[0]
    assert services.notification_email_deliver(notification_id=note.pk) == "sent"
    assert services.notification_email_deliver(notification_id=note.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_email_failure_is_retried_then_shown_in_the_inbox(users, settings, login):
    settings.EMAIL_BACKEND = "tests.dispatch.test_notifications.BrokenBackend"
    officer = users["street_officer"]
    officer.email = "so@example.gov.cn"
    officer.save(update_fields=["email"])
    note = services.notification_send(users=[officer], kind="other", text="x")[0]
    from dispatch.tasks import notification_email

    assert notification_email.apply(args=[note.pk]).get() == "failed"
    note.refresh_from_db()
    assert note.email_status == "failed" and "SMTP down" in note.email_error
    body = login(officer).get(reverse("dispatch:inbox")).content.decode()
    assert "邮件发送失败" in body and "SMTP down" in body


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_inbox_badge_and_reading(users, login, django_assert_num_queries):
    gw = users["grid_worker"]
    for i in range(3):
        services.notification_send(users=[gw], kind="verify_needed", text=f"请核查 {i}")
    client = login(gw)
    # session, user, profile (role), the unread count
    with django_assert_num_queries(4):
        badge = client.get(reverse("dispatch:inbox_badge"))
    assert badge.content.decode().strip().endswith(">3</span>")
    page = client.get(reverse("dispatch:inbox")).content.decode()
    assert "3 条未读" in page and "请核查 2" in page
    first = Notification.objects.filter(recipient=gw).order_by("id").first()
    client.get(reverse("dispatch:notification", args=[first.pk]))
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("dispatch:inbox_read_all"))
    assert client.get(reverse("dispatch:inbox_badge")).content.decode().strip() == ""


def test_someone_elses_notification_is_404(users, login):
    note = services.notification_send(users=[users["street_officer"]], kind="other", text="x")[0]
    assert login(users["grid_worker"]).get(reverse("dispatch:notification", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_inbox_list_query_count_is_constant(users, login, django_assert_num_queries):
    gw = users["grid_worker"]
    client = login(gw)
    for n in (5, 120):
        Notification.objects.bulk_create([Notification(recipient=gw, kind="other", text=f"m{i}") for i in range(n)])
        # session, user, profile, the page of notifications (with their cases), the unread count
        with django_assert_num_queries(5):
            assert client.get(reverse("dispatch:inbox")).status_code == 200


def test_menu_shows_the_inbox_with_a_live_badge(users, login):
    body = login(users["grid_worker"]).get(reverse("dispatch:inbox")).content.decode()
    assert f'hx-get="{reverse("dispatch:inbox_badge")}"' in body


def test_opening_a_message_leads_where_the_user_acts(report, users, departments, dept_users, login):
    from django.utils import timezone

    case = services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=users["street_officer"])
    dept = login(dept_users["cgzf_s1"])
    dispatched = Notification.objects.get(recipient=dept_users["cgzf_s1"], kind="dispatched")
    assert dept.get(reverse("dispatch:notification", args=[dispatched.pk]))["Location"] == reverse("dispatch:case", args=[case.number])
    other = report("0901")
    consultation = services.consultation_open(case=other, by=users["street_officer"], topic="t", meeting_at=timezone.now(), departments=[departments["CGZF-440604011"]])
    invite = Notification.objects.get(recipient=dept_users["cgzf_s1"], kind="consultation")
    assert dept.get(reverse("dispatch:notification", args=[invite.pk]))["Location"] == reverse("dispatch:consultation", args=[consultation.pk])
    case = services.case_accept(case=case, by=dept_users["cgzf_s1"])
    from .conftest import photos

    services.case_handle(case=case, by=dept_users["cgzf_s1"], note="已处置", evidence_items=photos())
    verify = Notification.objects.get(recipient=users["grid_worker"], kind="verify_needed")
    gw = login(users["grid_worker"])
    assert gw.get(reverse("dispatch:notification", args=[verify.pk]))["Location"] == reverse("cases:verify", args=[case.number])
