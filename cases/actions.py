"""Where the case page sends each action: a small registry other apps fill additively.

The detail page lists the actions the current user may do now. Actions that need
their own form (department, deadlines …) are provided by the dispatch app, which
registers its URL names here, e.g. in ``dispatch/apps.py`` ``ready()``::

    from cases.actions import ACTION_URL_NAMES
    ACTION_URL_NAMES.update({"dispatch": "dispatch:case_dispatch", "accept": "dispatch:case_accept"})

Each URL name must take the case number as its only argument. Anything not
registered falls back to the generic action page ``cases:act``.
"""

from django.urls import NoReverseMatch, reverse

ACTION_URL_NAMES: dict[str, str] = {}


# The on-site check has its own page (outcome, reason, photo of the site), for both outcomes.
OWN_PAGES = {"verify": "cases:verify", "verify_fail": "cases:verify"}


def action_url(action: str, number: str) -> str:
    name = ACTION_URL_NAMES.get(action)
    if name:
        try:
            return reverse(name, args=[number])
        except NoReverseMatch:
            pass
    if action in OWN_PAGES:
        return f"{reverse(OWN_PAGES[action], args=[number])}?outcome={action}"
    return reverse("cases:act", args=[number, action])
