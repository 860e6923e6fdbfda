from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    # Grid worker, on the phone.
    path("m/", views.mobile_start, name="mobile_start"),
    path("m/places/", views.place_search, name="place_search"),
    path("m/places/new/", views.place_new, name="place_new"),
    path("m/places/<int:pk>/", views.mobile_place, name="mobile_place"),
    path("m/places/<int:pk>/start/", views.inspection_start, name="inspection_start"),
    path("m/places/<int:pk>/blank/<str:code>/", views.inspection_blank, name="inspection_blank"),
    path("m/places/<int:pk>/reinspect/", views.place_reinspect, name="place_reinspect"),
    path("i/<uuid:client_uuid>/", views.inspection_page, name="inspection"),
    path("i/<uuid:client_uuid>/answer/", views.answer_save, name="answer_save"),
    path("i/<uuid:client_uuid>/photo/", views.photo_add, name="photo_add"),
    path("i/<uuid:client_uuid>/photo/<int:pk>/remove/", views.photo_remove, name="photo_remove"),
    path("i/<uuid:client_uuid>/mark-rest/", views.mark_rest, name="mark_rest"),
    path("i/<uuid:client_uuid>/reinspect/", views.inspection_reinspect, name="reinspect"),
    path("i/<uuid:client_uuid>/submit/", views.inspection_submit, name="submit"),
    path("i/<uuid:client_uuid>/discard/", views.inspection_discard, name="discard"),
    path("photo/<int:pk>/", views.photo_file, name="photo_file"),
    # Offices.
    path("list/", views.inspection_list, name="inspection_list"),
    path("places/", views.place_list, name="place_list"),
    path("places/<int:pk>/", views.place_history, name="place_history"),
    path("results/", views.department_results, name="department_results"),
    path("results/export.xlsx", views.department_results_export, name="department_results_export"),
    # The checklist (一表巡) and its versions.
    path("checklists/", views.checklist_list, name="checklist_list"),
    path("checklists/import/", views.checklist_import, name="checklist_import"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/export.xlsx", views.checklist_export, name="checklist_export"),
    path("checklists/<int:pk>/publish/", views.checklist_publish, name="checklist_publish"),
    path("checklists/<int:pk>/copy/", views.checklist_copy, name="checklist_copy"),
    path("checklists/<int:pk>/discard/", views.checklist_discard, name="checklist_discard"),
    path("checklists/<int:pk>/scenes/new/", views.scene_new, name="scene_new"),
    path("checklists/<int:pk>/scenes/<str:code>/", views.scene_compose, name="scene_compose"),
]
