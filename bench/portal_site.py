"""Settings for the portal benchmark's server: ParkPact's own, with the static files collected
into the benchmark's data folder rather than the project's ``staticfiles/``, and the clock
moved to the city's last days.

``python -m bench portal`` runs ``collectstatic`` and gunicorn with
``DJANGO_SETTINGS_MODULE=bench.portal_site``, so pages render with the production storage
(hashed names from the manifest) as they would in service. The city's evidence is dated (its
year starts in January 2025) while the portal shows windows ending now (the last 90 days of
reports, the last twelve months of inspections), so ``PARKPACT_BENCH_NOW`` (ISO 8601) shifts
``django.utils.timezone.now`` by a fixed offset: time still passes, from that moment on.
ParkPact always calls ``timezone.now()`` through the module, so the shift reaches every use.
Nothing in the product imports this module.
"""

import os
from datetime import UTC, datetime

from django.utils import timezone

from parkpact.settings import *  # noqa: F403
from parkpact.settings import DATA_DIR

STATIC_ROOT = DATA_DIR / "static"


def shift_clock(moment: datetime) -> None:
    """From now on this process's ``timezone.now()`` reads ``moment`` plus the time elapsed."""
    offset = moment - datetime.now(tz=UTC)
    real_now = timezone.now

    def shifted() -> datetime:
        return real_now() + offset

    timezone.now = shifted


if os.environ.get("PARKPACT_BENCH_NOW"):
    shift_clock(datetime.fromisoformat(os.environ["PARKPACT_BENCH_NOW"]))
