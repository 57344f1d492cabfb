"""Staff and provider queues of service requests, and each request's page."""

from django.http import HttpRequest, HttpResponse

from parkpact.core.permissions import SIGNED_IN_ROLES, role_required


@role_required(SIGNED_IN_ROLES)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
