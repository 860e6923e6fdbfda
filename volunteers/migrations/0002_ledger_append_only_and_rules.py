"""The points ledger is append-only in the database too (PostgreSQL trigger), and the default
points rules (+2 adopted report, +5 handled by the volunteer, +1 active month) exist."""

from django.db import migrations

TRIGGER = """
CREATE OR REPLACE FUNCTION volunteers_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'volunteers_pointentry is append-only: add a correction entry instead';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS volunteers_ledger_append_only ON volunteers_pointentry;
CREATE TRIGGER volunteers_ledger_append_only BEFORE UPDATE OR DELETE ON volunteers_pointentry
    FOR EACH ROW EXECUTE FUNCTION volunteers_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS volunteers_ledger_append_only ON volunteers_pointentry;
DROP FUNCTION IF EXISTS volunteers_ledger_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)
    PointRule = apps.get_model("volunteers", "PointRule")
    for code, points in (("adopted", 2), ("self_handled", 5), ("monthly_activity", 1)):
        PointRule.objects.get_or_create(code=code, defaults={"points": points})


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
