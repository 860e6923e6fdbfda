"""Notifications move to the one inbox of core (core.Notification, e-mail as core.OutboxEmail).

Every row is copied with its id (links to /inbox/<id>/ keep working), its text as the body,
the kind's label as the title and the case page as its link; e-mail still queued or being
sent becomes a queued outbox row (the outbox sweep sends it), sent or failed e-mail keeps
its status. Then dispatch's table is dropped. Reversible: the copy goes back the same way.
"""

from django.conf import settings
from django.db import migrations

TITLES = {
    "dispatched": "新派遣", "returned": "退单", "deadline_warning": "即将超时", "overdue": "已超时",
    "escalated": "升级", "verify_needed": "待核查", "consultation": "会商邀请", "follow_up": "整改复查", "other": "其他",
}
OUTBOX_STATUS = {"queued": "queued", "sending": "queued", "sent": "sent", "failed": "failed"}


def case_url(case) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("cases:detail", args=[case.number])
    except NoReverseMatch:
        return ""


def forwards(apps, schema_editor):
    Old = apps.get_model("dispatch", "Notification")
    New = apps.get_model("core", "Notification")
    Outbox = apps.get_model("core", "OutboxEmail")
    batch = []
    for old in Old.objects.select_related("recipient", "case").order_by("id").iterator(chunk_size=2000):
        email = None
        if old.email_status in OUTBOX_STATUS and old.recipient.email:
            email = Outbox.objects.create(
                to=old.recipient.email, subject=f"【生态网格】{TITLES.get(old.kind, old.kind)}", body=old.text,
                status=OUTBOX_STATUS[old.email_status], last_error=old.email_error,
                sent_at=old.created_at if old.email_status == "sent" else None,
            )
        batch.append(New(
            id=old.id, recipient_id=old.recipient_id, kind=old.kind, title=TITLES.get(old.kind, old.kind), body=old.text,
            url=case_url(old.case) if old.case_id else "", about=f"case:{old.case.number}" if old.case_id else "", read_at=old.read_at, email=email,
        ))
        if len(batch) >= 2000:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)
    # created_at is auto_now_add: restore the original times.
    for old in Old.objects.only("id", "created_at").iterator(chunk_size=2000):
        New.objects.filter(id=old.id).update(created_at=old.created_at)
    reset_sequence(schema_editor, New)


def backwards(apps, schema_editor):
    Old = apps.get_model("dispatch", "Notification")
    New = apps.get_model("core", "Notification")
    status = {"queued": "queued", "sending": "queued", "sent": "sent", "failed": "failed"}
    for new in New.objects.select_related("email").order_by("id").iterator(chunk_size=2000):
        Old.objects.create(
            id=new.id, recipient_id=new.recipient_id, kind=new.kind if new.kind in TITLES else "other", text=new.body[:500],
            read_at=new.read_at, email_status=status.get(new.email.status, "") if new.email_id else "",
            email_error=new.email.last_error if new.email_id else "",
        )
    reset_sequence(schema_editor, Old)


def reset_sequence(schema_editor, model):
    from django.core.management.color import no_style

    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0003_routing_calendar_notices_consultations"),
        ("core", "0003_inbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="Notification"),
    ]
