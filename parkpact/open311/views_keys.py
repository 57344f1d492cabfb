"""The administrators' screen for Open311 API keys: issue one (shown once), see when each was
last used, revoke one with a reason. Only administrators issue keys to integrators."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from parkpact.core.forms import add_service_errors
from parkpact.core.models import Role
from parkpact.core.permissions import role_required, signed_in_user

from .forms import ApiKeyForm, RevokeKeyForm
from .models import ApiKey
from .services import create_key, revoke_key

ADMIN_ROLES = frozenset({Role.ADMIN})


@role_required(ADMIN_ROLES)
@never_cache
@require_http_methods(["GET", "POST"])
def key_list(request: HttpRequest) -> HttpResponse:
    """Every key, active ones first; a new key is shown on this answer only."""
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            api_key, new_key = create_key(
                name=form.cleaned_data["name"],
                requests_per_hour=form.cleaned_data["requests_per_hour"],
                by=signed_in_user(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The key for %(name)s is made.") % {"name": api_key.name})
            form = ApiKeyForm()
    keys = ApiKey.objects.select_related("created_by").order_by("revoked_at", "name")
    return render(
        request, "open311/key_list.html", {"form": form, "keys": keys, "new_key": new_key}
    )


@role_required(ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = get_object_or_404(ApiKey, pk=pk)
    if api_key.revoked_at is not None:
        messages.info(request, _("This key is already revoked."))
        return redirect("open311_keys:key_list")
    form = RevokeKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoke_key(key=api_key, by=signed_in_user(request), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The key for %(name)s is revoked.") % {"name": api_key.name}
            )
            return redirect("open311_keys:key_list")
    return render(request, "open311/key_revoke.html", {"form": form, "api_key": api_key})
