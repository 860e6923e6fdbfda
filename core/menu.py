"""core's menu entry: the inbox, for every role, with its unread badge (see core/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from core.roles import ALL

MENU = [("core:inbox", _("Inbox"), ALL, 900)]
BADGES = {"core:inbox": "core:inbox_badge"}
