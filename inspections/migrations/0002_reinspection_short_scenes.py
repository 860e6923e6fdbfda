"""Short scenes and 综合巡查 (Scene.kind), re-inspections of the failed items (Inspection.previous,
item_codes) and the draft's revision (a stale page's bulk action is refused).

Existing versions: a scene named "full"/"all" that holds every item of its version (the demo's
综合巡查 for places of type "other") becomes kind "all", so it is offered at every place.
"""

import django.db.models.deletion
from django.db import migrations, models


def comprehensive_scenes(apps, schema_editor):
    Scene = apps.get_model("inspections", "Scene")
    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    for scene in Scene.objects.filter(code__in=("full", "all")):
        total = ChecklistItem.objects.filter(version_id=scene.version_id).count()
        if total and scene.items.count() == total:
            Scene.objects.filter(pk=scene.pk).update(kind="all")


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='inspection',
            name='item_codes',
            field=models.JSONField(blank=True, default=list, verbose_name='only these items'),
        ),
        migrations.AddField(
            model_name='inspection',
            name='previous',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reinspections', to='inspections.inspection', verbose_name='re-inspection of'),
        ),
        migrations.AddField(
            model_name='inspection',
            name='revision',
            field=models.PositiveIntegerField(default=0, verbose_name='revision'),
        ),
        migrations.AddField(
            model_name='scene',
            name='kind',
            field=models.CharField(choices=[('type', 'Full list'), ('short', 'Short list'), ('all', 'Comprehensive (all items)')], default='type', max_length=8, verbose_name='kind'),
        ),
        migrations.RunPython(comprehensive_scenes, migrations.RunPython.noop),
    ]
