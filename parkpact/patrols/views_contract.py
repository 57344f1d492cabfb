"""A security contract's patrol set-up, for managers: its routes, their schedules and the
incident response target (``/patrols/contracts/<pk>/``).

Other centre staff and the contractor's own staff get 403; a provider asking for another
company's contract gets 404. Every change goes through ``services``, and a refusal comes back
on the page, in the user's language, with nothing saved.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpact.contracts.models import Contract
from parkpact.core.forms import add_service_errors
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user

from . import incidents, services
from .forms import ResponseTargetForm, RouteForm, ScheduleForm
from .models import Checkpoint, PatrolRoute, PatrolSchedule, RouteCheckpoint


def _managed_contract(request: HttpRequest, pk: int) -> Contract:
    """The security contract, if the user may see it (else 404) and manage it (else 403)."""
    user = signed_in_user(request)
    contract = get_object_or_404(
        Contract.objects.visible_to(user)
        .filter(service_kind=Contract.ServiceKind.SECURITY)
        .select_related("provider"),
        pk=pk,
    )
    if not user.has_role(*MANAGING_ROLES):
        raise PermissionDenied
    return contract


def _available_checkpoints(contract: Contract) -> list[Checkpoint]:
    return list(
        Checkpoint.objects.filter(facility__zone__in=contract.zones.all())
        .select_related("facility__zone")
        .order_by("facility__code")
    )


def _page(
    request: HttpRequest,
    contract: Contract,
    *,
    route_form: RouteForm | None = None,
    schedule_form: ScheduleForm | None = None,
    target_form: ResponseTargetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    available = _available_checkpoints(contract)
    routes_qs = PatrolRoute.objects.filter(contract=contract).order_by("name")
    routes = list(
        routes_qs.prefetch_related(
            Prefetch(
                "stops",
                queryset=RouteCheckpoint.objects.select_related("checkpoint__facility").order_by(
                    "position"
                ),
            )
        )
    )
    schedules = list(
        PatrolSchedule.objects.filter(route__contract=contract)
        .select_related("route")
        .order_by("-active", "route__name", "daily_from", "pk")
    )
    target = incidents.response_target_minutes(contract)
    return render(
        request,
        "patrols/contract_patrols.html",
        {
            "contract": contract,
            "routes": routes,
            "schedules": schedules,
            "response_target": target,
            "target_is_default": not hasattr(contract, "response_target"),
            "available": available,
            "route_form": route_form or RouteForm(available=available),
            "schedule_form": schedule_form or ScheduleForm(routes=routes_qs),
            "target_form": target_form or ResponseTargetForm(initial={"minutes": target}),
        },
        status=status,
    )


@role_required(SIGNED_IN_ROLES)
def contract_patrols(request: HttpRequest, contract_pk: int) -> HttpResponse:
    return _page(request, _managed_contract(request, contract_pk))


@require_POST
@role_required(SIGNED_IN_ROLES)
def route_create(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = _managed_contract(request, contract_pk)
    form = RouteForm(request.POST, available=_available_checkpoints(contract))
    if form.is_valid():
        data = form.cleaned_data
        try:
            route = services.create_route(
                contract=contract,
                name=data["name"],
                checkpoints=data["checkpoints"],
                order_mode=data["order_mode"],
                by=signed_in_user(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Route %(name)s is added.") % {"name": route.name})
            return redirect("patrols:contract_patrols", contract_pk=contract.pk)
    return _page(request, contract, route_form=form, status=400)


@require_POST
@role_required(SIGNED_IN_ROLES)
def schedule_create(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = _managed_contract(request, contract_pk)
    form = ScheduleForm(request.POST, routes=PatrolRoute.objects.filter(contract=contract))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_schedule(
                route=data["route"],
                every_minutes=data["every_minutes"],
                daily_from=data["daily_from"],
                daily_to=data["daily_to"],
                window_minutes=data["window_minutes"],
                by=signed_in_user(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The schedule is added: its rounds are planned from the next daily run."),
            )
            return redirect("patrols:contract_patrols", contract_pk=contract.pk)
    return _page(request, contract, schedule_form=form, status=400)


def _switch_schedule(
    request: HttpRequest, contract_pk: int, pk: int, *, active: bool
) -> HttpResponse:
    contract = _managed_contract(request, contract_pk)
    schedule = get_object_or_404(PatrolSchedule, pk=pk, route__contract=contract)
    services.set_schedule_active(schedule=schedule, active=active, by=signed_in_user(request))
    if active:
        messages.success(request, _("The schedule plans rounds again."))
    else:
        messages.success(
            request, _("The schedule is stopped: rounds already planned still take place.")
        )
    return redirect("patrols:contract_patrols", contract_pk=contract.pk)


@require_POST
@role_required(SIGNED_IN_ROLES)
def schedule_deactivate(request: HttpRequest, contract_pk: int, pk: int) -> HttpResponse:
    return _switch_schedule(request, contract_pk, pk, active=False)


@require_POST
@role_required(SIGNED_IN_ROLES)
def schedule_activate(request: HttpRequest, contract_pk: int, pk: int) -> HttpResponse:
    return _switch_schedule(request, contract_pk, pk, active=True)


@require_POST
@role_required(SIGNED_IN_ROLES)
def response_target_set(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = _managed_contract(request, contract_pk)
    form = ResponseTargetForm(request.POST)
    if form.is_valid():
        try:
            target = services.set_response_target(
                contract=contract, minutes=form.cleaned_data["minutes"], by=signed_in_user(request)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The response target is %(minutes)s minutes for incidents reported from now on.")
                % {"minutes": target.minutes},
            )
            return redirect("patrols:contract_patrols", contract_pk=contract.pk)
    return _page(request, contract, target_form=form, status=400)
