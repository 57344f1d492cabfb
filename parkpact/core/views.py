from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import AuditEvent
from .permissions import LEDGER_ROLES, SIGNED_IN_ROLES, role_required
from .services import verify_ledger


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
    return render(request, "core/home.html")


@role_required(LEDGER_ROLES)
def ledger(request: HttpRequest) -> HttpResponse:
    page = Paginator(AuditEvent.objects.order_by("-seq"), 50).get_page(request.GET.get("page"))
    return render(request, "core/ledger.html", {"page_obj": page, "verdict": verify_ledger()})
