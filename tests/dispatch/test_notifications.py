"""dispatch's messages through the one inbox (core/inbox.py): who hears what, and where opening leads."""

import pytest
from django.core import mail
from django.urls import reverse

from core.models import Notification, OutboxEmail
from dispatch import services

pytestmark = pytest.mark.django_db


def test_notification_send_puts_one_message_each_and_emails_after_commit(users, report, django_capture_on_commit_callbacks):
    officer = users["street_officer"]
    officer.email = "so@example.gov.cn"
    officer.save(update_fields=["email"])
    case = report("0101")
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.notification_send(users=[officer, users["grid_worker"], officer], kind=services.NotificationKind.OTHER, case=case, text="请核对台账")
    assert len(sent) == 2  # one each, duplicates folded
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["so@example.gov.cn"] and "请核对台账" in mail.outbox[0].body
    assert mail.outbox[0].subject == "【生态网格】其他"
    assert Notification.objects.get(recipient=officer).email.status == OutboxEmail.Status.SENT
    assert Notification.objects.get(recipient=users["grid_worker"]).email is None
    assert Notification.objects.get(recipient=officer).about == f"case:{case.number}"


def test_an_unknown_kind_is_refused(users):
    with pytest.raises(ValueError):
        services.notification_send(users=[users["street_officer"]], kind="nonsense", text="x")


def test_opening_a_message_leads_where_the_user_acts(report, users, departments, dept_users, login):
    from django.utils import timezone

    case = services.case_dispatch(case=report("0101"), department=departments["CGZF-440604011"], by=users["street_officer"])
    dept = login(dept_users["cgzf_s1"])
    dispatched = Notification.objects.get(recipient=dept_users["cgzf_s1"], kind="dispatched")
    assert dispatched.title == "新派遣" and case.number in dispatched.body
    assert dept.get(reverse("core:notification", args=[dispatched.pk]))["Location"] == reverse("dispatch:case", args=[case.number])
    other = report("0901")
    consultation = services.consultation_open(case=other, by=users["street_officer"], topic="t", meeting_at=timezone.now(), departments=[departments["CGZF-440604011"]])
    invite = Notification.objects.get(recipient=dept_users["cgzf_s1"], kind="consultation")
    assert dept.get(reverse("core:notification", args=[invite.pk]))["Location"] == reverse("dispatch:consultation", args=[consultation.pk])
    case = services.case_accept(case=case, by=dept_users["cgzf_s1"])
    from .conftest import photos

    services.case_handle(case=case, by=dept_users["cgzf_s1"], note="已处置", evidence_items=photos())
    verify = Notification.objects.get(recipient=users["grid_worker"], kind="verify_needed")
    gw = login(users["grid_worker"])
    assert gw.get(reverse("core:notification", args=[verify.pk]))["Location"] == reverse("cases:verify", args=[case.number])
