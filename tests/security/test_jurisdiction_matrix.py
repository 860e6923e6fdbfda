"""The jurisdiction matrix, generated from the URLconf (分权分域 + need-to-know).

Every URL pattern of the project must be classified in ``PAGES`` below. The test walks
``get_resolver().url_patterns`` recursively, so a new pattern that nobody classified
fails ``test_every_url_pattern_is_classified`` with a message saying what to add.

Classes:

* ``public()`` — answers without logging in (log-in page, health check, language switch).
* ``logged_in(crawl=…)`` — no object in the URL: lists, searches, htmx fragments, JSON,
  exports. Crawled for every role (with the query strings ``crawl`` gives, if any): the
  answer must never contain the marker or number of an object the role may not see.
* ``obj(kind, rule)`` — names an object. For every staff role and every object of that
  kind in the world (tests/security/conftest.py: the same objects in the role's own
  grid, a sibling village, a sibling street and another department), GET and POST of an
  object the role may not see answer 404 — or 403 when the role may never use the page
  (``core.decorators.role_required``) — and never anything else; GET of an object it
  may see must not be a 404 (the table is not vacuous) and its page is crawled too.
* ``admin()`` — Django's admin (its own staff login).

Rules: ``region`` (jurisdiction), ``need_to_know`` (jurisdiction, and department staff only
their unit's matters), ``owner`` (drafts, uploads, messages: their owner's alone),
``reference`` (district-wide reference data, e.g. the checklist).

Adding a page: one line in ``PAGES`` — e.g. ``"credit:detail": obj("enterprise", "region"),``
(a new object kind also needs its objects in ``build_world``).
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import ROLES

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Page:
    kind: str  # public / logged_in / object / admin
    objects: tuple = ()  # ((object kind, rule), …) for object pages
    kwargs: object = None  # obj -> URL kwargs, when not the object's own
    extra: dict = field(default_factory=dict)  # constant URL kwargs (e.g. an action name)
    crawl: object = None  # world -> list of query dicts for list pages
    in_world: bool = True  # False: the world has no such objects (checked with unknown ids only)
    note: str = ""


def public(note=""):
    return Page("public", note=note)


def logged_in(crawl=None, note="", **extra):
    """A page without an object; `extra` gives constant URL kwargs (e.g. a table name)."""
    return Page("logged_in", crawl=crawl, note=note, extra=extra)


def obj(*pairs, kwargs=None, in_world=True, note="", **extra):
    """obj("case", "need_to_know") or obj(("inspection", "region"), ("inspection_draft", "owner"))."""
    if pairs and isinstance(pairs[0], str):
        pairs = (tuple(pairs),)
    return Page("object", objects=tuple(pairs), kwargs=kwargs, extra=extra, in_world=in_world, note=note)


def admin():
    return Page("admin")


def _duplicate_queries(world):
    """The report form's duplicate hint, asked at every case of the world."""
    return [{"category": str(o.instance.category_id), "latitude": str(o.instance.latitude), "longitude": str(o.instance.longitude)}
            for o in world.of_kind("case")]


def _address_queries(world):
    """The report form's address look-up, asked at every place and case of the world: it may name
    only places the role may see (an out-of-scope point answers with its grid's name)."""
    return [{"latitude": str(o.instance.latitude), "longitude": str(o.instance.longitude)}
            for o in world.objects if o.kind in ("place", "case") and o.instance.latitude is not None]


SEARCH = lambda world: [{}, {"q": "LEAK"}]  # noqa: E731
ALL_TABS = lambda world: [{"tab": t} for t in ("to_accept", "in_progress", "handled", "overdue", "done")]  # noqa: E731
CASE_FILTERS = lambda world: [{}, {"status": "accepted"}, {"source": "hotline"}]  # noqa: E731
PHOTO_OF_DRAFT = lambda o: {"client_uuid": o.instance.inspection.client_uuid, "pk": o.instance.pk}  # noqa: E731


