"""Provider pages: the companies the centre contracts with, their qualifications and staff.

Centre staff see every company; a provider's own staff may open their company's page (reached
from their contract page) and get 404 for any other company.
"""

import copy
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpact.core.forms import add_service_errors
from parkpact.core.models import CENTRE_ROLES, User
from parkpact.core.permissions import MANAGING_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user

from . import services
from .forms import USERNAME_TAKEN, ProviderForm, QualificationForm, StaffAccountForm
from .models import Provider, Qualification, StaffMember


@dataclass(frozen=True)
class QualificationRow:
    """A qualification and how urgent it is: expired (red), expiring soon (amber) or valid."""

    qualification: Qualification
    expired: bool
    expires_soon: bool


@role_required(CENTRE_ROLES)
def provider_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    warning_until = today + timedelta(days=settings.QUALIFICATION_WARNING_DAYS)
    providers = Provider.objects.annotate(
        contract_count=Count("contracts", distinct=True),
        expired_count=Count(
            "qualifications", filter=Q(qualifications__valid_until__lt=today), distinct=True
        ),
        expiring_count=Count(
            "qualifications",
            filter=Q(qualifications__valid_until__range=(today, warning_until)),
            distinct=True,
        ),
    ).order_by("name")
    return render(
        request,
        "providers/provider_list.html",
        {"providers": providers, "can_manage": signed_in_user(request).has_role(*MANAGING_ROLES)},
    )


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    staff_form: StaffAccountForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The company page; after a refused staff account, with that form and its errors."""
    user = signed_in_user(request)
    provider = get_object_or_404(
        Provider.objects.visible_to(user).prefetch_related(
            Prefetch("qualifications", queryset=Qualification.objects.order_by("valid_until")),
            Prefetch(
                "staff",
                queryset=StaffMember.objects.select_related("user").order_by("user__username"),
            ),
            "contracts",
        ),
        pk=pk,
    )
    today = timezone.localdate()
    qualifications = [
        QualificationRow(
            qualification=q,
            expired=q.is_expired(today),
            expires_soon=q.expires_soon(today, within_days=settings.QUALIFICATION_WARNING_DAYS),
        )
        for q in provider.qualifications.all()
    ]
    can_manage = user.has_role(*MANAGING_ROLES)
    return render(
        request,
        "providers/provider_detail.html",
        {
            "provider": provider,
            "qualifications": qualifications,
            "warning_days": settings.QUALIFICATION_WARNING_DAYS,
            "is_centre_staff": user.is_centre_staff,
            "can_manage": can_manage,
            "staff_form": (staff_form or StaffAccountForm()) if can_manage else None,
        },
        status=status,
    )


@role_required(SIGNED_IN_ROLES)
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


def _provider_form_page(
    request: HttpRequest, form: ProviderForm, provider: Provider | None
) -> HttpResponse:
    return render(
        request,
        "providers/provider_form.html",
        {"form": form, "provider": provider},
        status=400 if form.errors else 200,
    )


@role_required(MANAGING_ROLES)
def provider_create(request: HttpRequest) -> HttpResponse:
    form = ProviderForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            provider = services.create_provider(by=signed_in_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Provider %(provider)s added.") % {"provider": provider})
            return redirect("providers:provider_detail", pk=provider.pk)
    return _provider_form_page(request, form, None)


@role_required(MANAGING_ROLES)
def provider_update(request: HttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=pk)
    # The form changes the object it is given; the service needs the company as it was.
    form = ProviderForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(provider)
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_provider(
                provider=provider, by=signed_in_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Provider %(provider)s saved.") % {"provider": provider})
            return redirect("providers:provider_detail", pk=provider.pk)
    return _provider_form_page(request, form, provider)


@role_required(MANAGING_ROLES)
def qualification_create(request: HttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=pk)
    form = QualificationForm(
        request.POST if request.method == "POST" else None,
        instance=Qualification(provider=provider),
    )
    if form.is_bound and form.is_valid():
        try:
            qualification = services.add_qualification(
                provider=provider, by=signed_in_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Qualification %(qualification)s added.") % {"qualification": qualification},
            )
            return redirect("providers:provider_detail", pk=provider.pk)
    return render(
        request,
        "providers/qualification_form.html",
        {"form": form, "provider": provider},
        status=400 if form.errors else 200,
    )


@role_required(MANAGING_ROLES)
@require_POST
def staff_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Give one of the company's people a sign-in account, shown in the company's staff table."""
    provider = get_object_or_404(Provider, pk=pk)
    form = StaffAccountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = services.add_staff_member(
                provider=provider,
                username=data["username"],
                password=data["password"],
                by=signed_in_user(request),
                position=data["position"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except IntegrityError:
            # Someone else took the name between the form's check and the save.
            if not User.objects.filter(username__iexact=data["username"]).exists():
                raise
            form.add_error("username", ValidationError(USERNAME_TAKEN, code="username_taken"))
        else:
            messages.success(
                request,
                _("Staff account %(username)s added: they can sign in now.")
                % {"username": member.user.get_username()},
            )
            return redirect("providers:provider_detail", pk=provider.pk)
    return _detail_page(request, provider.pk, staff_form=form, status=400)
