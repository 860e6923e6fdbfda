from django.urls import path

from . import views

app_name = "credit"

urlpatterns = [
    path("", views.enterprise_list, name="enterprise_list"),
    path("new/", views.enterprise_create, name="enterprise_create"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("<int:pk>/delete/", views.enterprise_delete, name="enterprise_delete"),
    path("<int:pk>/licence/", views.licence_photo, name="licence_photo"),
    path("<int:pk>/link-case/", views.link_case, name="link_case"),
    path("<int:pk>/link-place/", views.link_place, name="link_place"),
    path("<int:pk>/override/", views.override_create, name="override_create"),
    path("<int:pk>/override/<int:override_pk>/end/", views.override_revoke, name="override_revoke"),
    path("<int:pk>/veto/", views.veto_create, name="veto_create"),
    path("<int:pk>/rating/", views.rating_create, name="rating_create"),
    path("<int:pk>/placard/", views.placard, name="placard"),
    path("rescore/", views.rescore_start, name="rescore_start"),
    path("due/", views.due_list, name="due_list"),
    path("coverage/", views.coverage, name="coverage"),
    # Public (no login): the page behind a placard's QR code.
    path("p/<str:token>/", views.public, name="public"),
]
