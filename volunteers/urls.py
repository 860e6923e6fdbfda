from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    # Public (no login): the QR poster's report page, its uploads, the status link, joining, the card page.
    path("r/<str:code>/", views.public_report, name="report"),
    path("r/<str:code>/upload/", views.public_upload, name="upload"),
    path("r/<str:code>/upload/<uuid:form_uuid>/<int:pk>/delete/", views.public_upload_delete, name="upload_delete"),
    path("r/<str:code>/upload/<uuid:form_uuid>/<int:pk>/thumb/", views.public_upload_thumb, name="upload_thumb"),
    path("r/<str:code>/join/", views.public_join, name="join"),
    path("s/<str:token>/", views.public_status, name="status"),
    path("me/<str:token>/", views.my_card, name="my_card"),
    path("me/<str:token>/redeem/<int:reward_id>/", views.my_redeem, name="my_redeem"),
    # Staff (scoped).
    path("", views.index, name="index"),
    path("team/<str:code>/", views.team_detail, name="team"),
    path("team/<str:code>/create/", views.team_create, name="team_create"),
    path("team/<str:code>/poster/", views.team_poster, name="poster"),
    path("team/<str:code>/rewards/", views.rewards, name="rewards"),
    path("rewards/<int:pk>/", views.reward_edit, name="reward_edit"),
    path("v/<int:pk>/", views.volunteer_detail, name="volunteer"),
    path("v/<int:pk>/card/", views.volunteer_card, name="card"),
    path("triage/", views.triage, name="triage"),
    path("triage/badge/", views.triage_badge, name="triage_badge"),
    path("triage/<int:pk>/", views.triage_decide, name="triage_decide"),
    path("redemptions/", views.redemptions, name="redemptions"),
    path("redemptions/<int:pk>/<str:action>/", views.redemption_act, name="redemption_act"),
]
