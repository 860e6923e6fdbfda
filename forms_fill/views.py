"""Pages of 一表填: the village desk, master data, import, registry, templates, fill, audit log.

Views do HTTP only: selectors read (scoped), services write. ID numbers and phones are
masked on every page; the full value is shown only after a reveal with a reason (audited).
"""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import role_required
from core.identifiers import mask_identifier
from core.roles import AD, DO, SO, VS
from core.services import audit_record
from grids.scoping import scope_paths

from . import catalogue, selectors, services
from .catalogue import ENTERPRISE, PERSON
from .forms import (
    ComposeForm,
    DeleteForm,
    FillForm,
    ImportForm,
    MappingForm,
    OfficialUploadForm,
    PersonForm,
    RevealForm,
)
from .models import FillRun, TableEntry, TableTemplate
from .xlsx import TemplateError

STAFF = (VS, SO, DO, AD)
PAGE = 50


def _home_path(user) -> str:
    """The region path a job of this user runs under: their (first) jurisdiction."""
    paths = scope_paths(user)
    if paths is None:
        return ""
    return paths[0] if paths else "-"


def _masked_row(entity: str, obj) -> dict:
    return {
        "obj": obj,
        "key": mask_identifier(obj.id_number if entity == PERSON else obj.uscc, "id_number" if entity == PERSON else ""),
        "phone": mask_identifier(obj.phone if entity == PERSON else obj.contact_phone, "phone"),
    }


# ------------------------------------------------------------------------------ the village desk


@role_required(*STAFF)
def village_desk(request):
    """村(居)工作台: tables due, recent fills, one-click fill, master data, import, my jobs."""
    from core.jobs import visible_jobs

    context = {
        "due": selectors.tables_due(limit=8),
        "runs": selectors.my_runs(user=request.user, limit=8),
        "jobs": visible_jobs(request.user).filter(started_by=request.user)[:5],
        "counts": selectors.counts_for(user=request.user),
        "templates": selectors.template_list(user=request.user)[:6],
    }
    return render(request, "forms_fill/desk.html", context)


# ------------------------------------------------------------------------------ people


@role_required(*STAFF)
def person_list(request):
    filters = selectors.clean_filters(PERSON, request.GET)
    qs = selectors.person_list(user=request.user, filters=filters)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    rows = [_masked_row(PERSON, p) for p in page]
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return render(request, "forms_fill/person_list.html", {
        "page": page, "rows": rows, "filters": filters, "query": query,
        "grids": _grid_choices(request.user),
        "choice_filters": [(k, catalogue.field(PERSON, k)) for k in
                           ("employment_status", "population_type", "social_insurance_status", "subsistence_status")],
        "filters_json": json.dumps(filters, ensure_ascii=False),
    })


def _grid_choices(user):
    from .forms import grid_queryset

    return grid_queryset(user, verb="view")


@role_required(*STAFF)
def person_add(request):
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        region = form.cleaned_data["grid"]
        try:
            person = services.person_create(by=request.user, id_number=form.cleaned_data["id_number"], region=region,
                                            data=form.values())
        except (ValueError, IntegrityError):
            form.add_error("id_number", _("A person with this ID number is already recorded."))
        else:
            for w in getattr(form, "id_warnings", []):
                messages.warning(request, w)
            messages.success(request, _("Added."))
            return redirect("forms_fill:person_detail", pk=person.pk)
    return render(request, "forms_fill/person_form.html", {"form": form, "groups": _groups(form)})


def _groups(form):
    groups: dict[str, list] = {}
    for name in form.fields:
        bound = form[name]
        groups.setdefault(getattr(form.fields[name], "group", ""), []).append(bound)
    return list(groups.items())


