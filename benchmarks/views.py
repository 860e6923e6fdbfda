"""The bare view the submission figure is measured against (mounted by benchmarks/urls.py only).

It is the floor for "an authenticated phone POSTs a form and a row is written":
the same middleware stack (session, CSRF, locale …), the login check every
submission endpoint needs (session and user read), and one INSERT into
cases_case with its indexes — no form, no grid lookup, no numbering, no
timeline, no routing. The real report form is then expected to
reach at least half its rate (docs/performance.md).
"""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.views.decorators.http import require_http_methods

from cases.models import Case

BARE_PREFIX = "BENCH-"  # numbers of the rows the bare view writes (manage.py bench deletes them)


@login_required
@require_http_methods(["GET", "POST"])
def bare_insert(request):
    if request.method == "GET":  # the load generator fetches its CSRF token here, as from the real form
        return HttpResponse(f'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}"></form>')
    p = request.POST
    client_uuid = uuid.UUID(p["client_uuid"])
    Case.objects.create(
        number=f"{BARE_PREFIX}{client_uuid.hex[:24]}",
        client_uuid=client_uuid,
        category_id=int(p["bench_category"]),
        description=p.get("description", ""),
        latitude=float(p["latitude"]),
        longitude=float(p["longitude"]),
        grid_id=int(p["bench_grid"]),
        region_path=p["bench_path"],
    )
    return HttpResponseRedirect("/")
