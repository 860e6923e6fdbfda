from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .navigation import role_home
from .roles import user_role


@login_required
def home(request):
    """Send each role to its own home page (declared by the apps: ROLE_HOME in <app>/menu.py)."""
    url = role_home(user_role(request.user))
    if url:
        return redirect(url)
    return render(request, "no_role.html", status=403)


def healthz(request):
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the vendored icon."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("favicon.svg"))
