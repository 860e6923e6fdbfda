from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .roles import user_role


def role_required(*roles):
    """Allow only staff with one of `roles` (superusers always pass). Login is required first."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            role = user_role(request.user)
            if not (request.user.is_superuser or role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # read by tests/security (the jurisdiction matrix)
        return wrapper

    return decorator
