"""The inbox page, its unread badge (an htmx fragment for the menu) and mark-read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import inbox as service


@login_required
def inbox(request):
    before = request.GET.get("before", "")
    unread_only = request.GET.get("unread") == "1"
    rows = service.inbox_page(user=request.user, unread_only=unread_only, before=int(before) if before.isdigit() and len(before) < 19 else None)
    page, more = rows[: service.PAGE_SIZE], len(rows) > service.PAGE_SIZE
    return render(request, "core/inbox.html", {
        "notifications": page, "next_before": page[-1].pk if more else None, "unread_only": unread_only,
        "unread": service.unread_count(user=request.user),
    })


@login_required
def inbox_badge(request):
    """The unread count for the menu (a tiny htmx fragment)."""
    return render(request, "core/_inbox_badge.html", {"unread": service.unread_count(user=request.user)})


@login_required
def notification_open(request, pk: int):
    notification = service.get_for_user(user=request.user, pk=pk)
    service.mark_read(user=request.user, notification=notification)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(url)
    return redirect("core:inbox")


@login_required
@require_POST
def inbox_read_all(request):
    n = service.mark_all_read(user=request.user)
    messages.success(request, _("%(n)s messages marked as read.") % {"n": n})
    return redirect("core:inbox")
