from . import navigation as nav
from .roles import GW, user_role  # noqa: F401  (user_role: other apps import it from here)


def navigation(request):
    """The header menu, the role's home (the brand links straight to it: "/" only redirects there,
    and a page the phone keeps for offline use must not link to one it cannot open without a
    signal), and the grid worker's phone tiles (entries declared in each app's menu.py)."""
    role = user_role(getattr(request, "user", None))
    if role is None:
        return {"nav_items": [], "user_role": None}
    return {
        "nav_items": nav.menu_for(role, request.path),
        "user_role": role,
        "role_home": nav.role_home(role),
        "mobile_tiles": nav.tiles() if role == GW else [],
    }
