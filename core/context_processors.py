from django.urls import NoReverseMatch, reverse

from .navigation import MENU, MENU_BADGES, MOBILE_TILES


def user_role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.role
    return "administrator" if user.is_superuser else None


def navigation(request):
    role = user_role(getattr(request, "user", None))
    if role is None:
        return {"nav_items": [], "user_role": None}
    items = []
    path = request.path
    for url_name, label, roles in MENU:
        if role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        badge = ""
        if url_name in MENU_BADGES:  # a tiny htmx fragment (e.g. unread messages), fetched after the page
            try:
                badge = reverse(MENU_BADGES[url_name])
            except NoReverseMatch:
                pass
        items.append({"url": url, "label": label, "active": path == url or (url != "/" and path.startswith(url)), "badge": badge})
    tiles = []
    if role == "grid_worker":
        for url_name, label, hint in MOBILE_TILES:
            try:
                tiles.append({"url": reverse(url_name), "label": label, "hint": hint})
            except NoReverseMatch:
                continue
    return {"nav_items": items, "user_role": role, "mobile_tiles": tiles}
