"""The JSON API at /api/v1/: one NinjaAPI, with a router from each app's api.py.

See docs/api.md for authentication, the error format and every endpoint.
"""

from parkpact.assessments.api import router as assessments_router
from parkpact.contracts.api import router as contracts_router
from parkpact.core.api import SIGNED_IN, BundledSwagger, ParkPactAPI
from parkpact.core.api import router as core_router
from parkpact.inspections.api import router as field_router
from parkpact.parks.api import router as parks_router
from parkpact.patrols.api import router as patrols_router
from parkpact.procurement.api import router as procurement_router
from parkpact.providers.api import router as providers_router
from parkpact.sensors.api import router as sensors_router
from parkpact.servicerequests.api import router as service_requests_router

api = ParkPactAPI(
    title="ParkPact API",
    version="1",
    description=(
        "Parks, zones, providers and contracts of the park management centre. "
        'Errors: {"error": {"code", "message", "fields"}}. '
        "Money is a decimal string, never a number."
    ),
    urls_namespace="api",
    auth=SIGNED_IN,
    docs=BundledSwagger(),
)
api.add_router("", core_router)
api.add_router("", parks_router)
api.add_router("/providers", providers_router)
api.add_router("/contracts", contracts_router)
api.add_router("/field", field_router)
api.add_router("/service-requests", service_requests_router)
api.add_router("/patrols", patrols_router)
api.add_router("/sensors", sensors_router)
api.add_router("/assessments", assessments_router)
api.add_router("/procurement", procurement_router)