@role_required(*STAFF)
def person_detail(request, pk, revealed=None):
    person = selectors.person_get(user=request.user, pk=pk)
    values = services.person_values(person)
    fields = []
    for f in catalogue.PERSON_FIELDS:
        value = values.get(f.key)
        shown = services.masked(PERSON, f.key, value) if f.sensitive else (
            "" if value in (None, "") else (value.isoformat() if hasattr(value, "isoformat") else str(value)))
        if f.key == "sex":
            shown = {"M": "男", "F": "女"}.get(value, "")
        if revealed and f.key in revealed:
            shown = revealed[f.key]
        source = (person.sources or {}).get(f.key) or {}
        fields.append({"field": f, "shown": shown, "source": source,
                       "can_reveal": f.sensitive and value not in (None, "") and not (revealed and f.key in revealed)})
    return render(request, "forms_fill/person_detail.html", {
        "person": person, "fields": fields, "history": selectors.record_history(entity=PERSON, object_id=person.pk),
        "masked_id": mask_identifier(person.id_number, "id_number"), "reveal_form": RevealForm(),
    })


@role_required(*STAFF)
def person_edit(request, pk):
    person = selectors.person_get(user=request.user, pk=pk)
    values = services.person_values(person)
    initial = {k: v for k, v in values.items() if v not in (None, "")}
    initial["grid"] = person.region_id
    form = PersonForm(request.POST or None, user=request.user, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = services.person_update(person=person, by=request.user, data=form.values(),
                                         region=form.cleaned_data["grid"])
        messages.success(request, _("Saved (%(n)s changes).") % {"n": len(changes)})
        return redirect("forms_fill:person_detail", pk=person.pk)
    return render(request, "forms_fill/person_form.html", {"form": form, "groups": _groups(form), "person": person,
                                                           "masked_id": mask_identifier(person.id_number, "id_number")})


@role_required(*STAFF)
@require_POST
def person_delete(request, pk):
    person = selectors.person_get(user=request.user, pk=pk)
    form = DeleteForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.person_delete(person=person, by=request.user, reason=reason)
    messages.success(request, _("Deleted. The record and its history are kept; the district can restore it."))
    return redirect("forms_fill:person_list")


@role_required(*STAFF)
@require_POST
def person_reveal(request, pk, key):
    person = selectors.person_get(user=request.user, pk=pk)
    return _reveal(request, PERSON, person, key, lambda revealed: person_detail(request, pk, revealed=revealed))


def _reveal(request, entity, obj, key, full_page):
    form = RevealForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(format_html('<span class="errorlist" role="alert">{}</span>',
                                            _("Say why you need to see the full value.")))
        messages.error(request, _("Say why you need to see the full value."))
        return full_page(None)
    try:
        value = services.reveal(user=request.user, entity=entity, obj=obj, key=key,
                                reason=form.cleaned_data["reason"], request=request)
    except ValueError as exc:
        raise Http404(str(exc)) from None
    if request.htmx:
        return HttpResponse(format_html('<span class="revealed">{}</span>', value))
    return full_page({key: value})


# ------------------------------------------------------------------------------ enterprises


@role_required(*STAFF)
def enterprise_list(request):
    filters = selectors.clean_filters(ENTERPRISE, request.GET)
    qs = selectors.enterprise_list(user=request.user, filters=filters)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    rows = [_masked_row(ENTERPRISE, e) for e in page]
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return render(request, "forms_fill/enterprise_list.html", {
        "page": page, "rows": rows, "filters": filters, "query": query, "grids": _grid_choices(request.user),
        "filters_json": json.dumps(filters, ensure_ascii=False),
    })


@role_required(*STAFF)
@require_POST
def enterprise_reveal(request, pk, key):
    from credit.models import Enterprise
    from grids.scoping import get_in_scope_or_404

    enterprise = get_in_scope_or_404(Enterprise.objects.filter(deleted_at__isnull=True), request.user, pk=pk)

    def back(_revealed):
        return redirect("forms_fill:enterprise_list")

    return _reveal(request, ENTERPRISE, enterprise, key, back)


# ------------------------------------------------------------------------------ import


@role_required(*STAFF)
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = services.import_start(user=request.user, entity=form.cleaned_data["entity"],
                                    upload=form.cleaned_data["file"], source=form.cleaned_data["source"],
                                    region_path=_home_path(request.user))
        return redirect("forms_fill:import_detail", pk=run.pk)
    runs = FillRun.objects.filter(user=request.user, kind=FillRun.Kind.IMPORT)[:10]
    return render(request, "forms_fill/import.html", {"form": form, "runs": runs,
                                                      "person_labels": [f.label for f in catalogue.PERSON_FIELDS if not f.derived],
                                                      "enterprise_labels": [f.label for f in catalogue.ENTERPRISE_FIELDS]})


def _run_job(run):
    from core.models import Job

    return Job.objects.filter(uuid=run.job_uuid).first()


@role_required(*STAFF)
def import_detail(request, pk):
    run = get_object_or_404(FillRun, pk=pk, kind=FillRun.Kind.IMPORT, user=request.user)
    return render(request, "forms_fill/import_detail.html", {"run": run, "job": _run_job(run),
                                                             "summary": run.summary or {}})


# ------------------------------------------------------------------------------ registry


@role_required(*STAFF)
def table_list(request):
    filters = {"status": request.GET.get("status", ""), "q": request.GET.get("q", "")[:64]}
    qs = selectors.table_list(filters=filters)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    from django.db.models import Count

    totals = dict(TableEntry.objects.values_list("status").annotate(n=Count("id")))
    return render(request, "forms_fill/table_list.html", {
        "page": page, "filters": filters, "statuses": TableEntry.Status.choices, "totals": totals,
        "total": sum(totals.values()),
    })


# ------------------------------------------------------------------------------ templates


@role_required(*STAFF)
def template_list(request):
    return render(request, "forms_fill/template_list.html", {"templates": selectors.template_list(user=request.user)})


@role_required(*STAFF)
def template_compose(request):
    form = ComposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        template = services.template_save(by=request.user, name=d["name"], entity=d["entity"], title=d["title"],
                                          header_lines=d["header_line_list"], columns=d["column_keys"],
                                          kind=TableTemplate.Kind.COMPOSED, region_path=_home_path(request.user))
        messages.success(request, _("Template saved."))
        return redirect("forms_fill:template_detail", pk=template.pk)
    groups = {e: {} for e in (PERSON, ENTERPRISE)}
    for e in groups:
        for f in catalogue.fields(e):
            groups[e].setdefault(f.group, []).append(f)
    return render(request, "forms_fill/template_compose.html", {"form": form, "groups": groups,
                                                                "entity_labels": catalogue.ENTITY_LABELS})


@role_required(*STAFF)
def template_upload(request):
    from .official import inspect_template

    form = OfficialUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            found = inspect_template(upload, form.cleaned_data["entity"])
        except TemplateError as exc:
            form.add_error("file", str(exc))
        else:
            upload.seek(0)
            template = TableTemplate(name=form.cleaned_data["name"], entity=form.cleaned_data["entity"],
                                     kind=TableTemplate.Kind.OFFICIAL, mapping=found.mapping,
                                     serial_column=found.serial_column, sheet_name=found.sheet_name,
                                     first_data_row=found.first_data_row, created_by=request.user,
                                     region_path=_home_path(request.user),
                                     columns=[{"letter": h.letter, "text": h.text} for h in found.headers])
            template.file.save("template.xlsx", upload, save=False)
            template.save()
            messages.success(request, _("Template read: %(n)s of %(m)s header cells recognised. Check the mapping.")
                             % {"n": len(found.mapping), "m": len(found.headers)})
            return redirect("forms_fill:template_map", pk=template.pk)
    return render(request, "forms_fill/template_upload.html", {"form": form})


@role_required(*STAFF)
def template_map(request, pk):
    template = selectors.template_get(user=request.user, pk=pk)
    if template.kind != TableTemplate.Kind.OFFICIAL:
        raise Http404
    headers = template.columns or []
    form = MappingForm(request.POST or None, template=template, headers=headers)
    if request.method == "POST" and form.is_valid():
        template.mapping = form.mapping()
        template.first_data_row = form.cleaned_data["first_data_row"]
        template.save(update_fields=["mapping", "first_data_row", "updated_at"])
        messages.success(request, _("Mapping saved."))
        return redirect("forms_fill:template_detail", pk=template.pk)
    return render(request, "forms_fill/template_map.html", {"form": form, "template": template})


@role_required(*STAFF)
def template_detail(request, pk):
    template = selectors.template_get(user=request.user, pk=pk)
    if template.kind == TableTemplate.Kind.OFFICIAL:
        cols = [(letter, catalogue.field(template.entity, key)) for letter, key in sorted(template.mapping.items())
                if catalogue.get(template.entity, key)]
    else:
        cols = [(None, catalogue.field(template.entity, k)) for k in template.columns if catalogue.get(template.entity, k)]
    return render(request, "forms_fill/template_detail.html", {"template": template, "cols": cols})


# ------------------------------------------------------------------------------ fill


@role_required(*STAFF)
def fill_start(request):
    templates = selectors.template_list(user=request.user)
    initial = {}
    if request.GET.get("template", "").isdigit():
        initial["template"] = int(request.GET["template"])
    if request.GET.get("filters"):
        initial.update(mode="filter", filters=request.GET["filters"][:2000])
    table = None
    if request.GET.get("table", "").isdigit():
        table = TableEntry.objects.filter(pk=int(request.GET["table"])).first()
        if table and table.template_id:
            initial["template"] = table.template_id
    form = FillForm(request.POST or None, request.FILES or None, templates=templates, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        filters = None
        if d["mode"] == "filter":
            try:
                raw = json.loads(d.get("filters") or "{}")
            except ValueError:
                raw = {}
            filters = selectors.clean_filters(d["template"].entity, raw if isinstance(raw, dict) else {})
        try:
            run = services.fill_start(user=request.user, template=d["template"], region_path=_home_path(request.user),
                                      keys_text=d.get("keys_text") if d["mode"] == "keys" else None, filters=filters,
                                      table=table)
        except ValueError as exc:
            form.add_error("keys", str(exc))
        else:
            return redirect("forms_fill:fill_detail", uuid=run.job_uuid)
    return render(request, "forms_fill/fill.html", {"form": form, "table": table,
                                                    "max_keys": f"{selectors_max_keys():,}"})


def selectors_max_keys():
    from .fill import MAX_KEYS

    return MAX_KEYS


@role_required(*STAFF)
def fill_detail(request, uuid):
    run = get_object_or_404(FillRun.objects.select_related("template"), job_uuid=uuid, kind=FillRun.Kind.FILL,
                            user=request.user)
    job = _run_job(run)
    if job is None:
        raise Http404
    return render(request, "forms_fill/fill_detail.html", {"run": run, "job": job})


# ------------------------------------------------------------------------------ audit log


@role_required(DO, AD)
def audit_log(request):
    filters = {k: request.GET.get(k, "")[:64] for k in ("action", "user", "since", "until")}
    qs = selectors.audit_log(filters=filters)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    from core.models import AuditLog

    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "forms_fill/audit_log.html", {"page": page, "filters": filters, "query": query,
                                                         "actions": AuditLog.Action.choices})


class _Echo:
    def write(self, value):
        return value


@role_required(DO, AD)
def audit_export(request):
    filters = {k: request.GET.get(k, "")[:64] for k in ("action", "user", "since", "until")}
    qs = selectors.audit_log(filters=filters)
    audit_record(user=request.user, action="export", object_type="core.AuditLog", object_ids=[],
                 reason=json.dumps({k: v for k, v in filters.items() if v}, ensure_ascii=False)[:255], request=request)
    writer = csv.writer(_Echo())
    from django.utils import timezone

    def rows():
        yield "\ufeff"
        yield writer.writerow(["time", "user", "action", "object_type", "objects", "reason", "ip"])
        for e in qs.iterator(chunk_size=2000):
            yield writer.writerow([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                                   e.user.username if e.user else "", e.action, e.object_type,
                                   " ".join(map(str, e.object_ids))[:500], _csv_safe(e.reason), e.ip_address or ""])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _csv_safe(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
