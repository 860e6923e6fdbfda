from django.urls import path

from . import job_views

app_name = "core"

urlpatterns = [
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<uuid:uuid>/", job_views.job_detail, name="job_detail"),
    path("jobs/<uuid:uuid>/download/", job_views.job_download, name="job_download"),
]
