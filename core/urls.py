from django.urls import path

from . import inbox_views, job_views

app_name = "core"

urlpatterns = [
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<uuid:uuid>/", job_views.job_detail, name="job_detail"),
    path("jobs/<uuid:uuid>/download/", job_views.job_download, name="job_download"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/badge/", inbox_views.inbox_badge, name="inbox_badge"),
    path("inbox/read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", inbox_views.notification_open, name="notification"),
]
