"""Settings for the open311 benchmark's server: ParkPact's own, plus a bench-only URL.

``python -m bench open311`` starts gunicorn with ``DJANGO_SETTINGS_MODULE=bench.floor_site``
so that the same server answers both ParkPact's Open311 endpoints and the floor it is measured
against (``bench.floor_urls``). Nothing in the product imports this module.
"""

from parkpact.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
