# Added by the dispatch capability: the partial index behind the dispatcher workbench
# (dispatch.selectors.dispatcher_queue, keyset-paginated on (handle_deadline, id)).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["registered", "returned", "dispatched", "accepted", "handled", "verified"])
                ),
                fields=["tier", "handle_deadline", "id"],
                name="case_dispatch_queue_idx",
            ),
        ),
    ]