def _blank_of_place(o):
    """A place and the first list its page offers (the checklist form kept for starting offline)."""
    from inspections.selectors import published_version, scene_options

    version = published_version()
    options = scene_options(version=version, place_type=o.instance.place_type) if version else []
    return {"pk": o.instance.pk, "code": options[0].scene.code if options else "none"}

# fmt: off
PAGES: dict[str, Page] = {
    # --- project -----------------------------------------------------------------------------
    "home": logged_in(),
    "healthz": public(),
    "favicon": public(),
    "login": public(),
    "logout": public(),
    "set_language": public(),
    "admin:*": admin(),
    # --- core: background jobs (conservatively: a job is its starter's; none in the world yet) -
    # --- core: the inbox (messages are their recipient's alone) -------------------------------
    "core:inbox": logged_in(crawl=lambda w: [{}, {"unread": "1"}]),
    "core:inbox_badge": logged_in(),
    "core:inbox_read_all": logged_in(),
    "core:notification": obj("notification", "owner"),
    "core:job_list": logged_in(),
    # --- core: the installable web app (core/pwa.py); the outbox's list lives in the browser ------
    "core:manifest": public(),
    "core:service_worker": public(),
    "core:pwa_session": public(note="who is logged in (own id only) and a fresh CSRF token for the outbox's replays"),
    "core:outbox": public(note="an empty page: the items are read from the phone's IndexedDB"),
    "core:job_detail": obj("job", "owner", in_world=False, note="classified conservatively: job objects not in the world"),
    "core:job_download": obj("job", "owner", in_world=False, note="classified conservatively: job objects not in the world"),
    # --- grids -------------------------------------------------------------------------------
    "grids:mobile_home": logged_in(),
    "grids:officer_home": logged_in(),
    "grids:department_home": logged_in(),
    "grids:region_list": logged_in(crawl=lambda w: [{}, {"level": "3"}, {"q": "社区"}]),
    "grids:region_detail": obj("region", "region"),
    "grids:region_geojson": obj("region", "region"),
    # --- cases -------------------------------------------------------------------------------
    "cases:list": logged_in(crawl=CASE_FILTERS),
    "cases:report": logged_in(),
    "cases:duplicates": logged_in(crawl=_duplicate_queries),
    "cases:report_address": logged_in(crawl=_address_queries),
    "cases:upload": logged_in(),
    "cases:upload_delete": obj("pending_upload", "owner"),
    "cases:upload_thumb": obj("pending_upload", "owner"),
    "cases:mine": logged_in(),
    "cases:to_verify": logged_in(),
    "cases:triage": logged_in(),
    "cases:categories": logged_in(),
    "cases:categories_export": logged_in(),
    "cases:detail": obj("case", "need_to_know"),
    "cases:act": obj("case", "need_to_know", action="cancel"),
    "cases:verify": obj("case", "need_to_know"),
    "cases:file": obj("case_file", "need_to_know"),
    "cases:thumb": obj("case_file", "need_to_know"),
    # --- dispatch ----------------------------------------------------------------------------
    "dispatch:workbench": logged_in(crawl=lambda w: [{}, {"tier": "3"}, {"status": "to_dispatch"}]),
    "dispatch:counters": logged_in(),
    "dispatch:department": logged_in(crawl=ALL_TABS),
    "dispatch:case": obj("case", "need_to_know"),
    "dispatch:case_dispatch": obj("case", "need_to_know"),
    "dispatch:case_escalate": obj("case", "need_to_know"),
    "dispatch:case_close": obj("case", "need_to_know"),
    "dispatch:case_accept": obj("case", "need_to_know"),
    "dispatch:case_return": obj("case", "need_to_know"),
    "dispatch:case_handle": obj("case", "need_to_know"),
    "dispatch:notice_new": obj("case", "need_to_know"),
    "dispatch:consultation_new": obj("case", "need_to_know"),
    "dispatch:notices": logged_in(crawl=lambda w: [{}, {"status": "issued"}]),
    "dispatch:notice": obj("notice", "need_to_know"),
    "dispatch:consultations": logged_in(),
    "dispatch:consultation": obj("consultation", "need_to_know"),
    "dispatch:rules": logged_in(),
    "dispatch:rules_export": logged_in(),
    # --- inspections -------------------------------------------------------------------------
    "inspections:mobile_start": logged_in(),
    "inspections:place_search": logged_in(crawl=SEARCH),
    "inspections:place_new": logged_in(),
    "inspections:mobile_place": obj("place", "region"),
    "inspections:inspection_start": obj("place", "region"),
    "inspections:place_reinspect": obj("place", "region"),
    "inspections:inspection_blank": obj("place", "region", kwargs=_blank_of_place),
    "inspections:reinspect": obj(("inspection", "region"), ("inspection_draft", "owner")),
    "inspections:mark_rest": obj(("inspection", "region"), ("inspection_draft", "owner")),
    "inspections:inspection": obj(("inspection", "region"), ("inspection_draft", "owner")),
    "inspections:answer_save": obj(("inspection", "region"), ("inspection_draft", "owner")),
    "inspections:photo_add": obj(("inspection", "region"), ("inspection_draft", "owner")),
    "inspections:photo_remove": obj("inspection_photo", "region", kwargs=PHOTO_OF_DRAFT),
    "inspections:submit": obj(("inspection", "region"), ("inspection_draft", "owner")),
    "inspections:discard": obj(("inspection", "region"), ("inspection_draft", "owner")),
    "inspections:photo_file": obj("inspection_photo", "region"),
    "inspections:inspection_list": logged_in(crawl=lambda w: [{}, {"flagged": "1"}]),
    "inspections:place_list": logged_in(crawl=SEARCH),
    "inspections:place_history": obj("place", "region"),
    "inspections:department_results": logged_in(crawl=lambda w: [{}, {"result": "fail"}]),
    "inspections:department_results_export": logged_in(crawl=lambda w: [{}, {"result": "fail"}]),
    "inspections:checklist_list": logged_in(),
    "inspections:checklist_import": logged_in(),
    "inspections:checklist_detail": obj("checklist", "reference"),
    "inspections:checklist_export": obj("checklist", "reference"),
    "inspections:checklist_publish": obj("checklist", "reference"),
    "inspections:checklist_copy": obj("checklist", "reference"),
    "inspections:checklist_discard": obj("checklist", "reference"),
    "inspections:scene_new": obj("checklist", "reference"),
    "inspections:scene_compose": obj("scene", "reference"),
    # --- credit (企业信用) ------------------------------------------------------------------------
    "credit:enterprise_list": logged_in(crawl=SEARCH),
    "credit:enterprise_create": logged_in(),
    "credit:enterprise_detail": obj("enterprise", "region"),
    "credit:enterprise_edit": obj("enterprise", "region"),
    "credit:enterprise_delete": obj("enterprise", "region"),
    "credit:licence_photo": obj("enterprise", "region"),
    "credit:link_case": obj("enterprise", "region"),
    "credit:link_place": obj("enterprise", "region"),
    "credit:override_create": obj("enterprise", "region"),
    "credit:override_revoke": obj("enterprise", "region", kwargs=lambda o: {"pk": o.instance.pk, "override_pk": 987654321}),
    "credit:veto_create": obj("enterprise", "region"),
    "credit:rating_create": obj("enterprise", "region"),
    "credit:placard": obj("enterprise", "region"),
    "credit:rescore_start": logged_in(),
    "credit:due_list": logged_in(),
    "credit:coverage": logged_in(),
    "credit:public": public(note="the placard's public page, reached by an unguessable token"),
    # --- one-click fill (一表填) and the village desk ---------------------------------------------
    "village:desk": logged_in(),
    "forms_fill:person_list": logged_in(crawl=SEARCH),
    "forms_fill:person_add": logged_in(),
    "forms_fill:person_detail": obj("person", "region"),
    "forms_fill:person_edit": obj("person", "region"),
    "forms_fill:person_delete": obj("person", "region"),
    "forms_fill:person_reveal": obj("person", "region", key="id_number"),
    "forms_fill:enterprise_list": logged_in(crawl=SEARCH),
    "forms_fill:enterprise_reveal": obj("enterprise", "region", key="contact_phone"),
    "forms_fill:import": logged_in(),
    "forms_fill:import_detail": obj("import", "owner", in_world=False, note="classified conservatively: imports not in the world"),
    "forms_fill:table_list": logged_in(),
    "forms_fill:template_list": logged_in(),
    "forms_fill:template_compose": logged_in(),
    "forms_fill:template_upload": logged_in(),
    "forms_fill:template_detail": obj("table_template", "region", in_world=False, note="classified conservatively"),
    "forms_fill:template_map": obj("table_template", "region", in_world=False, note="classified conservatively"),
    "forms_fill:fill": logged_in(),
    "forms_fill:fill_detail": obj("fill_run", "owner", in_world=False, note="classified conservatively"),
    "forms_fill:audit_log": logged_in(),
    "forms_fill:audit_export": logged_in(),
    # --- volunteers (志愿者): the public QR pages, and the offices' pages -------------------------
    "volunteers:report": public(note="public QR report page (a team's code)"),
    "volunteers:upload": public(note="public QR report page (a team's code)"),
    "volunteers:upload_delete": public(note="public QR report page (the form's own uploads)"),
    "volunteers:upload_thumb": public(note="public QR report page (the form's own uploads)"),
    "volunteers:join": public(note="public QR join page"),
    "volunteers:status": public(note="a report's status by its unguessable token"),
    "volunteers:my_card": public(note="a volunteer's card by its unguessable token"),
    "volunteers:my_redeem": public(note="a volunteer's card by its unguessable token"),
    "volunteers:index": logged_in(),
    "volunteers:team": obj("team", "region", in_world=False, note="classified conservatively: teams not in the world"),
    "volunteers:team_create": obj("team", "region", in_world=False, note="classified conservatively"),
    "volunteers:poster": obj("team", "region", in_world=False, note="classified conservatively"),
    "volunteers:rewards": obj("team", "region", in_world=False, note="classified conservatively"),
    "volunteers:reward_edit": obj("reward", "region", in_world=False, note="classified conservatively"),
    "volunteers:volunteer": obj("volunteer", "region", in_world=False, note="classified conservatively"),
    "volunteers:card": obj("volunteer", "region", in_world=False, note="classified conservatively"),
    "volunteers:triage": logged_in(),
    "volunteers:triage_badge": logged_in(),
    "volunteers:triage_decide": obj("volunteer_report", "region", in_world=False, note="classified conservatively"),
    "volunteers:redemptions": logged_in(),
    "volunteers:redemption_act": obj("redemption", "region", in_world=False, action="approve", note="classified conservatively"),
    # --- scan (扫一扫): a scan is its scanner's ----------------------------------------------------
    "scan:start": logged_in(),
    "scan:search": logged_in(crawl=SEARCH),
    "scan:batch": obj("scan", "owner", in_world=False, note="classified conservatively: scans not in the world"),
    "scan:review": obj("scan", "owner", in_world=False, note="classified conservatively"),
    "scan:image": obj("scan", "owner", in_world=False, note="classified conservatively"),
    # --- Open311 GeoReport v2: a public API (keys for writes; tests/open311) -------------------
    "open311:*": public(note="public API; its own tests check keys and jurisdiction"),
    # --- dashboard (数据看板) ----------------------------------------------------------------------
    "dashboard:index": logged_in(),
    "dashboard:export": logged_in(table="headline"),
    "dashboard:map_data": logged_in(),
    "dashboard:overlay": obj("overlay", "reference", in_world=False, note="classified conservatively: map overlays are district-wide"),
}
# fmt: on

