from django.urls import path

from . import views

app_name = "grids"

urlpatterns = [
    path("m/", views.mobile_home, name="mobile_home"),
    path("overview/", views.officer_home, name="officer_home"),
    path("department/", views.department_home, name="department_home"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/boundary.geojson", views.region_geojson, name="region_geojson"),
]
