"""Orders raised by a sensor alert: no finding, but a standard (copied from the finding for the
orders issued so far) and an origin that says which of the two raised it."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def copy_standard_from_finding(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    RectificationOrder = apps.get_model("inspections", "RectificationOrder")
    Finding = apps.get_model("inspections", "Finding")
    RectificationOrder.objects.filter(standard__isnull=True, finding__isnull=False).update(
        standard_id=models.Subquery(
            Finding.objects.filter(pk=models.OuterRef("finding_id")).values("standard_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0004_assessment_terms"),
        ("inspections", "0002_order_rectified_at"),
        ("providers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="rectificationorder",
            name="origin",
            field=models.CharField(
                choices=[("inspection", "Inspection"), ("sensor_alert", "Sensor alert")],
                default="inspection",
                max_length=16,
                verbose_name="raised by",
            ),
        ),
        migrations.AddField(
            model_name="rectificationorder",
            name="standard",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orders",
                to="contracts.performancestandard",
                verbose_name="standard",
            ),
        ),
        migrations.AlterField(
            model_name="rectificationorder",
            name="finding",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="order",
                to="inspections.finding",
                verbose_name="finding",
            ),
        ),
        migrations.AddConstraint(
            model_name="rectificationorder",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("finding__isnull", False), ("origin", "inspection")),
                    models.Q(("finding__isnull", True), ("origin", "sensor_alert")),
                    _connector="OR",
                ),
                name="inspections_order_has_a_cause",
            ),
        ),
        # Last: on PostgreSQL, rows updated before an ALTER TABLE in the same transaction fail it.
        migrations.RunPython(copy_standard_from_finding, migrations.RunPython.noop),
    ]