# What each kind's marker is governed by when it shows up on some other page.
MARKER_RULES = {
    "case": "need_to_know", "notice": "need_to_know", "consultation": "need_to_know", "place": "region", "inspection": "region",
    "enterprise": "region", "person": "region",
}
UNKNOWN_IDS = {"number": "440604-NOPE", "pk": 987654321, "uuid": uuid.UUID(int=7), "client_uuid": uuid.UUID(int=7), "code": "999999",
               "form_uuid": uuid.UUID(int=7), "token": "nope", "key": "name", "action": "approve", "table": "headline"}


# --- the URLconf, walked -------------------------------------------------------------------------

@dataclass
class Pattern:
    key: str  # the namespaced URL name
    route: str
    callback: object
    params: tuple


def url_patterns(patterns=None, prefix="", namespace=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from url_patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            params = tuple(p.pattern.converters) or tuple(p.pattern.regex.groupindex)
            yield Pattern(namespace + (p.name or f"<unnamed {prefix}{p.pattern}>"), prefix + str(p.pattern), p.callback, params)


def classify(pattern: Pattern) -> Page | None:
    if pattern.key in PAGES:
        return PAGES[pattern.key]
    namespace = pattern.key.split(":", 1)[0] + ":*" if ":" in pattern.key else None
    return PAGES.get(namespace)


def test_every_url_pattern_is_classified():
    missing = [f"  {p.key!r}  ({p.route})" for p in url_patterns() if classify(p) is None]
    assert not missing, (
        "These URL patterns are not classified in tests/security/test_jurisdiction_matrix.py PAGES.\n"
        "Add one line each: public(), logged_in(crawl=…), or obj(<object kind>, <rule>) with the rule the "
        "view enforces (region / need_to_know / owner / reference), and create objects of a new kind in "
        "tests/security/conftest.py build_world:\n" + "\n".join(missing)
    )
    stale = sorted(set(PAGES) - {p.key for p in url_patterns()} - {k for k in PAGES if k.endswith(":*")})
    assert not stale, f"PAGES lists URL names that no longer exist; remove them: {stale}"


# --- helpers ---------------------------------------------------------------------------------------

def allowed_roles(pattern: Pattern):
    return getattr(pattern.callback, "allowed_roles", None)


def body_text(response) -> str:
    """The text a user would receive: HTML/JSON, or the XML inside an .xlsx, or nothing for images."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind or content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            return ""
    if kind.startswith(("image/", "video/")):
        return ""
    return content.decode("utf-8", "replace")


def url_for(pattern: Pattern, page: Page, o) -> str:
    kwargs = page.kwargs(o) if page.kwargs else dict(o.kwargs)
    kwargs = {k: v for k, v in kwargs.items() if k in pattern.params}
    return reverse(pattern.key, kwargs={**kwargs, **page.extra})


def hidden_markers(world, user) -> dict[str, str]:
    """marker → description, for every object `user` may not see."""
    out = {}
    for o in world.objects:
        rule = MARKER_RULES.get(o.kind)
        if rule and o.marker and not world.visible(user, o, rule):
            out[o.marker] = f"{o.kind} at {o.location}"
            if o.kind == "case":
                out[o.instance.number] = f"case number at {o.location} ({o.marker})"
    return out


def object_patterns():
    for p in url_patterns():
        page = classify(p)
        if page is not None and page.kind == "object":
            yield p, page


# --- the matrix ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_objects_out_of_scope_answer_404_and_in_scope_do_not(role, world, client):
    user = world.users[role]
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    failures = []
    checked = 0
    for pattern, page in object_patterns():
        roles = allowed_roles(pattern)
        may_use = roles is None or role in roles
        expected = 404 if may_use else 403
        for kind, rule in page.objects:
            # An identifier that exists nowhere: the same answer as out of scope, never a 500.
            unknown = reverse(pattern.key, kwargs={**{k: UNKNOWN_IDS.get(k, 987654321) for k in pattern.params}, **page.extra})
            for method in ("get", "post"):
                status = getattr(client, method)(unknown).status_code
                if status not in (expected, 405):
                    failures.append(f"{method.upper()} {unknown} [{pattern.key}, unknown id] → {status}, expected {expected}")
            if not page.in_world:
                continue
            for o in world.of_kind(kind):
                url = url_for(pattern, page, o)
                if world.visible(user, o, rule):
                    if may_use and pattern.key not in POSITIVE_SKIP:
                        status = client.get(url).status_code
                        if status in (404, 500):
                            failures.append(f"GET {url} [{pattern.key}, {kind} at {o.location}, visible to {role}] → {status}: "
                                            "the matrix would be vacuous (fix the world or the view)")
                    continue
                for method in ("get", "post"):
                    checked += 1
                    status = getattr(client, method)(url).status_code
                    if status not in (expected, 405):
                        failures.append(f"{method.upper()} {url} [{pattern.key}, {kind} at {o.location}, rule {rule}] → {status}, expected {expected}")
    assert not failures, f"{role}: {len(failures)} of the matrix's requests answered wrongly:\n" + "\n".join(failures)
    if role not in ("district_officer", "administrator"):
        assert checked > 50, f"{role}: only {checked} out-of-scope requests were made; is the world built?"


# Object pages whose in-scope GET may legitimately be a 404 (nothing to show in that state).
POSITIVE_SKIP = {
    # A submitted inspection's draft-only actions and photo removal: the draft is gone.
    "inspections:photo_remove",
    # Names an override of the enterprise that does not exist.
    "credit:override_revoke",
    # The world's enterprises have no licence photo (404 "no photo" for those in scope too).
    "credit:licence_photo",
}


@pytest.mark.parametrize("role", ROLES)
def test_crawled_pages_never_show_objects_out_of_scope(role, world, client):
    """Every list, search, fragment, JSON, export and visible object page the role can reach."""
    user = world.users[role]
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    hidden = hidden_markers(world, user)
    failures, crawled = [], 0

    def visit(url, params=None, label=""):
        nonlocal crawled
        response = client.get(url, params or {})
        crawled += 1
        if response.status_code >= 500:
            failures.append(f"GET {url} {params or ''} [{label}] → {response.status_code}")
            return
        text = body_text(response)
        for marker, what in hidden.items():
            if marker in text:
                failures.append(f"GET {url} {params or ''} [{label}] shows {what} ({marker!r}), which {role} may not see")

    for pattern in url_patterns():
        page = classify(pattern)
        if page is None or page.kind == "admin":
            continue
        if page.kind in ("public", "logged_in") and set(pattern.params) <= set(page.extra):
            for params in (page.crawl(world) if page.crawl else [{}]):
                visit(reverse(pattern.key, kwargs=page.extra or None), params, pattern.key)
        elif page.kind == "object" and page.in_world:
            for kind, rule in page.objects:
                for o in world.of_kind(kind):
                    if world.visible(user, o, rule):
                        visit(url_for(pattern, page, o), None, f"{pattern.key}: {kind} at {o.location}")
    assert not failures, f"{role}: {len(failures)} leaks or errors in {crawled} crawled pages:\n" + "\n".join(failures)
    assert crawled > 30


def test_anonymous_users_are_sent_to_log_in(world, client):
    """Nothing but the public pages answers without a log-in (and nothing answers a 500)."""
    failures = []
    for pattern in url_patterns():
        page = classify(pattern)
        if page is None or page.kind in ("public", "admin"):
            continue
        objs = [o for kind, _rule in page.objects for o in world.of_kind(kind)][:1] if page.kind == "object" else []
        if page.kind == "object" and not objs:
            url = reverse(pattern.key, kwargs={**{k: UNKNOWN_IDS.get(k, 987654321) for k in pattern.params}, **page.extra})
        else:
            url = url_for(pattern, page, objs[0]) if objs else reverse(pattern.key, kwargs=page.extra or None)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code == 405:
                continue
            if response.status_code != 302 or "/accounts/login/" not in response["Location"]:
                failures.append(f"{method.upper()} {url} [{pattern.key}] → {response.status_code} {response.get('Location', '')}")
    assert not failures, "Pages answering anonymous users:\n" + "\n".join(failures)


def test_admin_is_for_administrators_only(world, client):
    for role in ROLES:
        client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
        response = client.get(reverse("admin:index"))
        if role == "administrator":
            assert response.status_code == 200
        else:
            assert response.status_code == 302 and "/admin/login/" in response["Location"], role
