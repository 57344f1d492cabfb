"""A rule names the performance standard its alerts count for and whether they open a
rectification order; an alert keeps the order it opened. The starting rules get their
standards (CL-04 bins emptied before overflowing, CL-03 toilet ammonia)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

STANDARD_OF = [("waste_container", "fillingLevel", "CL-04"), ("toilet_air", "nh3", "CL-03")]


def name_standards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    SensorRule = apps.get_model("sensors", "SensorRule")
    for kind, quantity, code in STANDARD_OF:
        SensorRule.objects.filter(device_kind=kind, quantity=quantity, standard_code="").update(
            standard_code=code
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_order_standard_and_alert_origin"),
        ("sensors", "0003_default_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="order",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="alert",
                to="inspections.rectificationorder",
                verbose_name="rectification order",
            ),
        ),
        migrations.AddField(
            model_name="sensorrule",
            name="opens_order",
            field=models.BooleanField(
                default=True,
                help_text="An alert opens an order for the responsible contract, due within the standard's hours to rectify.",
                verbose_name="opens a rectification order",
            ),
        ),
        migrations.AddField(
            model_name="sensorrule",
            name="standard_code",
            field=models.CharField(
                blank=True,
                help_text="The code of the performance standard whose alerts count, e.g. CL-03.",
                max_length=16,
                verbose_name="performance standard",
            ),
        ),
        migrations.RunPython(name_standards, migrations.RunPython.noop),
    ]
