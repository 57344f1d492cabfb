from django.db import migrations


def load_catalogue(apps, schema_editor):
    from parkpact.servicerequests import catalogue

    catalogue.load(
        apps.get_model("servicerequests", "Service"),
        apps.get_model("servicerequests", "ServiceAttribute"),
    )


class Migration(migrations.Migration):
    dependencies = [("servicerequests", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
