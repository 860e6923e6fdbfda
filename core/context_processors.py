from . import navigation as nav
from .roles import GW, user_role  # noqa: F401  (user_role: other apps import it from here)


def navigation(request):
    """The header menu, and the grid worker's phone tiles (entries declared in each app's menu.py)."""
    role = user_role(getattr(request, "user", None))
    if role is None:
        return {"nav_items": [], "user_role": None}
    return {
        "nav_items": nav.menu_for(role, request.path),
        "user_role": role,
        "mobile_tiles": nav.tiles() if role == GW else [],
    }
