from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .context_processors import user_role
from .navigation import ROLE_HOME


@login_required
def home(request):
    """Send each role to its own home page."""
    role = user_role(request.user)
    if role in ROLE_HOME:
        return redirect(ROLE_HOME[role])
    return render(request, "no_role.html", status=403)


def healthz(request):
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
