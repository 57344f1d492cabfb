"""Who may open which page: role checks for views. Object scope is each QuerySet's visible_to."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import CENTRE_ROLES, Role, User

View = Callable[..., HttpResponse]

# Roles that may change the registry and contracts.
MANAGING_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
# Roles that may read the audit ledger.
LEDGER_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
# Everyone who signs in: centre staff and contractor staff (scoped to their company).
SIGNED_IN_ROLES = CENTRE_ROLES | {Role.PROVIDER}


def role_required(roles: frozenset[str]) -> Callable[[View], View]:
    """Anonymous visitors go to the login page; a signed-in user in another role gets 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user, in a view or endpoint that has already turned anonymous callers away."""
    user = request.user
    assert isinstance(user, User)
    return user
