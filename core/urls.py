from django.urls import path

from . import inbox_views, job_views, pwa

app_name = "core"

urlpatterns = [
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<uuid:uuid>/", job_views.job_detail, name="job_detail"),
    path("jobs/<uuid:uuid>/download/", job_views.job_download, name="job_download"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/badge/", inbox_views.inbox_badge, name="inbox_badge"),
    path("inbox/read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", inbox_views.notification_open, name="notification"),
    # The installable web app (core/pwa.py): manifest, the service worker at the root, the outbox.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("pwa/session/", pwa.session, name="pwa_session"),
    path("outbox/", pwa.outbox, name="outbox"),
]
