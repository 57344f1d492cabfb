from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .dashboard import tiles_for
from .forms import ApiTokenForm
from .models import ApiToken, AuditEvent, LedgerCheck, User
from .permissions import LEDGER_ROLES, SIGNED_IN_ROLES, role_required, signed_in_user
from .services import issue_api_token, revoke_api_token
from .tasks import verify_ledger_task


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and `make run`: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@role_required(SIGNED_IN_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """The staff workspace: what waits for the user, counted by each app, then where to go."""
    return render(
        request,
        "core/home.html",
        {"tiles": tiles_for(signed_in_user(request), timezone.now())},
    )


@role_required(LEDGER_ROLES)
def ledger(request: HttpRequest) -> HttpResponse:
    """The entries, newest first, and the latest verification of the chain (by the worker)."""
    page = Paginator(AuditEvent.objects.order_by("-seq"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/ledger.html",
        {"page_obj": page, "check": LedgerCheck.objects.order_by("-checked_at").first()},
    )


@require_POST
@role_required(LEDGER_ROLES)
def verify_ledger_now(request: HttpRequest) -> HttpResponse:
    """Queue a verification: a long chain takes a while, so the worker does it."""
    verify_ledger_task.enqueue()
    messages.info(
        request, _("Verification queued: this page shows the verdict once the worker has run it.")
    )
    return redirect("core:ledger")


@role_required(SIGNED_IN_ROLES)
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own page: role, and personal API tokens (shown once on creation)."""
    user: User = request.user  # type: ignore[assignment]
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        new_token = issue_api_token(user=user, name=form.cleaned_data["name"], by=user)
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(
        request, "core/account.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


@require_POST
@role_required(SIGNED_IN_ROLES)
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    # Another person's token is simply not found.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    revoke_api_token(token=token, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("core:account")
