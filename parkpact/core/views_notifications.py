"""The signed-in person's notifications (overdue orders, new orders…), newest first."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .models import Notification
from .permissions import SIGNED_IN_ROLES, role_required, signed_in_user

PAGE_SIZE = 50


@role_required(SIGNED_IN_ROLES)
@never_cache
def notifications(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    mine = Notification.objects.filter(user=user).order_by("-created_at", "-pk")
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications.html",
        {"page_obj": page, "unread": mine.filter(read_at__isnull=True).count()},
    )


@require_POST
@role_required(SIGNED_IN_ROLES)
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (``id``), or all of them; then go to ``next`` if it is ours.

    Someone else's notification is simply not found, and nothing changes."""
    user = signed_in_user(request)
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    one = request.POST.get("id", "")
    if one:
        unread = unread.filter(pk=int(one)) if one.isdigit() else unread.none()
    unread.update(read_at=timezone.now())
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("core:notifications")
