"""The centre's starting rules; managers tune them in the admin (see docs/sensors.md)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

RULES = [
    ("waste_container", "fillingLevel", 0.9, 30, "Bin at least 90 % full for 30 minutes"),
    ("toilet_air", "nh3", 1.0, 15, "Ammonia above the toilet air grade for 15 minutes"),
    ("toilet_air", "h2s", 0.07, 15, "Hydrogen sulphide above the toilet air grade for 15 minutes"),
    ("visitor_counter", "peopleCount", 500, 0, "Visitor peak: 500 or more counted in one report"),
]


def add_rules(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    SensorRule = apps.get_model("sensors", "SensorRule")
    for kind, quantity, threshold, minutes, description in RULES:
        SensorRule.objects.get_or_create(
            device_kind=kind,
            quantity=quantity,
            defaults={
                "threshold": threshold,
                "duration_minutes": minutes,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sensors", "0002_partition_readings")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
