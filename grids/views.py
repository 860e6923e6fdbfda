from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render

from core.decorators import role_required
from core.pwa import offline_page

from . import selectors
from .models import Region, StaffProfile

R = StaffProfile.Role
OFFICE_ROLES = (R.VILLAGE_STAFF, R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR)


@offline_page  # the phone's home opens without a signal (core/pwa.py)
@role_required(R.GRID_WORKER)
def mobile_home(request):
    grids = selectors.user_grids(user=request.user)
    return render(request, "grids/mobile_home.html", {"grids": grids})


@role_required(R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR)
def officer_home(request):
    tops = selectors.region_list(user=request.user).filter(level__lte=Region.Level.STREET)
    counts = selectors.region_level_counts(user=request.user)
    return render(request, "grids/officer_home.html", {"regions": tops, "counts": counts})


@role_required(R.DEPARTMENT_STAFF)
def department_home(request):
    profile = request.user.profile
    regions = selectors.region_list(user=request.user).filter(level__lte=Region.Level.STREET)
    return render(request, "grids/department_home.html", {"department": profile.department, "regions": regions})


@role_required(*OFFICE_ROLES, R.DEPARTMENT_STAFF, R.GRID_WORKER)
def region_list(request):
    level = request.GET.get("level")
    qs = selectors.region_list(user=request.user, level=int(level) if level and level.isdigit() else None, q=request.GET.get("q", "").strip())
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "grids/region_list.html", {"page": page, "levels": Region.Level.choices, "level": level})


@role_required(*OFFICE_ROLES, R.DEPARTMENT_STAFF, R.GRID_WORKER)
def region_detail(request, code):
    region = selectors.region_get_for_user(user=request.user, code=code)
    return render(
        request,
        "grids/region_detail.html",
        {
            "region": region,
            "ancestors": selectors.region_ancestors(region=region),
            "children": selectors.region_children(region=region, user=request.user),
        },
    )


@role_required(*OFFICE_ROLES, R.DEPARTMENT_STAFF, R.GRID_WORKER)
def region_geojson(request, code):
    region = selectors.region_get_for_user(user=request.user, code=code)
    return JsonResponse(selectors.region_feature_collection(region=region, user=request.user))
